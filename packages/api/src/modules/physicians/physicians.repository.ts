import { ObjectId, type Collections, type PhysicianDoc } from '@clinic/db';

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

export function createPhysiciansRepository(cols: Pick<Collections, 'physicians'>) {
  const col = cols.physicians;
  return {
    search(f: PhysicianFilter): Promise<PhysicianDoc[]> {
      const query: Record<string, unknown> = { active: true };
      if (f.specialty) query.specialty = f.specialty;
      if (f.subSpecialty) query.subSpecialties = f.subSpecialty;
      if (f.language) query.languages = f.language;
      if (f.gender) query.gender = f.gender;
      if (f.q) query.fullName = { $regex: escapeRegex(f.q), $options: 'i' };
      if (f.minPrice !== undefined || f.maxPrice !== undefined) {
        query['price.amount'] = { ...(f.minPrice !== undefined ? { $gte: f.minPrice } : {}), ...(f.maxPrice !== undefined ? { $lte: f.maxPrice } : {}) };
      }
      if (f.minRating !== undefined) query.ratingAverage = { $gte: f.minRating };
      return col.find(query).limit(CANDIDATE_CAP).toArray();
    },
    findById: (id: string) => col.findOne({ _id: new ObjectId(id) }),
    findByUserId: (userId: string) => (ObjectId.isValid(userId) ? col.findOne({ userId: new ObjectId(userId) }) : Promise.resolve(null)),
    insert: async (doc: PhysicianDoc) => void (await col.insertOne(doc)),
    update: (id: string, set: Partial<PhysicianDoc>) => col.findOneAndUpdate({ _id: new ObjectId(id) }, { $set: set }, { returnDocument: 'after' }),
  };
}
