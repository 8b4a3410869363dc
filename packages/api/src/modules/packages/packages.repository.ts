import type { z } from 'zod';
import type { MedicalPackageSchema, UpsertPackageInput } from '@clinic/contracts';
import { ObjectId, type Collections, type MedicalPackageDoc } from '@clinic/db';

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

/** The only place that touches `medical_packages`. */
export function createPackagesRepository(cols: Pick<Collections, 'medicalPackages'>) {
  const col = cols.medicalPackages;
  return {
    async listActive(): Promise<MedicalPackage[]> {
      return (await col.find({ active: true }).sort({ name: 1 }).toArray()).map(toDto);
    },
    async findById(id: string): Promise<MedicalPackage | null> {
      const doc = await col.findOne({ _id: new ObjectId(id) });
      return doc && toDto(doc);
    },
    async create(input: PackageInput, clinicId: ObjectId, now: Date): Promise<MedicalPackage> {
      const doc: MedicalPackageDoc = { _id: new ObjectId(), clinicId, ...input, active: true, createdAt: now, updatedAt: now };
      await col.insertOne(doc);
      return toDto(doc);
    },
    /** Null when there is no such package. */
    async update(id: string, patch: PackagePatch, now: Date): Promise<MedicalPackage | null> {
      const doc = await col.findOneAndUpdate({ _id: new ObjectId(id) }, { $set: { ...patch, updatedAt: now } }, { returnDocument: 'after' });
      return doc && toDto(doc);
    },
  };
}
