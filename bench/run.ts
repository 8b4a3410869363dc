// npm run bench — latency of the slot list, the physician search and booking under load, each next to a
// baseline measured in the same run (bare Fastify routes doing only the same MongoDB round trips), plus
// the number of round trips a physician search makes at several page sizes, and those of the search by location
// at several page sizes and clinic counts. See bench/README.md.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ClinicLocationDoc, Database } from '@clinic/db';
import { nearestKm } from '../packages/api/src/modules/physicians/geo.ts';
import { forkServer, loopback } from './child.ts';
import { BenchDatabase, log, machine, numberFromEnv, runMain, writeResults } from './common.ts';
import { SERVER_ENV, type FromServer, type ToServer } from './ipc.ts';
import { burst, getJson, mapLimit, openLoop, send, sequential, summarize, type HttpRequest, type OpenLoopRun, type RunStats, type Sample } from './load.ts';
import { heading, ms, ratio, table, verdict } from './report.ts';
import {
  PATIENT_PASSWORD,
  addClinics,
  busiestPhysician,
  copyAppointmentsForBaseline,
  countMatching,
  insertPatients,
  removeClinics,
  seed,
  topUpSpecialty,
  type AddedClinics,
} from './setup.ts';

const config = {
  mongoUri: process.env.MONGO_URI || undefined,
  /** The embedded FerretDB's PostgreSQL server (`off` = SQLite), as for the server. */
  embeddedPostgresUrl: process.env.EMBEDDED_POSTGRES_URL || undefined,
  /** Arrival rate of the read scenarios. */
  rps: numberFromEnv('BENCH_RPS', 100),
  /** Measured seconds per read scenario and side, split into two alternating halves. */
  seconds: numberFromEnv('BENCH_SECONDS', 20),
  /** Back-to-back requests per side for the unloaded comparison (plus a warm-up block each). */
  sequentialRequests: Math.round(numberFromEnv('BENCH_SEQUENTIAL', 60)),
  /** Concurrent bookings of distinct slots by distinct patients. */
  storm: Math.round(numberFromEnv('BENCH_STORM', 500)),
  /** Concurrent bookings of one slot. */
  race: Math.round(numberFromEnv('BENCH_RACE', 200)),
  specialtySize: 25,
  warmBookings: 20,
  slotDays: 14,
  pageSizes: [5, 10, 25],
  /** Active clinics in all for the search by location (after the seeded ones); the added ones go again before the bookings. */
  clinicCounts: [20, 200],
  /** Page size of the search by location at those clinic counts. */
  clinicPageSize: 25,
  /** Back-to-back requests per query and clinic count for its latency (after 5 of warm-up). */
  clinicRequests: 30,
};

/** Dubai Healthcare City, where the near search looks from. */
const NEAR = { lat: 25.2305, lng: 55.3235 };
const NEAR_RADIUS_KM = 50;
/** The searches by location, and which locations each matches (as the service decides, for the `matching` column). */
const LOCATION_QUERIES: { query: string; fits: (l: ClinicLocationDoc) => boolean }[] = [
  { query: 'emirate=dubai', fits: (l) => l.emirate === 'dubai' },
  { query: `near=${NEAR.lat},${NEAR.lng}&radiusKm=${NEAR_RADIUS_KM}`, fits: (l) => (nearestKm(NEAR, [l]) ?? Infinity) <= NEAR_RADIUS_KM },
];

const TARGETS = { slotsP95Ms: 50, ratioP95: 1.25 };
const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------------
// The server process
// ---------------------------------------------------------------------------------------------

interface ServerHandle {
  real: string;
  baseline: string;
  /** Database commands (round trips) the server sent while `fn` ran, by command name. */
  countCommands(fn: () => Promise<void>): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

async function startServer(mongoUri: string, dbName: string): Promise<ServerHandle> {
  const server = await forkServer<ToServer, FromServer>(new URL('./server.ts', import.meta.url), 'bench server', {
    env: { [SERVER_ENV.mongoUri]: mongoUri, [SERVER_ENV.dbName]: dbName },
  });
  return {
    real: loopback(server.ready.realPort).http,
    baseline: loopback(server.ready.baselinePort).http,
    async countCommands(fn) {
      await server.ask({ type: 'count-start' }, 'counting');
      await fn();
      return (await server.ask({ type: 'count-stop' }, 'counted')).commands;
    },
    stop: server.stop,
  };
}

// ---------------------------------------------------------------------------------------------
// Read scenarios: open loop at a fixed rate, baseline and real alternating
// ---------------------------------------------------------------------------------------------

interface Side extends RunStats {
  url: string;
}

interface SideByside {
  real: Side;
  baseline: Side;
  ratioP50: number;
  ratioP95: number;
}

interface Loaded extends SideByside {
  rps: number;
  p95ByHalf: { real: number[]; baseline: number[] };
  /** Some run stopped sending because the server had fallen too far behind: this rate is not sustainable here. */
  saturated: boolean;
}

interface Comparison {
  name: string;
  /** One client, back to back: service time of an idle server (after a discarded warm-up block). */
  unloaded: SideByside;
  /** Open loop at config.rps. */
  loaded: Loaded;
  /** Open loop at half the throughput reached, when config.rps saturated either side; else null. */
  sustainable: Loaded | null;
}

const sideBySide = (real: Side, baseline: Side): SideByside => ({ real, baseline, ratioP50: real.p50 / baseline.p50, ratioP95: real.p95 / baseline.p95 });

// Baseline and real always take turns (baseline, real, baseline, real) so that noise on the machine hits both.

async function unloadedComparison(name: string, real: HttpRequest, baseline: HttpRequest): Promise<SideByside> {
  const block = Math.ceil(config.sequentialRequests / 2);
  const seq: Record<'real' | 'baseline', Sample[]> = { real: [], baseline: [] };
  const wall = { real: 0, baseline: 0 };
  for (const [i, side] of (['baseline', 'real', 'baseline', 'real', 'baseline', 'real'] as const).entries()) {
    const start = performance.now();
    const samples = await sequential(side === 'real' ? real : baseline, block);
    if (i < 2) continue; // the first block of each side warms up
    seq[side].push(...samples);
    wall[side] += performance.now() - start;
  }
  const result = sideBySide({ ...summarize(seq.real, wall.real), url: real.url }, { ...summarize(seq.baseline, wall.baseline), url: baseline.url });
  log(`${name}: one client  p50 real ${ms(result.real.p50)} ms, baseline ${ms(result.baseline.p50)} ms`);
  return result;
}

async function loadedComparison(name: string, real: HttpRequest, baseline: HttpRequest, rps: number, seconds: number): Promise<Loaded> {
  const runs: Record<'real' | 'baseline', OpenLoopRun[]> = { real: [], baseline: [] };
  for (const side of ['baseline', 'real', 'baseline', 'real'] as const) {
    const run = await openLoop(() => (side === 'real' ? real : baseline), rps, seconds / 2);
    runs[side].push(run);
    const st = summarize(run.samples, run.wallMs);
    const sat = run.saturatedAtMs === null ? '' : `  SATURATED after ${(run.saturatedAtMs / 1000).toFixed(1)} s (${st.dropped} not sent)`;
    log(`${name}: ${rps} req/s ${side.padEnd(8)} p50 ${ms(st.p50)} ms  p95 ${ms(st.p95)} ms  ok ${st.ok}/${st.requests} (${st.achievedRps.toFixed(1)}/s)${sat}`);
  }
  const merge = (list: OpenLoopRun[], url: string): Side => ({
    ...summarize(
      list.flatMap((r) => r.samples),
      list.reduce((a, r) => a + r.wallMs, 0),
      { maxSendLagMs: Math.max(...list.map((r) => r.maxSendLagMs)), saturatedAtMs: list.find((r) => r.saturatedAtMs !== null)?.saturatedAtMs ?? null },
    ),
    url,
  });
  const byHalf = (list: OpenLoopRun[]) => list.map((r) => summarize(r.samples, r.wallMs).p95);
  return {
    ...sideBySide(merge(runs.real, real.url), merge(runs.baseline, baseline.url)),
    rps,
    p95ByHalf: { real: byHalf(runs.real), baseline: byHalf(runs.baseline) },
    saturated: [...runs.real, ...runs.baseline].some((r) => r.saturatedAtMs !== null),
  };
}

async function compare(name: string, real: HttpRequest, baseline: HttpRequest): Promise<Comparison> {
  const unloaded = await unloadedComparison(name, real, baseline);
  const loaded = await loadedComparison(name, real, baseline, config.rps, config.seconds);
  let sustainable: Loaded | null = null;
  if (loaded.saturated) {
    // Latency at a load the slower side can carry, so that there still is a loaded ratio to report.
    const rps = Math.max(1, Math.floor(Math.min(loaded.real.achievedRps, loaded.baseline.achievedRps) / 2));
    log(`${name}: ${config.rps} req/s is beyond this machine and database; measuring again at ${rps} req/s`);
    // Half the duration: this extra pass must not push a slow machine's run far beyond five minutes.
    sustainable = await loadedComparison(name, real, baseline, rps, config.seconds / 2);
  }
  return { name, unloaded, loaded, sustainable };
}

// ---------------------------------------------------------------------------------------------
// Booking: slots to book, storms
// ---------------------------------------------------------------------------------------------

interface Target {
  physicianId: string;
  start: string;
  startMs: number;
  endMs: number;
}

/**
 * Free slots of every active physician over the next 30 days (from the real slot list), thinned so that
 * no two chosen slots of one physician sit within its buffer of each other — concurrent bookings of
 * neighbouring slots would otherwise (rightly) refuse each other. Interleaved across physicians.
 */
async function bookableSlots(database: Database, realBase: string): Promise<Target[]> {
  const physicians = await database.cols.physicians.find({ active: true }).toArray();
  const from = new Date(Date.now() + 3 * 3_600_000);
  const to = new Date(from.getTime() + 30 * DAY_MS);
  const perPhysician = await mapLimit(physicians, 4, async (p) => {
    const id = p._id.toHexString();
    const res = await getJson<{ slots: { start: string; end: string }[] }>(
      `${realBase}/api/v1/physicians/${id}/slots?from=${from.toISOString()}&to=${to.toISOString()}`,
    );
    const bufferMs = p.schedule.bufferMinutes * 60_000;
    const kept: Target[] = [];
    for (const s of res.slots) {
      const startMs = Date.parse(s.start);
      const last = kept.at(-1);
      if (!last || startMs >= last.endMs + bufferMs) kept.push({ physicianId: id, start: s.start, startMs, endMs: Date.parse(s.end) });
    }
    return kept;
  });
  const out: Target[] = [];
  for (let i = 0; perPhysician.some((l) => i < l.length); i++) {
    for (const l of perPhysician) {
      const t = l[i];
      if (t) out.push(t);
    }
  }
  return out;
}

const bookRequest = (base: string, path: string, token: string, t: Target): HttpRequest => ({
  method: 'POST',
  url: `${base}${path}`,
  token,
  body: { physicianId: t.physicianId, start: t.start, reason: 'Benchmark booking' },
});

interface RoundTrips {
  perRequest: number;
  byCommand: Record<string, number>;
}

function perCall(counts: Record<string, number>, calls: number): RoundTrips {
  return {
    perRequest: Object.values(counts).reduce((a, b) => a + b, 0) / calls,
    byCommand: Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v / calls])),
  };
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

async function main(): Promise<number> {
  const startedAt = new Date();
  const t0 = performance.now();
  let server: ServerHandle | null = null;
  const db = new BenchDatabase(config, config.mongoUri ? `bench_${randomBytes(5).toString('hex')}` : 'bench');

  try {
    const { uri, dbName, database } = await db.open();
    const engine = await db.describe();

    // --- data -----------------------------------------------------------------------------------
    await seed(database);
    const specialty = await topUpSpecialty(database, config.specialtySize);
    const slotsPhysician = await busiestPhysician(database);
    log(`seeded; ${specialty.specialty} has ${specialty.physicians} active physicians (${specialty.added} added); slots of ${slotsPhysician.name} (${slotsPhysician.held} held in 14 days)`);

    const srv = await startServer(uri, dbName);
    server = srv;
    const { real, baseline } = srv;

    // --- read scenarios -------------------------------------------------------------------------
    const from = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000);
    const to = new Date(from.getTime() + config.slotDays * DAY_MS);
    const range = `from=${from.toISOString()}&to=${to.toISOString()}`;
    const slotsReal: HttpRequest = { method: 'GET', url: `${real}/api/v1/physicians/${slotsPhysician.id}/slots?${range}` };
    const slotsBase: HttpRequest = { method: 'GET', url: `${baseline}/baseline/physicians/${slotsPhysician.id}/slots?${range}` };
    const listUrl = (limit: number) => `${real}/api/v1/physicians?specialty=${specialty.specialty}&limit=${limit}`;
    const listReal: HttpRequest = { method: 'GET', url: listUrl(config.specialtySize) };
    const listBase: HttpRequest = { method: 'GET', url: `${baseline}/baseline/physicians?specialty=${specialty.specialty}` };

    const slotsShape = await getJson<{ slots: unknown[] }>(slotsReal.url);
    const listShape = await getJson<{ items: { nextFreeSlot: unknown }[] }>(listReal.url);
    const withNext = listShape.items.filter((i) => i.nextFreeSlot !== null).length;
    log(`slots answer: ${slotsShape.slots.length} free slots in ${config.slotDays} days; search answer: ${listShape.items.length} physicians, ${withNext} with a next free slot`);

    const slots = await compare('slots', slotsReal, slotsBase);
    const search = await compare('search', listReal, listBase);
    // The searches by location next to the baseline making the same three queries: one client only (an open loop
    // each would add minutes to the run).
    const locationReal = (query: string): HttpRequest => ({ method: 'GET', url: `${real}/api/v1/physicians?${query}&limit=${config.clinicPageSize}` });
    const locationBase = (query: string): HttpRequest => ({ method: 'GET', url: `${baseline}/baseline/physicians?${query}` });
    const locationOneClient: ({ query: string } & SideByside)[] = [];
    for (const { query } of LOCATION_QUERIES) {
      locationOneClient.push({ query, ...(await unloadedComparison(`search ${query}`, locationReal(query), locationBase(query))) });
    }

    // --- round trips ----------------------------------------------------------------------------
    const perRequest = async (req: HttpRequest, n = 5): Promise<RoundTrips> =>
      perCall(await srv.countCommands(async () => {
        for (let i = 0; i < n; i++) {
          const res = await send(req);
          if (res.status !== 200) throw new Error(`${req.url} → ${res.status}`);
        }
      }), n);
    const searchByPageSize: ({ limit: number; items: number } & RoundTrips)[] = [];
    for (const limit of config.pageSizes) {
      const page = await getJson<{ items: unknown[] }>(listUrl(limit));
      searchByPageSize.push({ limit, items: page.items.length, ...(await perRequest({ method: 'GET', url: listUrl(limit) })) });
    }
    // The search by location: every Dubai physician, and every physician within 50 km of Dubai Healthcare City
    // (distance computed in the service), by page size.
    const locationQueries = LOCATION_QUERIES.map((q) => q.query);
    const locationByPageSize: ({ query: string; limit: number; items: number } & RoundTrips)[] = [];
    for (const query of locationQueries) {
      for (const limit of [...config.pageSizes, 50]) {
        const url = `${real}/api/v1/physicians?${query}&limit=${limit}`;
        const page = await getJson<{ items: unknown[] }>(url);
        locationByPageSize.push({ query, limit, items: page.items.length, ...(await perRequest({ method: 'GET', url })) });
      }
    }
    const locationBaseline: ({ query: string } & RoundTrips)[] = [];
    for (const query of locationQueries) locationBaseline.push({ query, ...(await perRequest(locationBase(query))) });

    // The search by location as clinics join: the seeded ones, then more active clinics in all (one or two locations in
    // some emirate each, two physicians), page size fixed. Round trips must not grow; latency (one client, next to the
    // baseline's same queries, baseline first) is printed for context.
    const locationByClinicCount: ({
      query: string;
      clinics: number;
      physicians: number;
      matching: number;
      limit: number;
      items: number;
      latency: RunStats;
      baselineLatency: RunStats;
    } & RoundTrips)[] = [];
    const timed = async (req: HttpRequest) => {
      await sequential(req, 5);
      const start = performance.now();
      return summarize(await sequential(req, config.clinicRequests), performance.now() - start);
    };
    const added: AddedClinics[] = [];
    for (const total of [null, ...config.clinicCounts]) {
      if (total !== null) added.push(await addClinics(database, total));
      for (const { query, fits } of LOCATION_QUERIES) {
        const counted = await countMatching(database, fits);
        const req = locationReal(query);
        const page = await getJson<{ items: unknown[] }>(req.url);
        const trips = await perRequest(req);
        const baselineLatency = await timed(locationBase(query));
        const latency = await timed(req);
        locationByClinicCount.push({ query, ...counted, limit: config.clinicPageSize, items: page.items.length, ...trips, latency, baselineLatency });
        log(
          `search ${query}: ${counted.clinics} clinics, ${counted.matching} of ${counted.physicians} physicians match — ` +
            `${trips.perRequest} round trips, p50 real ${ms(latency.p50)} ms, baseline ${ms(baselineLatency.p50)} ms`,
        );
      }
    }
    await removeClinics(database, added);

    const searchBaselineTrips = await perRequest(listBase);
    const slotsRealTrips = await perRequest(slotsReal);
    const slotsBaselineTrips = await perRequest(slotsBase);

    // --- booking --------------------------------------------------------------------------------
    const patients = await insertPatients(database, config.storm + config.warmBookings);
    const loginStart = performance.now();
    const tokens = await mapLimit(patients, 4, async (p) => {
      const res = await send({ method: 'POST', url: `${real}/api/v1/auth/login`, body: { email: p.email, password: PATIENT_PASSWORD } });
      if (res.status !== 200) throw new Error(`login of ${p.email} → ${res.status}: ${res.body.slice(0, 200)}`);
      return (JSON.parse(res.body) as { accessToken: string }).accessToken;
    });
    log(`${patients.length} patients signed in over REST in ${((performance.now() - loginStart) / 1000).toFixed(1)} s`);

    const pool = await bookableSlots(database, real);
    const one = pool[0];
    if (!one) throw new Error('no free slot to book');
    // The race reuses the storm's first patients, so the raced slot must not overlap their storm slots.
    const rest = pool.filter((t) => t.endMs <= one.startMs || t.startMs >= one.endMs);
    const warmSlots = rest.slice(0, config.warmBookings);
    const stormSlots = rest.slice(config.warmBookings, config.warmBookings + config.storm);
    if (stormSlots.length < config.storm || config.race > config.storm) {
      throw new Error(`need ${config.storm} free slots (found ${stormSlots.length}) and race ≤ storm`);
    }
    const copied = await copyAppointmentsForBaseline(database);
    log(`${pool.length} bookable slots found; baseline appointments copied (${copied})`);

    const stormTokens = tokens.slice(0, config.storm);
    const warmTokens = tokens.slice(config.storm);
    const oneByOne = async (reqs: HttpRequest[]) => {
      for (const r of reqs) {
        const res = await send(r);
        if (res.status !== 200) throw new Error(`warm-up booking ${r.url} → ${res.status}: ${res.body.slice(0, 300)}`);
      }
    };
    const countBooking = async (base: string, path: string) =>
      perCall(await srv.countCommands(() => oneByOne(warmSlots.map((t, i) => bookRequest(base, path, warmTokens[i]!, t)))), warmSlots.length);
    // Warm-up bookings (one per warm-up patient and slot on each side), counted for round trips.
    const bookBaselineTrips = await countBooking(baseline, '/baseline/appointments');
    const bookRealTrips = await countBooking(real, '/api/v1/appointments');
    const roundTrips = {
      searchByPageSize,
      locationByPageSize,
      locationByClinicCount,
      locationBaseline,
      searchBaseline: searchBaselineTrips,
      slotsReal: slotsRealTrips,
      slotsBaseline: slotsBaselineTrips,
      bookReal: bookRealTrips,
      bookBaseline: bookBaselineTrips,
    };

    log(`storm: ${config.storm} concurrent bookings of distinct slots — baseline, then real`);
    const stormReqs = (base: string, path: string) => stormSlots.map((t, i) => bookRequest(base, path, stormTokens[i]!, t));
    const burstOf = async (what: string, reqs: HttpRequest[]) => {
      const run = await burst(reqs);
      const s = summarize(run.samples, run.wallMs);
      log(`${what}: ${JSON.stringify(s.statusCounts)} in ${(s.wallMs / 1000).toFixed(1)} s, p95 ${ms(s.p95)} ms`);
      return s;
    };
    const stormBaseline = await burstOf('storm baseline', stormReqs(baseline, '/baseline/appointments'));
    const stormReal = await burstOf('storm real', stormReqs(real, '/api/v1/appointments'));

    log(`race: ${config.race} concurrent bookings of one slot — real, then baseline`);
    const raceReqs = (base: string, path: string) => stormTokens.slice(0, config.race).map((token) => bookRequest(base, path, token, one));
    const raceReal = await burstOf('race real', raceReqs(real, '/api/v1/appointments'));
    const raceBaseline = await burstOf('race baseline', raceReqs(baseline, '/baseline/appointments'));

    const oneKey = `${one.physicianId}|${new Date(one.start).toISOString()}`;
    const raceWinners = await database.cols.appointments.countDocuments({ slotKey: oneKey });
    const stormIds = new Set(patients.slice(0, config.storm).map((p) => p.userId));
    const booked = (await database.cols.appointments.find({ status: 'confirmed', createdAt: { $gte: startedAt } }, { projection: { patientId: 1 } }).toArray()).filter((a) =>
      stormIds.has(a.patientId.toHexString()),
    ).length;

    await srv.stop();
    server = null;

    // --- report ---------------------------------------------------------------------------------
    const ok2xx = (s: RunStats) => s.ok;
    const c409 = (s: RunStats) => s.statusCounts['409'] ?? 0;
    const checks: Check[] = [
      { name: `storm: all ${config.storm} bookings succeed`, ok: ok2xx(stormReal) === config.storm, detail: JSON.stringify(stormReal.statusCounts) },
      { name: `race: exactly one of ${config.race} succeeds`, ok: ok2xx(raceReal) === 1, detail: JSON.stringify(raceReal.statusCounts) },
      { name: `race: the other ${config.race - 1} get 409`, ok: c409(raceReal) === config.race - 1, detail: JSON.stringify(raceReal.statusCounts) },
      { name: 'race: one appointment holds the slot in the database', ok: raceWinners === 1, detail: `${raceWinners} with slotKey ${oneKey}` },
      { name: 'storm + race: confirmed appointments in the database', ok: booked === config.storm + 1, detail: `${booked} (expected ${config.storm + 1})` },
      { name: 'baseline storm: all succeed (sanity)', ok: ok2xx(stormBaseline) === config.storm, detail: JSON.stringify(stormBaseline.statusCounts) },
      { name: 'baseline race: exactly one succeeds (sanity)', ok: ok2xx(raceBaseline) === 1, detail: JSON.stringify(raceBaseline.statusCounts) },
      {
        name: 'reads: every answered request was 2xx',
        ok:
          [slots, search].every((c) =>
            [c.unloaded, c.loaded, ...(c.sustainable ? [c.sustainable] : [])].every((x) => x.real.failed === x.real.dropped && x.baseline.failed === x.baseline.dropped),
          ) &&
          locationOneClient.every((x) => x.real.failed === 0 && x.baseline.failed === 0) &&
          locationByClinicCount.every((r) => r.latency.failed === 0 && r.baselineLatency.failed === 0),
        detail: '',
      },
      {
        name: 'search round trips do not grow with page size',
        ok: new Set(roundTrips.searchByPageSize.map((r) => r.perRequest)).size === 1,
        detail: roundTrips.searchByPageSize.map((r) => `${r.limit}→${r.perRequest}`).join(', '),
      },
      ...locationQueries.map((query) => {
        const rows = roundTrips.locationByPageSize.filter((r) => r.query === query);
        return {
          name: `search ${query}: round trips do not grow with page size`,
          ok: new Set(rows.map((r) => r.perRequest)).size === 1,
          detail: rows.map((r) => `${r.limit}→${r.perRequest}`).join(', '),
        };
      }),
      ...locationQueries.map((query) => {
        const rows = roundTrips.locationByClinicCount.filter((r) => r.query === query);
        return {
          name: `search ${query}: round trips do not grow with clinic count`,
          ok: new Set(rows.map((r) => r.perRequest)).size === 1,
          detail: rows.map((r) => `${r.clinics}→${r.perRequest}`).join(', '),
        };
      }),
    ];
    // A ratio of two unbounded p95s means nothing: when a side saturated, the loaded ratio is n/a.
    const loadedRatio = (l: Loaded, which: 'ratioP50' | 'ratioP95' = 'ratioP95') => (l.saturated ? Number.NaN : l[which]);
    const within = (v: number, max: number) => (Number.isNaN(v) ? null : v <= max);
    const targets = [
      { name: `slots p95 ≤ ${TARGETS.slotsP95Ms} ms at ${config.rps} req/s`, ok: slots.loaded.real.p95 <= TARGETS.slotsP95Ms, value: `${ms(slots.loaded.real.p95)} ms` },
      ...[slots, search].flatMap((c) => [
        { name: `${c.name} p95 ratio ≤ ${TARGETS.ratioP95} at ${config.rps} req/s`, ok: within(loadedRatio(c.loaded), TARGETS.ratioP95), value: ratio(loadedRatio(c.loaded)) },
        ...(c.sustainable
          ? [{ name: `${c.name} p95 ratio ≤ ${TARGETS.ratioP95} at ${c.sustainable.rps} req/s`, ok: within(loadedRatio(c.sustainable), TARGETS.ratioP95), value: ratio(loadedRatio(c.sustainable)) }]
          : []),
        { name: `${c.name} p95 ratio ≤ ${TARGETS.ratioP95}, one client`, ok: within(c.unloaded.ratioP95, TARGETS.ratioP95), value: ratio(c.unloaded.ratioP95) },
      ]),
    ];

    const totalSeconds = (performance.now() - t0) / 1000;
    const meta = {
      startedAt: startedAt.toISOString(),
      totalSeconds: Math.round(totalSeconds),
      ...machine(),
      database: engine,
      rps: config.rps,
      secondsPerSide: config.seconds,
      sequentialRequests: config.sequentialRequests,
      specialty: specialty.specialty,
      slotsPhysician: slotsPhysician.name,
      slotsPerAnswer: slotsShape.slots.length,
    };

    console.log(heading('Reads — latency in ms'));
    const rows: string[][] = [];
    const ratios: string[][] = [];
    for (const c of [slots, search]) {
      const row = (x: Side, side: string, load: string, halves = '') =>
        [`${c.name} ${side}`, load, String(x.requests), String(x.failed), load === 'one client' ? '' : x.achievedRps.toFixed(1), ms(x.p50), ms(x.p95), ms(x.p99), ms(x.max), halves];
      rows.push(row(c.unloaded.baseline, 'baseline', 'one client'), row(c.unloaded.real, 'real', 'one client'));
      ratios.push([`${c.name}, one client`, ratio(c.unloaded.ratioP50), ratio(c.unloaded.ratioP95)]);
      for (const l of c.sustainable ? [c.loaded, c.sustainable] : [c.loaded]) {
        const load = `${l.rps} req/s`;
        rows.push(
          row(l.baseline, 'baseline', load, l.p95ByHalf.baseline.map(ms).join(' / ')),
          row(l.real, 'real', load, l.p95ByHalf.real.map(ms).join(' / ')),
        );
        ratios.push([`${c.name}, ${load}${l.saturated ? ' (saturated)' : ''}`, ratio(loadedRatio(l, 'ratioP50')), ratio(loadedRatio(l))]);
      }
    }
    for (const x of locationOneClient) {
      const row = (r: Side, side: string) => [`search ${x.query} ${side}`, 'one client', String(r.requests), String(r.failed), '', ms(r.p50), ms(r.p95), ms(r.p99), ms(r.max), ''];
      rows.push(row(x.baseline, 'baseline'), row(x.real, 'real'));
      ratios.push([`search ${x.query}, one client`, ratio(x.ratioP50), ratio(x.ratioP95)]);
    }
    console.log(table(['scenario', 'load', 'req', 'failed', 'ok/s', 'p50', 'p95', 'p99', 'max', 'p95 by half'], rows));
    console.log('\n' + table(['ratio real/baseline', 'p50', 'p95'], ratios));
    const saturated = [slots, search].filter((c) => c.loaded.saturated);
    if (saturated.length) {
      console.log(
        `\nSATURATED: ${saturated.map((c) => c.name).join(' and ')} could not be served at ${config.rps} req/s on this machine and database` +
          `\n(ok/s is what got through). Requests the run stopped sending count as infinitely slow (∞), so p95 and` +
          `\nthe ratio at that rate are not meaningful; the rows at the lower rate and the one-client rows are.`,
      );
    }

    console.log(heading('Booking bursts (all requests sent at once) — latency in ms'));
    const burstRow = (name: string, s: RunStats) => [name, String(s.requests), JSON.stringify(s.statusCounts), ms(s.p50), ms(s.p95), ms(s.max), ms(s.wallMs)];
    console.log(
      table(
        ['burst', 'req', 'statuses', 'p50', 'p95', 'max', 'total'],
        [
          burstRow(`storm ${config.storm} slots baseline`, stormBaseline),
          burstRow(`storm ${config.storm} slots real`, stormReal),
          burstRow(`race 1 slot × ${config.race} real`, raceReal),
          burstRow(`race 1 slot × ${config.race} baseline`, raceBaseline),
        ],
      ),
    );
    console.log(
      '\n' +
        table(
          ['ratio real/baseline', 'p95', 'total'],
          [
            ['storm', ratio(stormReal.p95 / stormBaseline.p95), ratio(stormReal.wallMs / stormBaseline.wallMs)],
            ['race', ratio(raceReal.p95 / raceBaseline.p95), ratio(raceReal.wallMs / raceBaseline.wallMs)],
          ],
        ),
    );

    console.log(heading('Database round trips per request (driver command monitoring)'));
    const fmtCmds = (c: Record<string, number>) => Object.entries(c).map(([k, v]) => `${k}×${v}`).join(' ');
    console.log(
      table(
        ['request', 'items', 'round trips', 'commands'],
        [
          ...roundTrips.searchByPageSize.map((r) => [`search limit=${r.limit}`, String(r.items), String(r.perRequest), fmtCmds(r.byCommand)]),
          ...roundTrips.locationByPageSize.map((r) => [`search ${r.query} limit=${r.limit}`, String(r.items), String(r.perRequest), fmtCmds(r.byCommand)]),
          ...roundTrips.locationBaseline.map((r) => [`search ${r.query} baseline`, '-', String(r.perRequest), fmtCmds(r.byCommand)]),
          ['search baseline', '-', String(roundTrips.searchBaseline.perRequest), fmtCmds(roundTrips.searchBaseline.byCommand)],
          ['slots', '-', String(roundTrips.slotsReal.perRequest), fmtCmds(roundTrips.slotsReal.byCommand)],
          ['slots baseline', '-', String(roundTrips.slotsBaseline.perRequest), fmtCmds(roundTrips.slotsBaseline.byCommand)],
          ['book', '-', String(roundTrips.bookReal.perRequest), fmtCmds(roundTrips.bookReal.byCommand)],
          ['book baseline', '-', String(roundTrips.bookBaseline.perRequest), fmtCmds(roundTrips.bookBaseline.byCommand)],
        ],
      ),
    );

    console.log(heading(`Search by location by clinic count (limit=${config.clinicPageSize}) — one client, latency in ms`));
    console.log(
      table(
        ['request', 'clinics', 'physicians', 'matching', 'items', 'round trips', 'commands', 'req', 'p50', 'p95', 'baseline p50', 'p50 ratio'],
        roundTrips.locationByClinicCount.map((r) => [
          `search ${r.query}`,
          String(r.clinics),
          String(r.physicians),
          String(r.matching),
          String(r.items),
          String(r.perRequest),
          fmtCmds(r.byCommand),
          String(r.latency.requests),
          ms(r.latency.p50),
          ms(r.latency.p95),
          ms(r.baselineLatency.p50),
          ratio(r.latency.p50 / r.baselineLatency.p50),
        ]),
      ),
    );

    console.log(heading('Targets'));
    console.log(table(['target', 'measured', ''], targets.map((t) => [t.name, t.value, verdict(t.ok)])));
    console.log(heading('Checks'));
    console.log(table(['check', 'result', 'detail'], checks.map((c) => [c.name, c.ok ? 'ok' : 'FAILED', c.detail])));

    const results = {
      meta,
      reads: { slots, search, locationOneClient },
      bookings: {
        storm: { real: stormReal, baseline: stormBaseline, ratioP95: stormReal.p95 / stormBaseline.p95, ratioTotal: stormReal.wallMs / stormBaseline.wallMs },
        race: { real: raceReal, baseline: raceBaseline, ratioP95: raceReal.p95 / raceBaseline.p95, ratioTotal: raceReal.wallMs / raceBaseline.wallMs },
      },
      roundTrips,
      targets,
      checks,
    };
    writeResults('latest.json', results);
    console.log(`\n${meta.database}, Node ${meta.node}, ${meta.cpus} CPUs (${meta.cpuModel}); ${meta.totalSeconds} s in all. Results: bench/results/latest.json`);
    return checks.every((c) => c.ok) ? 0 : 1;
  } finally {
    await server?.stop().catch(() => {});
    await db.close(Boolean(config.mongoUri));
  }
}

runMain(main);
