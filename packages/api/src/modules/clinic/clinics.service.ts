import type * as z from 'zod';
import type { ClinicDetailSchema, ClinicListItemSchema, ClinicPageSchema, ListClinicsInput } from '@clinic/contracts';
import type { ClinicDoc, ObjectId } from '@clinic/db';
import type { ApiDeps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { createClinicRepository, toClinicDto } from './clinic.repository.ts';

type ClinicListItem = z.output<typeof ClinicListItemSchema>;

/** What procedures may call (see UseCases in services.ts): contract types only. */
export interface ClinicsUseCases {
  list(input: z.output<typeof ListClinicsInput>): Promise<z.output<typeof ClinicPageSchema>>;
  bySlug(slug: string): Promise<z.output<typeof ClinicDetailSchema>>;
}

const uniq = <T>(xs: T[]) => [...new Set(xs)];

export function toClinicListItem(doc: ClinicDoc): ClinicListItem {
  return {
    id: doc._id.toHexString(),
    slug: doc.slug,
    name: doc.name,
    nameAr: doc.nameAr,
    emirates: uniq(doc.locations.map((l) => l.emirate)),
    areas: uniq(doc.locations.map((l) => l.area).filter((a) => a !== '')),
    specialties: doc.specialties ?? [],
    locationCount: doc.locations.length,
  };
}

const encodeCursor = (slug: string) => Buffer.from(JSON.stringify({ s: slug })).toString('base64url');
function decodeCursor(raw: string): string {
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString()) as { s?: unknown };
    if (typeof c.s === 'string') return c.s;
  } catch {
    /* fall through */
  }
  throw new AppError('VALIDATION_FAILED', 'cursor is not a cursor this API returned.', { fieldErrors: { cursor: ['is invalid'] } });
}

/**
 * The public directory of clinics: only active clinics are listed or shown; a pending or suspended one answers
 * 404 like an unknown slug. `countPhysicians` is the physicians module's count of a clinic's active physicians.
 */
export function createClinicsService(deps: ApiDeps, countPhysicians: (clinicId: ObjectId) => Promise<number>): ClinicsUseCases {
  const repo = createClinicRepository(deps.db.cols);
  return {
    /** One query per page, in slug order. */
    async list(input) {
      const after = input.cursor ? decodeCursor(input.cursor) : null;
      const docs = await repo.directory(input, after, input.limit);
      const page = docs.slice(0, input.limit);
      const more = docs.length > input.limit;
      return { items: page.map(toClinicListItem), nextCursor: more && page.length > 0 ? encodeCursor(page.at(-1)!.slug) : null };
    },
    async bySlug(slug) {
      const doc = await repo.activeBySlug(slug);
      if (!doc) throw new AppError('NOT_FOUND', 'No such clinic.');
      return { ...toClinicDto(doc), physicianCount: await countPhysicians(doc._id) };
    },
  };
}
