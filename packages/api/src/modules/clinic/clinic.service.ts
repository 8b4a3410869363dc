import type { Clinic, UpdateClinicDetails, UpdateClinicPolicies } from '@clinic/contracts';
import { DEFAULT_CLINIC_POLICIES, ObjectId, slugify, type ClinicDoc, type ClinicPolicies, type ClinicStatus } from '@clinic/db';
import { toZonedIso } from '@clinic/scheduling';
import type { ApiDeps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { createClinicRepository, toClinicDto } from './clinic.repository.ts';

export interface ClinicSettings {
  timeZone: string;
  policies: ClinicPolicies;
}

/** A clinic's zone and booking policies (older documents may lack newer policies: the defaults fill them). */
export const settingsOf = (doc: ClinicDoc): ClinicSettings => ({ timeZone: doc.timeZone, policies: { ...DEFAULT_CLINIC_POLICIES, ...doc.policies } });

/** What procedures may call (see UseCases in services.ts): contract types only. */
export interface ClinicUseCases {
  info(): Promise<Clinic>;
  /** Edits the admin's own clinic (`clinicId` from the actor; an admin without one: the platform's first clinic). */
  updatePolicies(patch: UpdateClinicPolicies, clinicId?: string | null): Promise<Clinic>;
  /** Edits the admin's own clinic's details (its crisis line), as `updatePolicies`. */
  updateDetails(patch: UpdateClinicDetails, clinicId?: string | null): Promise<Clinic>;
  now(): { now: string; timeZone: string; clinicTime: string };
}

/**
 * Clinics. Records name their clinic and staff act in theirs (`ofActor`); where neither says which (the public
 * `GET /clinic`, staff tokens signed before the clinic claim) the platform's first clinic is "the clinic". A
 * database without any clinic gets one from the server's configuration (CLINIC_NAME, CLINIC_TIMEZONE) on first use.
 */
export function createClinicService(deps: ApiDeps, hooks: { changed?: () => Promise<void> } = {}) {
  const repo = createClinicRepository(deps.db.cols);
  /**
   * After every write of a clinic, awaited before the use case answers: the catalogue's version is replaced, so no
   * process's slot lists and searches keep serving the clinic as it was (zone, policies, status, locations).
   */
  const changed = async <T>(result: T): Promise<T> => {
    await hooks.changed?.();
    return result;
  };

  /** A clinic as it starts: one location (`main`) to be edited later, default policies, the server's time zone. */
  function newClinic(name: string, contact: { email: string; phone: string }, status: ClinicStatus): Omit<ClinicDoc, '_id' | 'slug'> {
    const now = deps.clock();
    return {
      name,
      nameAr: name,
      legalName: name,
      vatTrn: null,
      ...contact,
      timeZone: deps.timeZone,
      currency: 'AED',
      vatRatePercent: 5,
      policies: { ...DEFAULT_CLINIC_POLICIES },
      locations: [{ id: 'main', name, nameAr: name, emirate: 'dubai', area: '', address: '', lat: null, lng: null, openingHours: [] }],
      specialties: [],
      status,
      suspendedReason: null,
      suspendedAt: null,
      createdAt: now,
      updatedAt: now,
    };
  }

  async function current(): Promise<ClinicDoc> {
    const found = await repo.first();
    if (found) return found;
    return changed(await repo.ensure({ slug: slugify(deps.clinicName) || 'clinic', ...newClinic(deps.clinicName, { email: '', phone: '' }, 'active') }));
  }

  /**
   * The clinic a staff actor acts in: their own (`Actor.clinicId`), or the platform's first clinic for an actor
   * without one (tokens from before staff had a clinic, server-side callers).
   */
  async function ofActor(clinicId: string | null): Promise<ClinicDoc> {
    if (clinicId === null || !ObjectId.isValid(clinicId)) return current();
    const [own] = await repo.byIds([new ObjectId(clinicId)]);
    if (!own) throw new AppError('NOT_FOUND', 'Your clinic no longer exists.');
    return own;
  }

  /** The clinic a record names (a physician's, an appointment's); the first clinic for a record from before clinics. */
  async function of(clinicId: ObjectId | null | undefined): Promise<ClinicDoc> {
    const [found] = clinicId ? await repo.byIds([clinicId]) : [];
    return found ?? current();
  }

  /**
   * A new clinic from a signup: `pending` until its first admin verifies the email, one location (`main`) to be
   * edited later, default policies and the server's time zone. The slug is made from the name; when taken, `-2`,
   * `-3`… — the unique index decides each try, so two signups racing for one name get distinct slugs.
   */
  async function createPending(id: ObjectId, input: { name: string; email: string; phone: string | null }): Promise<ClinicDoc> {
    const base = slugify(input.name) || 'clinic';
    const fields = newClinic(input.name, { email: input.email, phone: input.phone ?? '' }, 'pending');
    for (let n = 1; n <= 100; n++) {
      const doc: ClinicDoc = { _id: id, slug: n === 1 ? base : `${base}-${n}`, ...fields };
      if (await repo.insertNew(doc)) return changed(doc);
    }
    throw new AppError('CONFLICT', 'Could not find a free address for this clinic name; please choose another name.');
  }

  return {
    current,
    ofActor,
    of,
    createPending,
    /** Undoes `createPending` (only while the clinic is still pending). */
    removePending: async (id: ObjectId) => changed(await repo.removePending(id)),
    /** A clinic's status and name, or null: one small read by `_id`. */
    standing: (id: ObjectId) => repo.standing(id),
    /** A pending clinic becomes active (its first admin verified the email); an active or suspended one is left alone. */
    async activatePending(id: ObjectId): Promise<void> {
      await changed(await repo.setStatus(id, ['pending'], 'active', {}, deps.clock()));
    },
    /**
     * Suspends an active or pending clinic with the operator's reason, remembering which it was; suspending again
     * only changes the reason. Null when there is no such clinic.
     */
    async suspend(id: ObjectId, reason: string): Promise<ClinicDoc | null> {
      const now = deps.clock();
      for (const from of ['active', 'pending'] as const) {
        const done = await repo.setStatus(id, [from], 'suspended', { suspendedReason: reason, suspendedAt: now, statusBeforeSuspension: from }, now);
        if (done) return changed(done);
      }
      return changed((await repo.setStatus(id, ['suspended'], 'suspended', { suspendedReason: reason }, now)) ?? null);
    },
    /**
     * A suspended clinic returns to what it was: active, or pending when it was suspended before its admin verified
     * (verification still opens it). Another status is left as it is (`changed: false`). Null when there is no such clinic.
     */
    async reactivate(id: ObjectId): Promise<{ clinic: ClinicDoc; changed: boolean } | null> {
      const found = await repo.findById(id);
      if (!found || found.status !== 'suspended') return found && { clinic: found, changed: false };
      const back = found.statusBeforeSuspension === 'pending' ? 'pending' : 'active';
      const done = await changed(await repo.setStatus(id, ['suspended'], back, { suspendedReason: null, suspendedAt: null, statusBeforeSuspension: null }, deps.clock()));
      const after = done ?? (await repo.findById(id));
      return after && { clinic: after, changed: !!done };
    },
    /** The clinic a WhatsApp message was sent to (its own sender number), or null for the platform's shared number. */
    byWhatsAppNumber: (number: string) => repo.byWhatsAppNumber(number),
    /**
     * Connects (or, with null, disconnects) a clinic's own WhatsApp sender and Stripe account. A sender belongs to one
     * clinic: another clinic's number is a conflict. Null when there is no such clinic.
     */
    async setIntegrations(id: ObjectId, set: { whatsappNumber?: string | null | undefined; stripeAccountId?: string | null | undefined }): Promise<ClinicDoc | null> {
      if (set.whatsappNumber) {
        const holder = await repo.byWhatsAppNumber(set.whatsappNumber);
        if (holder && !holder._id.equals(id)) throw new AppError('CONFLICT', `The WhatsApp number ${set.whatsappNumber} already belongs to another clinic.`);
      }
      const defined = Object.fromEntries(Object.entries(set).filter(([, v]) => v !== undefined));
      return changed(await repo.setIntegrations(id, defined, deps.clock()));
    },
    /** The first clinic's time zone and booking policies; read on every use so that admin changes apply at once. */
    async settings(): Promise<ClinicSettings> {
      return settingsOf(await current());
    },
    /** The time zone and booking policies of the clinic a record names; read on every use, as `settings`. */
    async settingsFor(clinicId: ObjectId | null | undefined): Promise<ClinicSettings> {
      return settingsOf(await of(clinicId));
    },
    /** The details of the clinic a record names, as patients and receipts see them. */
    async infoFor(clinicId: ObjectId | null | undefined): Promise<Clinic> {
      return toClinicDto(await of(clinicId));
    },
    async info(): Promise<Clinic> {
      return toClinicDto(await current());
    },
    /** The clinics of these records, by id, in one query. */
    async byIds(ids: ObjectId[]): Promise<Map<string, ClinicDoc>> {
      return new Map((await repo.byIds(ids)).map((c) => [c._id.toHexString(), c]));
    },
    /** Every clinic with its time zone and policies (a handful: read whole). */
    all: () => repo.all(),
    /** Active clinics (or the active one with this slug), in one query: where physicians may be searched. */
    active: (slug?: string): Promise<ClinicDoc[]> => repo.active(slug),
    /** Replaces a clinic's offered specialties if they are still `previous`; null when they changed meanwhile. */
    setSpecialties: async (id: ObjectId, previous: string[], next: string[]) => changed(await repo.setSpecialties(id, previous, next, deps.clock())),
    /**
     * A clinic that offers nothing yet (a new one from a signup) starts offering its first physician's specialty;
     * whether the clinic offers `slug` afterwards (false: it offered others, and not this one).
     */
    async offerFirst(id: ObjectId, slug: string): Promise<boolean> {
      const done = await changed(await repo.setSpecialties(id, [], [slug], deps.clock()));
      return (done ?? (await repo.findById(id)))?.specialties?.includes(slug) ?? false;
    },
    /** Takes effect for the next booking and the next job sweep (settings are read on every use). */
    async updatePolicies(patch: UpdateClinicPolicies, clinicId: string | null = null): Promise<Clinic> {
      const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<ClinicPolicies>;
      const clinic = await ofActor(clinicId);
      await changed(await repo.updatePolicies(clinic._id, defined, deps.clock()));
      const [updated] = await repo.byIds([clinic._id]);
      return toClinicDto(updated ?? clinic);
    },
    /** Only the fields given change; null removes the crisis line (the assistant then gives 999/998 only). */
    async updateDetails(patch: UpdateClinicDetails, clinicId: string | null = null): Promise<Clinic> {
      const clinic = await ofActor(clinicId);
      const set = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Pick<ClinicDoc, 'crisisLine'>;
      const updated = Object.keys(set).length > 0 ? await changed(await repo.setDetails(clinic._id, set, deps.clock())) : clinic;
      return toClinicDto(updated ?? clinic);
    },
    now() {
      const now = deps.clock();
      return { now: now.toISOString(), timeZone: deps.timeZone, clinicTime: toZonedIso(now, deps.timeZone) };
    },
  };
}
export type ClinicService = ReturnType<typeof createClinicService>;
