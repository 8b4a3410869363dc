import type { Specialty } from '@clinic/contracts';
import type { ApiDeps } from '../../deps.ts';
import { createSpecialtiesRepository } from './specialties.repository.ts';

/** What procedures may call (see UseCases in services.ts): contract types only. */
export interface SpecialtiesUseCases {
  list(): Promise<Specialty[]>;
  upsert(input: Specialty): Promise<Specialty>;
}

export function createSpecialtiesService(deps: ApiDeps) {
  const repo = createSpecialtiesRepository(deps.db.cols);
  return {
    list: (): Promise<Specialty[]> => repo.list(),
    /** Master data: creates or replaces a specialty by its slug. */
    async upsert(input: Specialty): Promise<Specialty> {
      await repo.upsert(input, deps.clock());
      return input;
    },
    async exists(slug: string, subSpecialties: string[] = []): Promise<boolean> {
      const found = await repo.find(slug);
      return !!found && subSpecialties.every((s) => found.subSpecialties.some((x) => x.slug === s));
    },
  };
}
export type SpecialtiesService = ReturnType<typeof createSpecialtiesService>;
