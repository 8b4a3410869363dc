import type { ObjectId } from '@clinic/db';
import type { Actor } from '../../actor.ts';
import type { ApiDeps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { ANY_CLINIC, clinicScope, scopeOf } from '../../scope.ts';
import type { ClinicService } from '../clinic/clinic.service.ts';
import { createPackagesRepository, type MedicalPackage, type PackageInput, type PackagePatch } from './packages.repository.ts';

/** What procedures may call (see UseCases in services.ts): contract types only. */
export interface PackagesUseCases {
  /** The public catalogue: every clinic's active packages, or those of the active clinic with slug `clinic`. */
  list(filter?: { clinic?: string | undefined }): Promise<MedicalPackage[]>;
  get(id: string): Promise<MedicalPackage>;
  /** In the creating admin's clinic (`clinicId`; an admin without one: the platform's first clinic). */
  create(input: PackageInput, clinicId?: string | null): Promise<MedicalPackage>;
  /** A package of the admin's clinic; another clinic's is not found. */
  update(actor: Actor, id: string, patch: PackagePatch): Promise<MedicalPackage>;
}

export function createPackagesService(deps: ApiDeps, clinic: ClinicService) {
  /** The public catalogue (every clinic's packages are shown to every patient). An admin's use case goes through `scoped`. */
  const catalogue = createPackagesRepository(deps.db.cols, ANY_CLINIC);
  const scoped = async (actor: Actor) => createPackagesRepository(deps.db.cols, await scopeOf(actor, clinic.current));
  const notFound = () => new AppError('NOT_FOUND', 'No such medical package.');
  return {
    async list(filter: { clinic?: string | undefined } = {}): Promise<MedicalPackage[]> {
      if (!filter.clinic) return catalogue.listActive();
      return catalogue.listActive((await clinic.active(filter.clinic)).map((c) => c._id));
    },
    async get(id: string): Promise<MedicalPackage> {
      const pkg = await catalogue.findById(id);
      if (!pkg) throw notFound();
      return pkg;
    },
    /** A package of clinic `clinicId` (a booking's: the physician's clinic); null when it is another clinic's or none. */
    async ofClinic(id: string, clinicId: ObjectId): Promise<MedicalPackage | null> {
      return createPackagesRepository(deps.db.cols, clinicScope(clinicId)).findById(id);
    },
    async create(input: PackageInput, clinicId: string | null = null): Promise<MedicalPackage> {
      const own = (await clinic.ofActor(clinicId))._id;
      return createPackagesRepository(deps.db.cols, clinicScope(own)).create(input, own, deps.clock());
    },
    async update(actor: Actor, id: string, patch: PackagePatch): Promise<MedicalPackage> {
      const pkg = await (await scoped(actor)).update(id, patch, deps.clock());
      if (!pkg) throw notFound();
      return pkg;
    },
  };
}
export type PackagesService = ReturnType<typeof createPackagesService>;
