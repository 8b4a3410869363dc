import type { z } from 'zod';
import type { MedicalPackageSchema, UpsertPackageInput } from '@clinic/contracts';
import { ObjectId, type MedicalPackageDoc } from '@clinic/db';
import type { ApiDeps } from '../../deps.ts';
import { AppError } from '../../errors.ts';

type MedicalPackage = z.infer<typeof MedicalPackageSchema>;

type PackageInput = z.infer<typeof UpsertPackageInput>;

/** What procedures may call (see UseCases in services.ts): contract types only. */
export interface PackagesUseCases {
  list(): Promise<MedicalPackage[]>;
  get(id: string): Promise<MedicalPackage>;
  create(input: PackageInput): Promise<MedicalPackage>;
  update(id: string, patch: Partial<PackageInput> & { active?: boolean }): Promise<MedicalPackage>;
}

const toDto = (d: MedicalPackageDoc): MedicalPackage => ({
  id: d._id.toHexString(),
  name: d.name,
  description: d.description,
  price: d.price,
  includedServices: d.includedServices,
  active: d.active,
});

export function createPackagesService(deps: ApiDeps) {
  const col = deps.db.cols.medicalPackages;
  const notFound = () => new AppError('NOT_FOUND', 'No such medical package.');
  return {
    async list(): Promise<MedicalPackage[]> {
      return (await col.find({ active: true }).sort({ name: 1 }).toArray()).map(toDto);
    },
    async get(id: string): Promise<MedicalPackage> {
      const doc = await col.findOne({ _id: new ObjectId(id) });
      if (!doc) throw notFound();
      return toDto(doc);
    },
    async create(input: z.infer<typeof UpsertPackageInput>): Promise<MedicalPackage> {
      const now = deps.clock();
      const doc: MedicalPackageDoc = { _id: new ObjectId(), ...input, active: true, createdAt: now, updatedAt: now };
      await col.insertOne(doc);
      return toDto(doc);
    },
    async update(id: string, patch: Partial<z.infer<typeof UpsertPackageInput>> & { active?: boolean }): Promise<MedicalPackage> {
      const doc = await col.findOneAndUpdate({ _id: new ObjectId(id) }, { $set: { ...patch, updatedAt: deps.clock() } }, { returnDocument: 'after' });
      if (!doc) throw notFound();
      return toDto(doc);
    },
  };
}
export type PackagesService = ReturnType<typeof createPackagesService>;
