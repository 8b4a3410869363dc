import type { Specialty } from '@clinic/contracts';
import type { SpecialtyDoc } from '@clinic/db';
import type { ApiDeps } from '../../deps.ts';

const toDto = (d: SpecialtyDoc): Specialty => ({ slug: d._id, name: d.name, nameAr: d.nameAr, subSpecialties: d.subSpecialties });

/** What procedures may call (see UseCases in services.ts): contract types only. */
export interface SpecialtiesUseCases {
  list(): Promise<Specialty[]>;
  upsert(input: Specialty): Promise<Specialty>;
}

export function createSpecialtiesService(deps: ApiDeps) {
  const col = deps.db.cols.specialties;
  return {
    async list(): Promise<Specialty[]> {
      return (await col.find({}).sort({ name: 1 }).toArray()).map(toDto);
    },
    /** Master data: creates or replaces a specialty by its slug. */
    async upsert(input: Specialty): Promise<Specialty> {
      const now = deps.clock();
      await col.updateOne(
        { _id: input.slug },
        { $set: { name: input.name, nameAr: input.nameAr, subSpecialties: input.subSpecialties, updatedAt: now }, $setOnInsert: { createdAt: now } },
        { upsert: true },
      );
      return input;
    },
    async exists(slug: string, subSpecialties: string[] = []): Promise<boolean> {
      const doc = await col.findOne({ _id: slug });
      return !!doc && subSpecialties.every((s) => doc.subSpecialties.some((x) => x.slug === s));
    },
  };
}
export type SpecialtiesService = ReturnType<typeof createSpecialtiesService>;
