import type { OperatorClinic, UpdateClinicIntegrations } from '@clinic/contracts';
import { ObjectId, type ClinicDoc } from '@clinic/db';
import { AppError } from '../../errors.ts';
import type { ClinicService } from '../clinic/clinic.service.ts';
import type { UsersService } from '../users/users.service.ts';

/** What procedures may call (see UseCases in services.ts): contract types only. */
export interface OperatorUseCases {
  listClinics(): Promise<{ items: OperatorClinic[] }>;
  suspendClinic(id: string, reason: string): Promise<OperatorClinic>;
  reactivateClinic(id: string): Promise<OperatorClinic>;
  updateIntegrations(input: UpdateClinicIntegrations): Promise<OperatorClinic>;
}

const toOperatorClinic = (doc: ClinicDoc, staffCount: number, physicianCount: number): OperatorClinic => ({
  id: doc._id.toHexString(),
  slug: doc.slug,
  name: doc.name,
  status: doc.status,
  suspendedReason: doc.status === 'suspended' ? (doc.suspendedReason ?? null) : null,
  suspendedAt: doc.status === 'suspended' ? (doc.suspendedAt ?? null) : null,
  createdAt: doc.createdAt,
  whatsappNumber: doc.whatsappNumber ?? null,
  stripeAccountId: doc.stripeAccountId ?? null,
  staffCount,
  physicianCount,
});

/**
 * The platform operator steers clinics: every clinic whatever its status, suspension (its people can neither sign in
 * nor use their tokens, its physicians and pages leave the public directory) and reactivation.
 * `countPhysicians` is the physicians module's count of a clinic's active physicians.
 */
export function createOperatorService(
  clinic: ClinicService,
  users: Pick<UsersService, 'staffCounts'>,
  countPhysicians: (clinicId: ObjectId) => Promise<number>,
  /** The clinic's people's open streams recheck their standing (a suspension ends them). */
  standingChanged: (clinicId: string) => Promise<void>,
): OperatorUseCases {
  const idOf = (id: string) => {
    if (!ObjectId.isValid(id)) throw new AppError('NOT_FOUND', 'No such clinic.');
    return new ObjectId(id);
  };
  async function view(doc: ClinicDoc): Promise<OperatorClinic> {
    const [staff, physicians] = await Promise.all([users.staffCounts([doc._id]), countPhysicians(doc._id)]);
    return toOperatorClinic(doc, staff.get(doc._id.toHexString()) ?? 0, physicians);
  }
  return {
    /** Oldest first. Staff are counted in one query; physicians by clinic (a handful of clinics). */
    async listClinics() {
      const docs = (await clinic.all()).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a._id.toHexString().localeCompare(b._id.toHexString()));
      const staff = await users.staffCounts(docs.map((d) => d._id));
      const physicians: number[] = [];
      for (const d of docs) physicians.push(await countPhysicians(d._id));
      return { items: docs.map((d, i) => toOperatorClinic(d, staff.get(d._id.toHexString()) ?? 0, physicians[i]!)) };
    },
    async suspendClinic(id, reason) {
      const doc = await clinic.suspend(idOf(id), reason);
      if (!doc) throw new AppError('NOT_FOUND', 'No such clinic.');
      await standingChanged(id);
      return view(doc);
    },
    async reactivateClinic(id) {
      const done = await clinic.reactivate(idOf(id));
      if (!done) throw new AppError('NOT_FOUND', 'No such clinic.');
      if (!done.changed && done.clinic.status === 'pending') throw new AppError('INVALID_TRANSITION', 'This clinic is pending: it opens when its admin verifies the email.');
      return view(done.clinic);
    },
    async updateIntegrations({ id, ...set }) {
      const doc = await clinic.setIntegrations(idOf(id), set);
      if (!doc) throw new AppError('NOT_FOUND', 'No such clinic.');
      return view(doc);
    },
  };
}
