import type { ApiDeps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import type { ClinicService } from '../clinic/clinic.service.ts';
import { createPackagesRepository, type MedicalPackage, type PackageInput, type PackagePatch } from './packages.repository.ts';

/** What procedures may call (see UseCases in services.ts): contract types only. */
export interface PackagesUseCases {
  list(): Promise<MedicalPackage[]>;
  get(id: string): Promise<MedicalPackage>;
  /** In the creating admin's clinic (`clinicId`; an admin without one: the platform's first clinic). */
  create(input: PackageInput, clinicId?: string | null): Promise<MedicalPackage>;
  update(id: string, patch: PackagePatch): Promise<MedicalPackage>;
}

export function createPackagesService(deps: ApiDeps, clinic: ClinicService) {
  const repo = createPackagesRepository(deps.db.cols);
  const notFound = () => new AppError('NOT_FOUND', 'No such medical package.');
  return {
    list: (): Promise<MedicalPackage[]> => repo.listActive(),
    async get(id: string): Promise<MedicalPackage> {
      const pkg = await repo.findById(id);
      if (!pkg) throw notFound();
      return pkg;
    },
    async create(input: PackageInput, clinicId: string | null = null): Promise<MedicalPackage> {
      return repo.create(input, (await clinic.ofActor(clinicId))._id, deps.clock());
    },
    async update(id: string, patch: PackagePatch): Promise<MedicalPackage> {
      const pkg = await repo.update(id, patch, deps.clock());
      if (!pkg) throw notFound();
      return pkg;
    },
  };
}
export type PackagesService = ReturnType<typeof createPackagesService>;
