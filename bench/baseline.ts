// The baseline: bare Fastify routes that do only the raw MongoDB round trips the real endpoints do,
// in the same order, and return what they read as JSON. No tRPC, no OpenAPI layer, no zod, no helmet
// or CORS, no slot maths. real / baseline then says what the stack and the domain logic cost on top
// of the I/O floor. Keep these in step with the services they mirror (named on each route).
import Fastify, { type FastifyInstance } from 'fastify';
import type { Collection } from 'mongodb';
import { DEFAULT_RADIUS_KM, parseNear } from '@clinic/contracts';
import { ObjectId, type AppointmentDoc, type AppointmentStatus, type ClinicLocationDoc, type Database } from '@clinic/db';
import { nearestKm } from '../packages/api/src/modules/physicians/geo.ts';

/** Mirrors HOLDING in packages/api/src/modules/appointments/appointments.repository.ts. */
const HOLDING: AppointmentStatus[] = ['pending_payment', 'confirmed', 'checked_in', 'completed', 'no_show'];
/** Mirrors patientOverlaps in the same file. */
const PATIENT_ACTIVE: AppointmentStatus[] = ['pending_payment', 'confirmed', 'checked_in'];
/** Mirrors NEXT_SLOT_DAYS in physicians.service.ts. */
const NEXT_SLOT_DAYS = 14;
/** Mirrors CANDIDATE_CAP in physicians.repository.ts. */
const CANDIDATE_CAP = 1000;
const DAY_MS = 86_400_000;

const BUSY_PROJECTION = { projection: { physicianId: 1, startsAt: 1, endsAt: 1 } } as const;

/** The access token's claims, read without checking the signature (the baseline only does the reads). */
function claimsOf(authorization: string | undefined): { userId: string; sessionId: string } | null {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  const payload = token?.split('.')[1];
  if (!payload) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown; sid?: unknown };
    return typeof claims.sub === 'string' && typeof claims.sid === 'string' && ObjectId.isValid(claims.sid) && ObjectId.isValid(claims.sub)
      ? { userId: claims.sub, sessionId: claims.sid }
      : null;
  } catch {
    return null;
  }
}

const isDuplicateKey = (err: unknown) => (err as { code?: unknown }).code === 11000 || /UNIQUE constraint failed/.test(String((err as Error).message));

export interface BaselineOptions {
  database: Database;
  /** Where baseline bookings read and write appointments (a copy of the real collection, so the two never collide). */
  appointments: Collection<AppointmentDoc>;
}

export function buildBaselineApp({ database, appointments }: BaselineOptions): FastifyInstance {
  const { cols } = database;
  const app = Fastify({ logger: false });

  // physicians.service.ts slots(): load(id) → clinic.settings() → availability.busyFor([id], from, to)
  app.get<{ Params: { id: string }; Querystring: { from: string; to: string } }>('/baseline/physicians/:id/slots', async (req, reply) => {
    const from = new Date(req.query.from);
    const to = new Date(req.query.to);
    const physician = await cols.physicians.findOne({ _id: new ObjectId(req.params.id) });
    if (!physician || !physician.active) return reply.status(404).send({ message: 'No such physician.' });
    const clinic = await cols.clinics.findOne({});
    const busy = await cols.appointments
      .find({ physicianId: physician._id, status: { $in: HOLDING }, startsAt: { $lt: to }, endsAt: { $gt: from } }, BUSY_PROJECTION)
      .toArray();
    return { physician, clinic, busy };
  });

  // physicians.service.ts list(): clinic.active() → repo.search(clinic ids, filter) → availability.busyFor(all ids, now, now + 14 d).
  // By location (emirate, near + radiusKm) the same three queries, over the clinics with a location that fits and then
  // the physicians working at one (as the service filters them, so that the later queries are the same).
  app.get<{ Querystring: { specialty?: string; emirate?: string; near?: string; radiusKm?: string } }>('/baseline/physicians', async (req) => {
    const now = new Date();
    const { specialty, emirate } = req.query;
    const near = req.query.near ? parseNear(req.query.near) : null;
    const radiusKm = req.query.radiusKm ? Number(req.query.radiusKm) : DEFAULT_RADIUS_KM;
    const byLocation = Boolean(emirate || near);
    const fits = (l: ClinicLocationDoc) => (!emirate || l.emirate === emirate) && (!near || (nearestKm(near, [l]) ?? Infinity) <= radiusKm);
    const clinics = (await cols.clinics.find({ status: 'active' }).limit(CANDIDATE_CAP).batchSize(CANDIDATE_CAP).toArray()).filter(
      (c) => !byLocation || c.locations.some(fits),
    );
    const clinicById = new Map(clinics.map((c) => [c._id.toHexString(), c]));
    const physicians = (
      clinics.length === 0
        ? []
        : await cols.physicians
            .find({ clinicId: clinics.length === 1 ? clinics[0]!._id : { $in: clinics.map((c) => c._id) }, active: true, ...(specialty ? { specialty } : {}) })
            .limit(CANDIDATE_CAP)
            .batchSize(CANDIDATE_CAP)
            .toArray()
    ).filter((p) => !byLocation || (clinicById.get(p.clinicId.toHexString())?.locations ?? []).some((l) => p.locationIds.includes(l.id) && fits(l)));
    const busy =
      physicians.length === 0
        ? []
        : await cols.appointments
            .find(
              { physicianId: { $in: physicians.map((p) => p._id) }, status: { $in: HOLDING }, startsAt: { $lt: new Date(now.getTime() + NEXT_SLOT_DAYS * DAY_MS) }, endsAt: { $gt: now } },
              BUSY_PROJECTION,
            )
            .toArray();
    return { clinic: clinics[0], physicians, busy };
  });

  // context.ts authenticate (session) → appointments.service.ts book(): physicians.load → clinic.settings →
  // busyFor(±1 day) → patientOverlaps → users.me → insert (the unique slotKey is the claim).
  app.post<{ Body: { physicianId: string; start: string; reason: string } }>('/baseline/appointments', async (req, reply) => {
    const now = new Date();
    const claims = claimsOf(req.headers.authorization);
    const session = claims
      ? await cols.sessions.findOne({ _id: new ObjectId(claims.sessionId), status: 'active', expiresAt: { $gt: now } }, { projection: { _id: 1 } })
      : null;
    if (!claims || !session) return reply.status(401).send({ message: 'Sign in to use this.' });
    const physician = await cols.physicians.findOne({ _id: new ObjectId(req.body.physicianId) });
    if (!physician || !physician.active) return reply.status(404).send({ message: 'No such physician.' });
    const start = new Date(req.body.start);
    const end = new Date(start.getTime() + physician.schedule.slotMinutes * 60_000);
    const clinic = await cols.clinics.findOne({});
    const busy = await appointments
      .find(
        { physicianId: physician._id, status: { $in: HOLDING }, startsAt: { $lt: new Date(start.getTime() + DAY_MS) }, endsAt: { $gt: new Date(start.getTime() - DAY_MS) } },
        BUSY_PROJECTION,
      )
      .toArray();
    if (busy.some((b) => b.startsAt < end && b.endsAt > start)) return reply.status(409).send({ message: 'This slot was just taken.' });
    const patientId = new ObjectId(claims.userId);
    if (await appointments.findOne({ patientId, status: { $in: PATIENT_ACTIVE }, startsAt: { $lt: end }, endsAt: { $gt: start } })) {
      return reply.status(409).send({ message: 'You already have an appointment at this time.' });
    }
    const patient = await cols.users.findOne({ _id: patientId });
    if (!patient) return reply.status(404).send({ message: 'This account no longer exists.' });
    const status: AppointmentStatus = clinic?.policies?.paymentRequired ? 'pending_payment' : 'confirmed';
    const doc: AppointmentDoc = {
      _id: new ObjectId(),
      clinicId: physician.clinicId,
      physicianId: physician._id,
      physicianName: physician.fullName,
      patientId,
      patient: { name: patient.fullName, phone: patient.phone ?? null, email: patient.email },
      slotKey: `${physician._id.toHexString()}|${start.toISOString()}`,
      patientSlotKey: `${patientId.toHexString()}|${start.toISOString()}`,
      startsAt: start,
      endsAt: end,
      status,
      reason: req.body.reason,
      packageId: null,
      price: physician.price,
      holdExpiresAt: null,
      reminderDueAt: new Date(start.getTime() - (clinic?.policies?.reminderLeadMinutes ?? 180) * 60_000),
      reminderSentAt: null,
      cancellation: null,
      history: [{ status, at: now, by: patientId }],
      createdAt: now,
      updatedAt: now,
    };
    try {
      await appointments.insertOne(doc);
    } catch (err) {
      if (isDuplicateKey(err)) return reply.status(409).send({ message: 'This slot was just taken.' });
      throw err;
    }
    return doc;
  });

  return app;
}
