import type { Clinic, UpdateClinicPolicies } from '@clinic/contracts';
import { DEFAULT_CLINIC_POLICIES, type ClinicPolicies } from '@clinic/db';
import { toZonedIso } from '@clinic/scheduling';
import type { ApiDeps } from '../../deps.ts';
import { createClinicRepository } from './clinic.repository.ts';

export interface ClinicSettings {
  timeZone: string;
  policies: ClinicPolicies;
}

/** What procedures may call (see UseCases in services.ts): contract types only. */
export interface ClinicUseCases {
  info(): Promise<Clinic>;
  updatePolicies(patch: UpdateClinicPolicies): Promise<Clinic>;
  now(): { now: string; timeZone: string; clinicTime: string };
}

export function createClinicService(deps: ApiDeps) {
  const repo = createClinicRepository(deps.db.cols);
  return {
    /** Time zone and booking policies; read on every use so that admin changes apply at once. */
    async settings(): Promise<ClinicSettings> {
      const doc = await repo.get();
      return { timeZone: doc?.timeZone ?? deps.timeZone, policies: { ...DEFAULT_CLINIC_POLICIES, ...doc?.policies } };
    },
    async info(): Promise<Clinic> {
      const doc = await repo.get();
      return {
        name: doc?.name ?? deps.clinicName,
        address: doc?.address ?? { line1: '', area: '', city: 'Dubai', emirate: 'Dubai', country: 'AE' },
        phone: doc?.phone ?? '',
        email: doc?.email ?? '',
        timeZone: doc?.timeZone ?? deps.timeZone,
        openingHours: doc?.openingHours ?? [],
        policies: { ...DEFAULT_CLINIC_POLICIES, ...doc?.policies },
      };
    },
    /** Takes effect for the next booking and the next job sweep (settings are read on every use). */
    async updatePolicies(patch: UpdateClinicPolicies) {
      const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<ClinicPolicies>;
      await repo.updatePolicies(defined, deps.clock());
      return this.info();
    },
    now() {
      const now = deps.clock();
      return { now: now.toISOString(), timeZone: deps.timeZone, clinicTime: toZonedIso(now, deps.timeZone) };
    },
  };
}
export type ClinicService = ReturnType<typeof createClinicService>;
