import type * as z from 'zod';
import { DEFAULT_RADIUS_KM, parseNear } from '@clinic/contracts';
import type { ClinicLocation, ListPhysiciansInput, PhysicianDetailSchema, PhysicianPageSchema, Slot, SlotsOutput, UpsertPhysicianInput, UpdatePhysicianInput } from '@clinic/contracts';
import { ObjectId, type ClinicDoc, type PhysicianDoc } from '@clinic/db';
import { DAY_MS, freeSlots, localDayRange, nextFreeSlot, validateRules, type Busy, type ScheduleRules, type Slot as FreeSlot } from '@clinic/scheduling';
import type { Actor } from '../../actor.ts';
import type { ApiDeps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { ANY_CLINIC, clinicScope, scopeOf } from '../../scope.ts';
import type { Availability } from '../appointments/availability.ts';
import { CATALOGUE_VERSION, busyVersion, createVersionedCache, readThrough, zonedIso, type CacheVersions, type VersionSnapshot } from '../appointments/slots-cache.ts';
import { settingsOf, type ClinicService, type ClinicSettings } from '../clinic/clinic.service.ts';
import type { SpecialtiesService } from '../specialties/specialties.service.ts';
import { nearestKm } from './geo.ts';
import { createPhysiciansRepository, toPhysicianDto } from './physicians.repository.ts';

type PhysicianDetail = z.output<typeof PhysicianDetailSchema>;

/** What procedures may call (see UseCases in services.ts): contract types only. */
export interface PhysiciansUseCases {
  list(input: z.output<typeof ListPhysiciansInput>): Promise<z.output<typeof PhysicianPageSchema>>;
  get(id: string): Promise<PhysicianDetail>;
  slots(input: { id: string; from: Date; to: Date }): Promise<z.output<typeof SlotsOutput>>;
  /** In the clinic `clinicId` (the admin's), or the platform's first clinic when null. */
  create(input: z.output<typeof UpsertPhysicianInput>, clinicId?: string | null): Promise<PhysicianDetail>;
  /** A physician of the admin's clinic; another clinic's is not found. */
  update(actor: Actor, input: z.output<typeof UpdatePhysicianInput>): Promise<PhysicianDetail>;
}

/** How far ahead "next free slot" looks. */
const NEXT_SLOT_DAYS = 14;
/** Longest window the slot list answers in one call. */
export const MAX_SLOT_RANGE_DAYS = 31;

export function rulesFor(p: PhysicianDoc, settings: ClinicSettings): ScheduleRules {
  return {
    timeZone: settings.timeZone,
    weekly: p.schedule.weekly,
    overrides: p.schedule.overrides,
    slotMinutes: p.schedule.slotMinutes,
    bufferMinutes: p.schedule.bufferMinutes,
    minNoticeMinutes: settings.policies.minNoticeMinutes,
    horizonDays: settings.policies.horizonDays,
  };
}

const slotDto = (s: { start: Date; end: Date }, tz: string): Slot => ({ start: zonedIso(s.start, tz), end: zonedIso(s.end, tz) });

interface Cursor {
  v: string | number | null;
  id: string;
}
/**
 * The search's inputs that its physician query depends on: what a kept search result is kept under, with the clinics
 * it asked about. The rest (location, beyond which clinics fit it; availability, sorting, paging) is applied in memory
 * to that result; a field not named here is part of the key, so a new filter can never be served another's result.
 */
const IN_MEMORY_INPUTS = new Set(['availableOn', 'availableFrom', 'availableTo', 'emirate', 'area', 'near', 'radiusKm', 'sort', 'order', 'limit', 'cursor']);
const searchKey = (input: object) =>
  JSON.stringify(
    Object.entries(input)
      .filter(([k, v]) => v !== undefined && !IN_MEMORY_INPUTS.has(k))
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );

const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');
function decodeCursor(raw: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString()) as Cursor;
    if (typeof c.id === 'string' && (c.v === null || ['string', 'number'].includes(typeof c.v))) return c;
  } catch {
    /* fall through */
  }
  throw new AppError('VALIDATION_FAILED', 'cursor is not a cursor this API returned.', { fieldErrors: { cursor: ['is invalid'] } });
}

/**
 * `versions`: what the read paths' caches check (the catalogue's version for physicians and clinics, each physician's
 * busy version for their intervals); services.ts makes them Redis's when the bus is Redis.
 */
export function createPhysiciansService(deps: ApiDeps, clinic: ClinicService, specialties: SpecialtiesService, availability: Availability, versions: CacheVersions) {
  /** The public catalogue (a patient books any clinic's physician). An admin's use case goes through `scoped`. */
  const repo = createPhysiciansRepository(deps.db.cols, ANY_CLINIC);
  const scoped = async (actor: Actor) => createPhysiciansRepository(deps.db.cols, await scopeOf(actor, clinic.current));
  const notFound = () => new AppError('NOT_FOUND', 'No such physician.');

  // The documents the public read paths (slot list, physician page, search) need, kept in memory under the catalogue
  // version, which every write of a physician or a clinic replaces before it answers. Booking and admin use cases
  // read the database (`load`, `scoped`).
  const physicianCache = createVersionedCache<PhysicianDoc>({ clock: deps.clock });
  const clinicCache = createVersionedCache<ClinicDoc>({ clock: deps.clock });
  const activeCache = createVersionedCache<ClinicDoc[]>({ clock: deps.clock, maxEntries: 1000 });
  const searchCache = createVersionedCache<PhysicianDoc[]>({ clock: deps.clock, maxEntries: 1000 });
  const catalogueChanged = () => versions.bump([CATALOGUE_VERSION]);
  /**
   * Each physician's next free slot as last computed, for the document and clinic objects it was computed from (a
   * catalogue change loads new ones) and their busy version. It stays the first free slot until its start comes
   * within the notice period: the candidates before it were taken (they change only with the busy version) and only
   * leave the window as time passes. None found is not kept: the window's end moves on.
   */
  const nextMemo = new WeakMap<PhysicianDoc, { clinic: ClinicDoc; busy: string; until: number; next: FreeSlot }>();
  function nextFor(doc: PhysicianDoc, of: ClinicDoc, busy: Busy[], snapshot: VersionSnapshot | null, now: Date): FreeSlot | null {
    const version = snapshot?.of(busyVersion(doc._id));
    const kept = nextMemo.get(doc);
    if (kept && kept.clinic === of && kept.busy === version && now.getTime() < kept.until) return kept.next;
    const rules = rulesFor(doc, settingsOf(of));
    const next = nextFreeSlot(rules, { now, busy, searchDays: NEXT_SLOT_DAYS });
    if (next && version !== undefined) nextMemo.set(doc, { clinic: of, busy: version, until: next.start.getTime() - rules.minNoticeMinutes * 60_000, next });
    return next;
  }

  async function load(id: string): Promise<PhysicianDoc> {
    const doc = await repo.findById(id);
    if (!doc || !doc.active) throw notFound();
    return doc;
  }

  /** The clinic of each physician, in one query. */
  async function clinicsOf(docs: PhysicianDoc[]): Promise<(doc: PhysicianDoc) => ClinicDoc> {
    const clinics = await clinic.byIds(docs.map((d) => d.clinicId));
    return (doc) => {
      const found = clinics.get(doc.clinicId.toHexString());
      if (!found) throw new Error(`physician ${doc._id.toHexString()} names a clinic that does not exist`);
      return found;
    };
  }

  /**
   * An active physician and their clinic when it is open to patients (a pending or suspended clinic's physician is not
   * found), for the public read paths: from memory while the catalogue version holds. The versions are read first, the
   * physician's busy version with them: one Redis round trip, or none in a single process.
   */
  async function listed(id: string) {
    const snapshot = await versions.read([CATALOGUE_VERSION, busyVersion(new ObjectId(id))]);
    const doc = await readThrough(physicianCache, id, snapshot, CATALOGUE_VERSION, () => repo.findById(id));
    if (!doc || !doc.active) throw notFound();
    const of = await readThrough(clinicCache, doc.clinicId.toHexString(), snapshot, CATALOGUE_VERSION, async () => (await clinicsOf([doc]))(doc));
    if (!of || of.status !== 'active') throw notFound();
    return { doc, of, snapshot };
  }

  /**
   * The active clinics (or the one with the slug) that `fit` the location asked for, and their physicians matching the
   * filter, from memory while the catalogue version holds, with a snapshot holding each of those physicians' busy
   * version. Warm: one read of the versions (the catalogue's and those of the physicians the kept result names) and no
   * database round trip. `located`: whether `fit` filters at all.
   */
  async function searched(input: z.output<typeof ListPhysiciansInput>, fit: (c: ClinicDoc) => boolean, located: boolean) {
    const clinicsKey = input.clinic ?? '';
    const keyOf = (clinics: ClinicDoc[]) => `${searchKey(input)} ${located ? clinics.map((c) => c._id.toHexString()).join(',') : '*'}`;
    const peeked = activeCache.peek(clinicsKey);
    const named = (peeked && searchCache.peek(keyOf(peeked.filter(fit)))) ?? [];
    const snapshot = await versions.read([CATALOGUE_VERSION, ...named.map((d) => busyVersion(d._id))]);
    const clinics = (await readThrough(activeCache, clinicsKey, snapshot, CATALOGUE_VERSION, () => clinic.active(input.clinic)))!.filter(fit);
    const docs = (await readThrough(searchCache, keyOf(clinics), snapshot, CATALOGUE_VERSION, () => repo.search(clinics.map((c) => c._id), input)))!;
    // Another result than the one named (just loaded): its physicians' busy versions, read before their intervals are.
    const same = docs.length === named.length && docs.every((d, i) => d === named[i]);
    return { clinics, docs, snapshot: snapshot && !same ? await versions.read(docs.map((d) => busyVersion(d._id))) : snapshot };
  }

  async function assertValid(
    input: { specialty?: string | undefined; subSpecialties?: string[] | undefined; schedule?: PhysicianDoc['schedule'] | undefined; locationIds?: string[] | undefined },
    of: ClinicDoc,
    offering = true,
  ) {
    const settings = settingsOf(of);
    const unknown = input.locationIds?.filter((id) => !of.locations.some((l) => l.id === id)) ?? [];
    if (unknown.length > 0) {
      const known = of.locations.map((l) => l.id).join(', ');
      throw new AppError('VALIDATION_FAILED', `Unknown location: ${unknown.join(', ')} (this clinic has ${known}).`, { fieldErrors: { locationIds: [`must be ids of this clinic's locations: ${known}`] } });
    }
    if (input.specialty && !(await specialties.exists(input.specialty, input.subSpecialties))) {
      throw new AppError('VALIDATION_FAILED', 'Unknown specialty or sub-specialty.', { fieldErrors: { specialty: ['is not a known specialty / sub-specialty'] } });
    }
    if (input.schedule) {
      const problems = validateRules({ ...input.schedule, timeZone: settings.timeZone, minNoticeMinutes: 0, horizonDays: 1 });
      if (problems.length) throw new AppError('VALIDATION_FAILED', `Invalid schedule: ${problems.join('; ')}`, { fieldErrors: { schedule: problems } });
    }
    // Last, once the rest is valid: a clinic offering nothing yet starts offering its first physician's specialty.
    if (offering && input.specialty && !(of.specialties ?? []).includes(input.specialty) && !(await clinic.offerFirst(of._id, input.specialty))) {
      const name = await specialties.nameOf(input.specialty);
      throw new AppError('VALIDATION_FAILED', `${of.name} does not offer ${name}; add it under PUT /admin/clinic/specialties first.`, {
        fieldErrors: { specialty: [`is not offered by ${of.name}`] },
      });
    }
  }

  return {
    rulesFor,
    load,

    async list(input: z.output<typeof ListPhysiciansInput>) {
      const now = deps.clock();
      let fixedWindow: { from: Date; to: Date } | null = null;
      if (!input.availableOn && (input.availableFrom || input.availableTo)) {
        const from = input.availableFrom ?? now;
        fixedWindow = { from, to: input.availableTo ?? new Date(from.getTime() + DAY_MS) };
        if (fixedWindow.to <= fixedWindow.from || fixedWindow.to.getTime() - fixedWindow.from.getTime() > MAX_SLOT_RANGE_DAYS * DAY_MS) {
          throw new AppError('VALIDATION_FAILED', `The availability window must be positive and at most ${MAX_SLOT_RANGE_DAYS} days.`, {
            fieldErrors: { availableTo: ['must be after availableFrom and within 31 days of it'] },
          });
        }
      }
      const near = input.near ? parseNear(input.near) : null;
      const sort = input.sort ?? (near ? 'distance' : 'name');
      if (!near && sort === 'distance') throw new AppError('VALIDATION_FAILED', 'sort=distance needs near.', { fieldErrors: { sort: ['distance needs near=lat,lng'] } });
      if (!near && input.radiusKm !== undefined) throw new AppError('VALIDATION_FAILED', 'radiusKm needs near.', { fieldErrors: { radiusKm: ['needs near=lat,lng'] } });
      const radiusKm = input.radiusKm ?? DEFAULT_RADIUS_KM;
      const area = input.area?.toLowerCase();
      const byLocation = Boolean(input.emirate || area || near);
      /** A location where a matching physician may work: in the emirate and area asked for, within the radius. */
      const fits = (l: ClinicLocation) =>
        (!input.emirate || l.emirate === input.emirate) &&
        (!area || l.area.toLowerCase() === area) &&
        (!near || (nearestKm(near, [l]) ?? Infinity) <= radiusKm);

      // No database round trip once warm: the active clinics (one query; an equality on the slug for one) and the
      // physicians of those in the location asked for matching the filter (one query) come from memory while the
      // catalogue version holds, the busy intervals while each physician's busy version does, else one query for those
      // that changed. Pending and suspended clinics' physicians are never read.
      const found = await searched(input, (c) => !byLocation || c.locations.some(fits), byLocation);
      const clinicById = new Map(found.clinics.map((c) => [c._id.toHexString(), c]));
      const distanceOf = new Map<PhysicianDoc, number | null>();
      const docs = found.docs.filter((d) => {
        const of = clinicById.get(d.clinicId.toHexString());
        if (!of) return false;
        if (!byLocation) return true;
        const where = of.locations.filter((l) => d.locationIds.includes(l.id) && fits(l));
        distanceOf.set(d, near ? nearestKm(near, where) : null);
        return where.length > 0;
      });
      const clinicOf = (d: PhysicianDoc) => clinicById.get(d.clinicId.toHexString())!;
      // A local date is a day in each physician's own clinic's zone.
      const windowOf = (tz: string) => (input.availableOn ? localDayRange(input.availableOn, tz) : fixedWindow);
      const windows = docs.map((d) => windowOf(clinicOf(d).timeZone)).filter((w): w is { from: Date; to: Date } => w !== null);
      const busyFrom = new Date(Math.min(now.getTime(), ...windows.map((w) => w.from.getTime())));
      const busyTo = new Date(Math.max(now.getTime() + NEXT_SLOT_DAYS * DAY_MS, ...windows.map((w) => w.to.getTime())));
      const busy = await availability.listedBusyFor(docs.map((d) => d._id), found.snapshot, busyFrom, busyTo);

      const rows: { doc: PhysicianDoc; clinic: ClinicDoc; next: FreeSlot | null; distanceKm: number | null }[] = [];
      for (const doc of docs) {
        const of = clinicOf(doc);
        const window = windowOf(of.timeZone);
        const b: Busy[] = busy.get(doc._id.toHexString()) ?? [];
        if (window && freeSlots(rulesFor(doc, settingsOf(of)), { ...window, now, busy: b }).length === 0) continue;
        rows.push({ doc, clinic: of, next: nextFor(doc, of, b, found.snapshot, now), distanceKm: distanceOf.get(doc) ?? null });
      }

      const key = (r: (typeof rows)[number]): string | number | null => {
        switch (sort) {
          case 'distance':
            return r.distanceKm;
          case 'price':
            return r.doc.price.amount;
          case 'rating':
            return r.doc.ratingAverage ?? null;
          case 'next_available':
            return r.next ? r.next.start.getTime() : null;
          default:
            return r.doc.fullName.toLowerCase();
        }
      };
      const dir = input.order === 'desc' ? -1 : 1;
      // Missing values (no rating, no free slot) always go last; ties break on id so pages are stable.
      const compare = (a: { v: string | number | null; id: string }, b: { v: string | number | null; id: string }) => {
        if (a.v !== b.v) {
          if (a.v === null) return 1;
          if (b.v === null) return -1;
          return (a.v < b.v ? -1 : 1) * dir;
        }
        return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
      };
      const keyed = rows.map((r) => ({ r, k: { v: key(r), id: r.doc._id.toHexString() } })).sort((a, b) => compare(a.k, b.k));
      const after = input.cursor ? decodeCursor(input.cursor) : null;
      const start = after ? keyed.findIndex((x) => compare(x.k, after) > 0) : 0;
      const page = start < 0 ? [] : keyed.slice(start, start + input.limit);
      const last = page.at(-1);
      const more = start >= 0 && start + input.limit < keyed.length;
      return {
        items: page.map(({ r }) => ({
          ...toPhysicianDto(r.doc, r.clinic),
          nextFreeSlot: r.next ? slotDto(r.next, r.clinic.timeZone) : null,
          distanceKm: r.distanceKm === null ? null : Math.round(r.distanceKm * 10) / 10,
        })),
        nextCursor: more && last ? encodeCursor(last.k) : null,
      };
    },

    async get(id: string) {
      const { doc, of, snapshot } = await listed(id);
      const now = deps.clock();
      const busy = await availability.listedBusyFor([doc._id], snapshot, now, new Date(now.getTime() + NEXT_SLOT_DAYS * DAY_MS));
      const next = nextFor(doc, of, busy.get(id) ?? [], snapshot, now);
      return { ...toPhysicianDto(doc, of), schedule: doc.schedule, nextFreeSlot: next ? slotDto(next, of.timeZone) : null };
    },

    async slots(input: { id: string; from: Date; to: Date }) {
      if (input.to <= input.from) throw new AppError('VALIDATION_FAILED', '"to" must be after "from".', { fieldErrors: { to: ['must be after from'] } });
      if (input.to.getTime() - input.from.getTime() > MAX_SLOT_RANGE_DAYS * DAY_MS) {
        throw new AppError('VALIDATION_FAILED', `Ask for at most ${MAX_SLOT_RANGE_DAYS} days at a time.`, { fieldErrors: { to: ['is more than 31 days after from'] } });
      }
      const { doc, of, snapshot } = await listed(input.id);
      const settings = settingsOf(of);
      const busy = await availability.listedBusyFor([doc._id], snapshot, input.from, input.to);
      const slots = freeSlots(rulesFor(doc, settings), { from: input.from, to: input.to, now: deps.clock(), busy: busy.get(input.id) ?? [] });
      return { physicianId: input.id, timeZone: settings.timeZone, slots: slots.map((s) => slotDto(s, settings.timeZone)) };
    },

    async create(input: z.output<typeof UpsertPhysicianInput>, clinicId: string | null = null) {
      const of = await clinic.ofActor(clinicId);
      await assertValid(input, of);
      const doc = await createPhysiciansRepository(deps.db.cols, clinicScope(of._id)).create(input, of._id, deps.clock());
      await catalogueChanged();
      return this.get(doc._id.toHexString());
    },

    /** Schedule and catalogue changes apply to the very next slot query: slots are computed, never stored. */
    async update(actor: Actor, input: z.output<typeof UpdatePhysicianInput>) {
      const repo = await scoped(actor);
      const existing = await repo.findById(input.id);
      if (!existing) throw notFound();
      const { patch } = input;
      const of = (await clinicsOf([existing]))(existing);
      // The clinic must offer the specialty of a physician who practises (active) a new specialty or practises again;
      // other changes, deactivating included, leave it alone.
      const offering = (patch.active ?? existing.active) && (patch.specialty !== undefined || patch.active === true);
      await assertValid({ specialty: patch.specialty ?? existing.specialty, subSpecialties: patch.subSpecialties ?? existing.subSpecialties, schedule: patch.schedule, locationIds: patch.locationIds }, of, offering);
      const doc = await repo.update(input.id, patch, deps.clock());
      if (!doc) throw notFound();
      await catalogueChanged();
      return { ...toPhysicianDto(doc, of), schedule: doc.schedule, nextFreeSlot: null };
    },

    /** What the read paths' caches answered from memory, by kind (the bench reports them). */
    cacheStats: () => ({ physicians: physicianCache.stats(), clinics: clinicCache.stats(), searches: searchCache.stats(), clinicLists: activeCache.stats(), busy: availability.cacheStats() }),
    /** The physician record of a doctor's login, if any. */
    ofUser: (userId: string) => repo.findByUserId(userId),
    /** How many active physicians a clinic has (the clinic directory shows it). */
    countActive: (clinicId: ObjectId) => repo.countActive(clinicId),
    /** The specialty of each active physician of a clinic (what the clinic cannot stop offering). */
    practising: async (clinicId: ObjectId): Promise<string[]> => (await repo.search([clinicId], {})).map((d) => d.specialty),
  };
}
export type PhysiciansService = ReturnType<typeof createPhysiciansService>;
