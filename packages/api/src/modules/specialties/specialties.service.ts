import type { Clinic, Specialty } from '@clinic/contracts';
import type { ObjectId } from '@clinic/db';
import type { ApiDeps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { toClinicDto } from '../clinic/clinic.repository.ts';
import type { ClinicService } from '../clinic/clinic.service.ts';
import { createSpecialtiesRepository } from './specialties.repository.ts';

/** What procedures may call (see UseCases in services.ts): contract types only. */
export interface SpecialtiesUseCases {
  /** The master list, or only what the active clinic with this slug offers. */
  list(clinicSlug?: string): Promise<Specialty[]>;
  /** The platform operator's master data. */
  upsert(input: Specialty): Promise<Specialty>;
  /** Replaces what the admin's own clinic offers (`clinicId` from the actor; none: the platform's first clinic). */
  setOffered(slugs: string[], clinicId: string | null): Promise<Clinic>;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * Specialties are the platform's master data (the operator edits them); each clinic offers some of them
 * (`clinics.specialties`), and its physicians practise only those. `practising` is the physicians module's
 * specialties of a clinic's active physicians, one entry per physician.
 */
export function createSpecialtiesService(deps: ApiDeps, clinic: ClinicService, practising: (clinicId: ObjectId) => Promise<string[]>) {
  const repo = createSpecialtiesRepository(deps.db.cols);
  return {
    async list(clinicSlug?: string): Promise<Specialty[]> {
      if (clinicSlug === undefined) return repo.list();
      const [of] = await clinic.active(clinicSlug);
      if (!of) throw new AppError('NOT_FOUND', 'No such clinic.');
      return repo.bySlugs(of.specialties ?? []);
    },
    /** Master data: creates or replaces a specialty by its slug. */
    async upsert(input: Specialty): Promise<Specialty> {
      await repo.upsert(input, deps.clock());
      return input;
    },
    async exists(slug: string, subSpecialties: string[] = []): Promise<boolean> {
      const found = await repo.find(slug);
      return !!found && subSpecialties.every((s) => found.subSpecialties.some((x) => x.slug === s));
    },
    nameOf,

    async setOffered(slugs: string[], clinicId: string | null): Promise<Clinic> {
      const of = await clinic.ofActor(clinicId);
      const known = new Set((await repo.bySlugs(slugs)).map((s) => s.slug));
      const unknown = slugs.filter((s) => !known.has(s));
      if (unknown.length > 0) {
        throw new AppError('VALIDATION_FAILED', `Unknown specialty: ${unknown.join(', ')} (see GET /specialties).`, { fieldErrors: { specialties: [`not in the list of specialties: ${unknown.join(', ')}`] } });
      }
      const removed = (of.specialties ?? []).filter((s) => !slugs.includes(s));
      if (removed.length > 0) {
        const inUse = new Map<string, number>();
        for (const s of await practising(of._id)) if (removed.includes(s)) inUse.set(s, (inUse.get(s) ?? 0) + 1);
        if (inUse.size > 0) {
          const names = await Promise.all([...inUse].map(async ([s, n]) => `${plural(n, 'active physician practises', 'active physicians practise')} ${await nameOf(s)}`));
          throw new AppError('CONFLICT', `${of.name} cannot stop offering what its physicians practise: ${names.join('; ')}. Change or deactivate them first.`);
        }
      }
      // Guarded by the list read above: a concurrent change makes this one a conflict rather than lose it.
      const updated = await clinic.setSpecialties(of._id, of.specialties ?? [], slugs);
      if (!updated) throw new AppError('CONFLICT', "The clinic's specialties changed meanwhile; read them again and retry.");
      return toClinicDto(updated);
    },
  };

  /** A specialty's name as people read it (the slug when there is no such specialty). */
  async function nameOf(slug: string): Promise<string> {
    return (await repo.find(slug))?.name ?? slug;
  }
}
export type SpecialtiesService = ReturnType<typeof createSpecialtiesService>;
