import type { Specialty } from '@clinic/contracts';
import type { Collections, SpecialtyDoc } from '@clinic/db';

const toDto = (d: SpecialtyDoc): Specialty => ({ slug: d._id, name: d.name, nameAr: d.nameAr, subSpecialties: d.subSpecialties });

/** The only place that touches `specialties` (master data, `_id` = the slug). */
export function createSpecialtiesRepository(cols: Pick<Collections, 'specialties'>) {
  const col = cols.specialties;
  return {
    async list(): Promise<Specialty[]> {
      return (await col.find({}).sort({ name: 1 }).toArray()).map(toDto);
    },
    /** The specialties with these slugs, by name; one query (an equality for one slug). */
    async bySlugs(slugs: string[]): Promise<Specialty[]> {
      if (slugs.length === 0) return [];
      return (await col.find(slugs.length === 1 ? { _id: slugs[0]! } : { _id: { $in: slugs } }).sort({ name: 1 }).toArray()).map(toDto);
    },
    /** Creates or replaces the specialty with this slug; `createdAt` stays from the first time. */
    async upsert(s: Specialty, now: Date): Promise<void> {
      await col.updateOne({ _id: s.slug }, { $set: { name: s.name, nameAr: s.nameAr, subSpecialties: s.subSpecialties, updatedAt: now }, $setOnInsert: { createdAt: now } }, { upsert: true });
    },
    async find(slug: string): Promise<Specialty | null> {
      const doc = await col.findOne({ _id: slug });
      return doc && toDto(doc);
    },
  };
}
