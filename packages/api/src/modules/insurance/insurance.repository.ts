import { ObjectId, type Collections, type InsuranceProfileDoc } from '@clinic/db';

/** The only place that touches `insurance_profiles`: one document per patient, `_id` = the patient's id. */
export function createInsuranceRepository(cols: Pick<Collections, 'insuranceProfiles'>) {
  const col = cols.insuranceProfiles;
  return {
    async findByPatient(patientId: string): Promise<InsuranceProfileDoc | null> {
      if (!ObjectId.isValid(patientId)) return null;
      const doc = await col.findOne({ _id: new ObjectId(patientId) });
      if (!doc) return null;
      // FerretDB drops null-valued fields on upsert; absent means null.
      return { ...doc, insurer: doc.insurer ?? null, network: doc.network ?? null, plan: doc.plan ?? null, copayPercent: doc.copayPercent ?? null };
    },
    /** The latest result replaces the previous one; `createdAt` is kept from the first check. */
    async save(doc: InsuranceProfileDoc): Promise<void> {
      const { _id, createdAt, ...fields } = doc;
      await col.updateOne({ _id }, { $set: fields, $setOnInsert: { createdAt } }, { upsert: true });
    },
    /** Only when the patient has no result of their own: a newer check of theirs is never overwritten. */
    async insertIfAbsent(doc: InsuranceProfileDoc): Promise<void> {
      await col.updateOne({ _id: doc._id }, { $setOnInsert: doc }, { upsert: true });
    },
    remove: (patientId: ObjectId) => col.deleteOne({ _id: patientId }),
  };
}
export type InsuranceRepository = ReturnType<typeof createInsuranceRepository>;
