import type { Clinic } from '@clinic/contracts';
import { ObjectId, writeUnique, type ClinicDoc, type ClinicPolicies, type Collections } from '@clinic/db';

export function toClinicDto(doc: ClinicDoc): Clinic {
  return {
    id: doc._id.toHexString(),
    slug: doc.slug,
    name: doc.name,
    nameAr: doc.nameAr,
    legalName: doc.legalName,
    // Documents upserted on FerretDB lose null and empty-array fields.
    vatTrn: doc.vatTrn ?? null,
    phone: doc.phone,
    email: doc.email,
    whatsappNumber: doc.whatsappNumber ?? null,
    crisisLine: doc.crisisLine ?? null,
    timeZone: doc.timeZone,
    currency: doc.currency,
    vatRatePercent: doc.vatRatePercent,
    locations: doc.locations.map((l) => ({ ...l, lat: l.lat ?? null, lng: l.lng ?? null, openingHours: l.openingHours ?? [] })),
    specialties: doc.specialties ?? [],
    policies: doc.policies,
  };
}

/** Most clinics one search reads (directory pages are smaller; this bounds the physician search's first read). */
export const CLINIC_CANDIDATE_CAP = 1000;

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export interface ClinicDirectoryFilter {
  q?: string | undefined;
  emirate?: string | undefined;
  specialty?: string | undefined;
}

/** The only place that touches `clinics`. */
export function createClinicRepository(cols: Pick<Collections, 'clinics'>) {
  const col = cols.clinics;
  return {
    /** The platform's first clinic (by creation). */
    first: () => col.find({}).sort({ createdAt: 1, _id: 1 }).limit(1).next(),
    /**
     * Creates the clinic with this slug unless it exists (the unique slug decides a race); returns it. An insert,
     * not an upsert: FerretDB drops null and empty-array fields written by `$setOnInsert`.
     */
    async ensure(doc: Omit<ClinicDoc, '_id'>): Promise<ClinicDoc> {
      await writeUnique(() => col.insertOne({ _id: new ObjectId(), ...doc }));
      return (await col.findOne({ slug: doc.slug }))!;
    },
    /** Inserts a new clinic; false when its slug is taken (the unique index decides, so two signups never share one). */
    async insertNew(doc: ClinicDoc): Promise<boolean> {
      return (await writeUnique(() => col.insertOne(doc))).won;
    },
    /** Removes a clinic that is still pending (a signup that could not finish). */
    async removePending(id: ObjectId): Promise<void> {
      await col.deleteOne({ _id: id, status: 'pending' });
    },
    /** The status and name of one clinic (an equality on `_id`, two fields): what authentication needs per request. */
    standing: (id: ObjectId) => col.findOne({ _id: id }, { projection: { _id: 1, status: 1, name: 1 } }) as Promise<Pick<ClinicDoc, '_id' | 'status' | 'name'> | null>,
    /** Moves a clinic from one of `from` to `to` in one guarded update; the clinic after it, or null if it was not in `from`. */
    setStatus(id: ObjectId, from: ClinicDoc['status'][], to: ClinicDoc['status'], set: Partial<ClinicDoc>, at: Date): Promise<ClinicDoc | null> {
      return col.findOneAndUpdate(
        { _id: id, status: from.length === 1 ? from[0]! : { $in: from } },
        { $set: { ...set, status: to, updatedAt: at } },
        { returnDocument: 'after' },
      );
    },
    findById: (id: ObjectId) => col.findOne({ _id: id }),
    /** Every clinic, whatever its status (the jobs sweep each one's appointments with its own policies). */
    all: () => col.find({}).toArray(),
    /** One query for any number of clinics; an equality for one (FerretDB pushes only equalities down). */
    byIds(ids: ObjectId[]): Promise<ClinicDoc[]> {
      const unique = [...new Map(ids.map((id) => [id.toHexString(), id])).values()];
      if (unique.length === 0) return Promise.resolve([]);
      return col.find(unique.length === 1 ? { _id: unique[0]! } : { _id: { $in: unique } }).toArray();
    },
    /**
     * One page of active clinics matching the directory search, in slug order after `afterSlug`; reads
     * `limit + 1` so the caller can tell whether more follow. Leads with the status equality.
     */
    directory(f: ClinicDirectoryFilter, afterSlug: string | null, limit: number): Promise<ClinicDoc[]> {
      const query: Record<string, unknown> = { status: 'active' };
      if (afterSlug !== null) query.slug = { $gt: afterSlug };
      if (f.specialty) query.specialties = f.specialty;
      if (f.emirate) query['locations.emirate'] = f.emirate;
      if (f.q) {
        const re = { $regex: escapeRegex(f.q), $options: 'i' };
        query.$or = [{ name: re }, { nameAr: re }];
      }
      return col.find(query).sort({ slug: 1 }).limit(limit + 1).toArray();
    },
    /** An active clinic by slug, or null. */
    activeBySlug: (slug: string) => col.findOne({ slug, status: 'active' }),
    /**
     * Active clinics, or the one active clinic with this slug: one query (an equality on the unique slug when
     * given), in one batch.
     */
    active(slug?: string): Promise<ClinicDoc[]> {
      return col
        .find(slug ? { slug, status: 'active' } : { status: 'active' })
        .limit(CLINIC_CANDIDATE_CAP)
        .batchSize(CLINIC_CANDIDATE_CAP)
        .toArray();
    },
    /** The clinic whose own WhatsApp sender is `number` (E.164), whatever its status: an equality, pushed down. */
    byWhatsAppNumber: (number: string) => col.findOne({ whatsappNumber: number }),
    /** Sets (or, with null, removes) a clinic's integrations; the clinic after it, or null when there is none. */
    setIntegrations(id: ObjectId, set: Pick<Partial<ClinicDoc>, 'whatsappNumber' | 'stripeAccountId'>, at: Date): Promise<ClinicDoc | null> {
      return col.findOneAndUpdate({ _id: id }, { $set: { ...set, updatedAt: at } }, { returnDocument: 'after' });
    },
    /** Sets (or, with null, removes) the clinic's own details; the clinic after it, or null when there is none. */
    setDetails(id: ObjectId, set: Pick<Partial<ClinicDoc>, 'crisisLine'>, at: Date): Promise<ClinicDoc | null> {
      return col.findOneAndUpdate({ _id: id }, { $set: { ...set, updatedAt: at } }, { returnDocument: 'after' });
    },
    /**
     * Replaces the offered specialties if they are still `previous` (the list the caller checked); the clinic after
     * it, or null when they changed meanwhile. A document from before the field had none: it counts as empty.
     */
    setSpecialties(id: ObjectId, previous: string[], next: string[], at: Date): Promise<ClinicDoc | null> {
      const guard = previous.length === 0 ? { $or: [{ specialties: { $size: 0 } }, { specialties: { $exists: false } }] } : { specialties: previous };
      return col.findOneAndUpdate({ _id: id, ...guard }, { $set: { specialties: next, updatedAt: at } }, { returnDocument: 'after' });
    },
    async updatePolicies(id: ObjectId, patch: Partial<ClinicPolicies>, at: Date) {
      const set = Object.fromEntries(Object.entries(patch).map(([k, v]) => [`policies.${k}`, v]));
      await col.updateOne({ _id: id }, { $set: { ...set, updatedAt: at } });
    },
  };
}
