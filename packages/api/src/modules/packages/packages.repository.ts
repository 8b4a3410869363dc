import type { z } from 'zod';
import type { MedicalPackageSchema, UpsertPackageInput } from '@clinic/contracts';
import { ObjectId, type Collections, type MedicalPackageDoc } from '@clinic/db';
import { covers, inScope, type ClinicScope } from '../../scope.ts';

export type MedicalPackage = z.infer<typeof MedicalPackageSchema>;
export type PackageInput = z.infer<typeof UpsertPackageInput>;
export type PackagePatch = Partial<PackageInput> & { active?: boolean };

const toDto = (d: MedicalPackageDoc): MedicalPackage => ({
  id: d._id.toHexString(),
  name: d.name,
  description: d.description,
  price: d.price,
  includedServices: d.includedServices,
  active: d.active,
});

/**
 * The only place that touches `medical_packages`: the packages of `scope`. Every read and update ANDs the scope's
 * `clinicId` into its filter, so another clinic's package is never found or changed through a clinic's repository;
 * the public catalogue reads through `ANY_CLINIC`.
 */
export function createPackagesRepository(cols: Pick<Collections, 'medicalPackages'>, scope: ClinicScope) {
  const col = cols.medicalPackages;
  return {
    /** Active packages, by name; of these clinics only when `clinicIds` is given. */
    async listActive(clinicIds?: ObjectId[]): Promise<MedicalPackage[]> {
      if (clinicIds?.length === 0) return [];
      const filter = clinicIds ? { clinicId: clinicIds.length === 1 ? clinicIds[0]! : { $in: clinicIds }, active: true } : { active: true };
      return (await col.find(inScope(scope, filter)).sort({ name: 1 }).toArray()).map(toDto);
    },
    async findById(id: string): Promise<MedicalPackage | null> {
      const doc = await col.findOne(inScope(scope, { _id: new ObjectId(id) }));
      return doc && toDto(doc);
    },
    async create(input: PackageInput, clinicId: ObjectId, now: Date): Promise<MedicalPackage> {
      if (!covers(scope, clinicId)) throw new Error('A package of another clinic cannot be stored through this scope.');
      const doc: MedicalPackageDoc = { _id: new ObjectId(), clinicId, ...input, active: true, createdAt: now, updatedAt: now };
      await col.insertOne(doc);
      return toDto(doc);
    },
    /** Null when there is no such package in the scope. */
    async update(id: string, patch: PackagePatch, now: Date): Promise<MedicalPackage | null> {
      const doc = await col.findOneAndUpdate(inScope(scope, { _id: new ObjectId(id) }), { $set: { ...patch, updatedAt: now } }, { returnDocument: 'after' });
      return doc && toDto(doc);
    },
  };
}
