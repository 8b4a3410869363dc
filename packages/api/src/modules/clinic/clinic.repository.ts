import type { ClinicInfoDoc, Collections } from '@clinic/db';

export function createClinicRepository(cols: Pick<Collections, 'clinicInfo'>) {
  return {
    /** The clinic has a single info document. */
    get: (): Promise<ClinicInfoDoc | null> => cols.clinicInfo.findOne({}),
  };
}
