import type { ClinicInfoDoc, ClinicPolicies, Collections } from '@clinic/db';

export function createClinicRepository(cols: Pick<Collections, 'clinicInfo'>) {
  return {
    /** The clinic has a single info document. */
    get: (): Promise<ClinicInfoDoc | null> => cols.clinicInfo.findOne({}),
    async updatePolicies(patch: Partial<ClinicPolicies>, at: Date) {
      const set = Object.fromEntries(Object.entries(patch).map(([k, v]) => [`policies.${k}`, v]));
      await cols.clinicInfo.updateOne({}, { $set: { ...set, updatedAt: at } }, { upsert: true });
    },
  };
}
