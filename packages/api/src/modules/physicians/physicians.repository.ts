import type * as z from 'zod';
import type { Physician, UpdatePhysicianInput, UpsertPhysicianInput } from '@clinic/contracts';
import { ObjectId, type ClinicDoc, type Collections, type PhysicianDoc } from '@clinic/db';
import { covers, inScope, type ClinicScope } from '../../scope.ts';

export type PhysicianInput = z.output<typeof UpsertPhysicianInput>;
export type PhysicianPatch = z.output<typeof UpdatePhysicianInput>['patch'];

export interface PhysicianFilter {
  specialty?: string | undefined;
  subSpecialty?: string | undefined;
  language?: string | undefined;
  gender?: string | undefined;
  q?: string | undefined;
  minPrice?: number | undefined;
  maxPrice?: number | undefined;
  minRating?: number | undefined;
}

/** The catalogue is small (a clinic's physicians); search results are capped well above any real clinic. */
export const CANDIDATE_CAP = 1000;

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The document as the API shows it (string ids), naming its clinic and the locations where it works. */
export function toPhysicianDto(p: PhysicianDoc, clinic: ClinicDoc): Physician {
  return {
    id: p._id.toHexString(),
    fullName: p.fullName,
    // Records made before Arabic names existed (or without one) show the Latin name to Arabic readers too.
    fullNameAr: p.fullNameAr ?? p.fullName,
    title: p.title,
    gender: p.gender,
    specialty: p.specialty,
    subSpecialties: p.subSpecialties,
    languages: p.languages,
    bio: p.bio,
    yearsOfExperience: p.yearsOfExperience,
    price: p.price,
    consultationMinutes: p.schedule.slotMinutes,
    // Older or hand-inserted records may lack optional fields altogether.
    photoUrl: p.photoUrl ?? null,
    rating: { average: p.ratingAverage ?? null, count: p.rating?.count ?? 0 },
    clinic: {
      id: clinic._id.toHexString(),
      slug: clinic.slug,
      name: clinic.name,
      nameAr: clinic.nameAr,
      locations: clinic.locations.filter((l) => p.locationIds.includes(l.id)).map(({ id, name, nameAr, emirate, area }) => ({ id, name, nameAr, emirate, area })),
    },
    active: p.active,
  };
}

/**
 * The physicians of `scope`. Finding one by id and every change AND the scope's `clinicId` into the filter, so an
 * admin's repository never finds or changes another clinic's physician; the public catalogue reads through
 * `ANY_CLINIC`, and `search` and `countActive` name their clinics themselves (the active ones the caller read).
 */
export function createPhysiciansRepository(cols: Pick<Collections, 'physicians'>, scope: ClinicScope) {
  const col = cols.physicians;
  return {
    /**
     * Active physicians of these clinics matching the filter: one query, in one batch — an equality on
     * `clinicId` for one clinic (FerretDB pushes only equalities down), `$in` for several.
     */
    search(clinicIds: ObjectId[], f: PhysicianFilter): Promise<PhysicianDoc[]> {
      if (clinicIds.length === 0) return Promise.resolve([]);
      const query: Record<string, unknown> = { clinicId: clinicIds.length === 1 ? clinicIds[0]! : { $in: clinicIds }, active: true };
      if (f.specialty) query.specialty = f.specialty;
      if (f.subSpecialty) query.subSpecialties = f.subSpecialty;
      if (f.language) query.languages = f.language;
      if (f.gender) query.gender = f.gender;
      if (f.q) query.$or = [{ fullName: { $regex: escapeRegex(f.q), $options: 'i' } }, { fullNameAr: { $regex: escapeRegex(f.q), $options: 'i' } }];
      if (f.minPrice !== undefined || f.maxPrice !== undefined) {
        query['price.amount'] = { ...(f.minPrice !== undefined ? { $gte: f.minPrice } : {}), ...(f.maxPrice !== undefined ? { $lte: f.maxPrice } : {}) };
      }
      if (f.minRating !== undefined) query.ratingAverage = { $gte: f.minRating };
      return col.find(query).limit(CANDIDATE_CAP).batchSize(CANDIDATE_CAP).toArray();
    },
    /** How many active physicians a clinic has. */
    countActive: (clinicId: ObjectId) => col.countDocuments({ clinicId, active: true }),
    findById: (id: string) => col.findOne(inScope(scope, { _id: new ObjectId(id) })),
    findByUserId: (userId: string) => (ObjectId.isValid(userId) ? col.findOne(inScope(scope, { userId: new ObjectId(userId) })) : Promise.resolve(null)),
    /** A new physician of `clinicId`, active and not yet rated. */
    async create(input: PhysicianInput, clinicId: ObjectId, now: Date): Promise<PhysicianDoc> {
      if (!covers(scope, clinicId)) throw new Error('A physician of another clinic cannot be stored through this scope.');
      const { userId, ...rest } = input;
      const doc: PhysicianDoc = {
        _id: new ObjectId(),
        ...rest,
        clinicId,
        userId: userId ? new ObjectId(userId) : null,
        rating: { sum: 0, count: 0 },
        ratingAverage: null,
        active: true,
        createdAt: now,
        updatedAt: now,
      };
      await col.insertOne(doc);
      return doc;
    },
    /** Applies the fields given (`userId` null unlinks the login); null when there is no such physician in the scope. */
    update(id: string, patch: PhysicianPatch, now: Date) {
      const { userId, ...fields } = patch;
      const set: Partial<PhysicianDoc> = { ...fields, updatedAt: now };
      if (userId !== undefined) set.userId = userId ? new ObjectId(userId) : null;
      return col.findOneAndUpdate(inScope(scope, { _id: new ObjectId(id) }), { $set: set }, { returnDocument: 'after' });
    },
  };
}
