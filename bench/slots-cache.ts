// npm run bench:slots — the slot list and the physician search served from memory (warm), at a fixed arrival rate,
// next to a bare Fastify route answering the same JSON, precomputed, in the same run; the round trips (database
// commands and version-store reads) and the caches' hit rates over the real runs; and what a booking costs the cache.
// Once with the in-process bus (one process: versions in memory) and once with the Redis bus (versions in Redis), as
// BENCH_SLOTS_BUS says. See bench/README.md.
//
// The server runs in a process of its own (this file, forked with `serve`), so load generation never shares its
// event loop.
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import Fastify from 'fastify';
import type { VersionStore } from '@clinic/api';
import { benchDeps, buildBenchApp } from './app.ts';
import { errorMessage, forkServer, loopback } from './child.ts';
import { BenchDatabase, log, numberFromEnv, runMain } from './common.ts';
import { commandKey, connectMonitored } from './db.ts';
import { getJson, openLoop, send, summarize, type HttpRequest, type RunStats, type Sample } from './load.ts';
import { heading, ms, ratio, table, verdict } from './report.ts';
import { PATIENT_PASSWORD, busiestPhysician, insertPatients, seed, topUpSpecialty } from './setup.ts';

const BUSES = { memory: ['memory'], redis: ['redis'], both: ['memory', 'redis'] } as const;
type Bus = 'memory' | 'redis';
const busChoice = (process.env.BENCH_SLOTS_BUS || 'both') as keyof typeof BUSES;
if (!(busChoice in BUSES)) throw new Error(`BENCH_SLOTS_BUS must be memory, redis or both (got "${busChoice}")`);

const config = {
  mongoUri: process.env.MONGO_URI || undefined,
  embeddedPostgresUrl: process.env.EMBEDDED_POSTGRES_URL || undefined,
  redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
  buses: BUSES[busChoice],
  rps: numberFromEnv('BENCH_RPS', 500),
  /** Measured seconds per scenario and side, in two alternating halves. */
  seconds: numberFromEnv('BENCH_SECONDS', 10),
  specialtySize: 25,
  slotDays: 14,
  bookings: 10,
};
const TARGETS = { p95Ms: 10, ratioP95: 1.5 };
const DAY_MS = 86_400_000;

/** A cache's lookups: answered from memory (hits) or not. */
type HitCounts = Record<string, { hits: number; misses: number }>;
/** What the real side did while counting: database commands by `<command> <collection>`, version-store calls, cache lookups. */
interface Counted {
  commands: Record<string, number>;
  versions: { reads: number; bumps: number };
  cache: HitCounts;
}

type ToServer = { type: 'count-start' } | { type: 'count-stop' } | { type: 'cpu' } | { type: 'bare'; bodies: Record<string, string> } | { type: 'shutdown' };
type FromServer =
  | { type: 'ready'; realPort: number; barePort: number }
  | ({ type: 'counted' } & Counted)
  | { type: 'cpu'; micros: number }
  | { type: 'ok' }
  | { type: 'error'; message: string };

// ---------------------------------------------------------------------------------------------
// The server process: the real app as the server wires it, and a bare Fastify app answering stored bodies
// ---------------------------------------------------------------------------------------------

async function serve(): Promise<void> {
  const reply = (m: FromServer) => process.send?.(m);
  const database = await connectMonitored(process.env.BENCH_MONGO_URI!, process.env.BENCH_DB_NAME!);
  /** `<command> <collection>` → count, while counting. */
  let counts: Record<string, number> | null = null;
  const versionCalls = { reads: 0, bumps: 0 };
  database.client.on('commandStarted', (e) => {
    if (!counts) return;
    const key = commandKey(e);
    counts[key] = (counts[key] ?? 0) + 1;
  });
  const redisUrl = process.env.BENCH_REDIS_URL || undefined;
  const { createRedisBus } = await import('../apps/server/src/realtime-redis.ts');
  const bus = redisUrl ? await createRedisBus(redisUrl, { onError: (err) => console.error(`[slots server] Redis: ${err.message}`) }) : null;
  if (bus?.versions) {
    // Each call is one round trip to Redis (two for a key's very first read).
    const store: VersionStore = bus.versions;
    bus.versions = {
      read: (keys) => (counts && versionCalls.reads++, store.read(keys)),
      bump: (keys) => (counts && versionCalls.bumps++, store.bump(keys)),
    };
  }
  const { app, services } = await buildBenchApp(database, benchDeps(database, { relaxedLogins: false, ...(bus ? { bus } : {}) }));
  const lookups = (): HitCounts => {
    // Absent in code from before the caches reported them (a before/after pair runs this file on both).
    const s = (services.physicians as Partial<typeof services.physicians>).cacheStats?.();
    return s ? { physicians: s.physicians, clinics: s.clinics, clinicLists: s.clinicLists, searches: s.searches, busy: s.busy } : {};
  };
  let lookupsAtStart: HitCounts = {};
  // What a response costs with no work behind it: Fastify, routing and a JSON body of the same size.
  const bare = Fastify({ logger: false });
  let bodies: Record<string, string> = {};
  bare.get('/bare/:name', async (req, res) => res.type('application/json').send(bodies[(req.params as { name: string }).name]));
  await app.listen({ port: 0, host: '127.0.0.1' });
  await bare.listen({ port: 0, host: '127.0.0.1' });
  process.on('message', (msg: ToServer) => {
    if (msg.type === 'count-start') {
      counts = {};
      versionCalls.reads = versionCalls.bumps = 0;
      lookupsAtStart = lookups();
      reply({ type: 'ok' });
    } else if (msg.type === 'count-stop') {
      const now = lookups();
      const cache = Object.fromEntries(
        Object.entries(now).map(([k, v]) => [k, { hits: v.hits - (lookupsAtStart[k]?.hits ?? 0), misses: v.misses - (lookupsAtStart[k]?.misses ?? 0) }]),
      );
      reply({ type: 'counted', commands: counts ?? {}, versions: { ...versionCalls }, cache });
      counts = null;
    } else if (msg.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      reply({ type: 'cpu', micros: user + system });
    } else if (msg.type === 'bare') {
      bodies = msg.bodies;
      reply({ type: 'ok' });
    } else if (msg.type === 'shutdown') {
      void Promise.all([app.close(), bare.close()])
        .then(() => bus?.close())
        .then(() => database.close())
        .finally(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  const port = (s: typeof app.server) => (s.address() as { port: number }).port;
  reply({ type: 'ready', realPort: port(app.server), barePort: port(bare.server) });
}

// ---------------------------------------------------------------------------------------------
// The runner
// ---------------------------------------------------------------------------------------------

type Server = Awaited<ReturnType<typeof startServer>>;

async function startServer(uri: string, dbName: string, redisUrl: string | null) {
  const server = await forkServer<ToServer, FromServer>(import.meta.url, 'bench server', {
    env: { BENCH_MONGO_URI: uri, BENCH_DB_NAME: dbName, BENCH_REDIS_URL: redisUrl ?? '' },
    args: ['serve'],
  });
  const { ask } = server;
  return {
    ready: server.ready,
    async count(fn: () => Promise<void>): Promise<Counted> {
      await ask({ type: 'count-start' }, 'ok');
      await fn();
      const { commands, versions, cache } = await ask({ type: 'count-stop' }, 'counted');
      return { commands, versions, cache };
    },
    setBare: (bodies: Record<string, string>) => ask({ type: 'bare', bodies }, 'ok'),
    /** The server process's CPU time so far (user + system), in ms. */
    cpuMs: async () => (await ask({ type: 'cpu' }, 'cpu')).micros / 1000,
    stop: server.stop,
  };
}

/**
 * Bare and real alternate in halves, so a drift of the machine during the run is shared by both. Also the server
 * process's CPU time per answered request on each side: what a request costs, whatever the other jobs on the machine
 * do to the latencies.
 */
async function compare(server: Server, bare: HttpRequest, real: HttpRequest): Promise<{ bare: RunStats; real: RunStats; cpuMsPerRequest: { bare: number; real: number } }> {
  const samples: { bare: Sample[]; real: Sample[] } = { bare: [], real: [] };
  const wall = { bare: 0, real: 0 };
  const cpu = { bare: 0, real: 0 };
  for (let half = 0; half < 2; half++) {
    for (const side of half === 0 ? (['bare', 'real'] as const) : (['real', 'bare'] as const)) {
      const before = await server.cpuMs();
      const run = await openLoop(() => (side === 'bare' ? bare : real), config.rps, config.seconds / 2);
      cpu[side] += (await server.cpuMs()) - before;
      samples[side].push(...run.samples);
      wall[side] += run.wallMs;
    }
  }
  const answered = (xs: Sample[]) => Math.max(1, xs.filter((x) => x.status > 0).length);
  return {
    bare: summarize(samples.bare, wall.bare),
    real: summarize(samples.real, wall.real),
    cpuMsPerRequest: { bare: cpu.bare / answered(samples.bare), real: cpu.real / answered(samples.real) },
  };
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
const hitRate = (c: { hits: number; misses: number }) => (c.hits + c.misses === 0 ? '-' : `${((c.hits / (c.hits + c.misses)) * 100).toFixed(2)} %`);
const perBooking = (xs: Record<string, number>[]) => {
  const sum: Record<string, number> = {};
  for (const x of xs) for (const [k, v] of Object.entries(x)) sum[k] = (sum[k] ?? 0) + v;
  return Object.fromEntries(Object.entries(sum).map(([k, v]) => [k, Math.round((v / xs.length) * 100) / 100]));
};
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

interface ModeResult {
  bus: Bus;
  loadBefore: string;
  loadAfter: string;
  results: { name: string; bare: RunStats; real: RunStats; cpuMsPerRequest: { bare: number; real: number }; counted: Counted }[];
  booking: { commands: Record<string, number>; versions: { reads: number; bumps: number } };
  reload: { commands: Record<string, number>; versions: { reads: number; bumps: number }; ms: number; warmMs: number };
}

async function runMode(bus: Bus, uri: string, dbName: string, physician: { id: string }, specialty: string, patients: { email: string }[]): Promise<ModeResult> {
  const loadBefore = load();
  const server = await startServer(uri, dbName, bus === 'redis' ? config.redisUrl : null);
  try {
    const { realPort, barePort } = server.ready;
    const real = loopback(realPort).http;
    const bare = loopback(barePort).http;
    const from = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000);
    const range = `from=${from.toISOString()}&to=${new Date(from.getTime() + config.slotDays * DAY_MS).toISOString()}`;
    const slotsUrl = `${real}/api/v1/physicians/${physician.id}/slots?${range}`;
    const searchUrl = `${real}/api/v1/physicians?specialty=${specialty}&limit=${config.specialtySize}`;

    // Warm: the first read of each loads the caches; the bare routes get the very bodies the real ones answer.
    const slotsBody = await send({ method: 'GET', url: slotsUrl });
    const searchBody = await send({ method: 'GET', url: searchUrl });
    if (slotsBody.status !== 200 || searchBody.status !== 200) throw new Error(`warm-up failed: ${slotsBody.status} ${searchBody.status}`);
    await server.setBare({ slots: slotsBody.body, search: searchBody.body });
    log(`${bus}: slot list ${(JSON.parse(slotsBody.body) as { slots: unknown[] }).slots.length} slots, ${slotsBody.body.length} bytes; search ${searchBody.body.length} bytes`);

    const results: ModeResult['results'] = [];
    for (const [name, url, bareName] of [
      ['slot list (14 days)', slotsUrl, 'slots'],
      [`search (${config.specialtySize} physicians, next free slot each)`, searchUrl, 'search'],
    ] as const) {
      let stats: Awaited<ReturnType<typeof compare>> | null = null;
      const counted = await server.count(async () => {
        stats = await compare(server, { method: 'GET', url: `${bare}/bare/${bareName}` }, { method: 'GET', url });
      });
      // The bare side sends no commands and reads no versions: every one counted is the real side's.
      results.push({ name, ...stats!, counted });
    }

    // What a booking costs the cache: what it writes for the versions, then one reload at the next read of each process.
    const warm: number[] = [];
    const reload: number[] = [];
    const bookings: Counted[] = [];
    const reloads: Counted[] = [];
    // A saturated server may still be working through requests the load generator gave up on: wait for it.
    let first = await send({ method: 'GET', url: slotsUrl }, 120_000);
    for (let i = 0; first.status !== 200 && i < 4; i++) first = await send({ method: 'GET', url: slotsUrl }, 120_000);
    if (first.status !== 200) throw new Error(`the server did not recover after the runs: ${first.status} ${first.body.slice(0, 200)}`);
    const offered = (JSON.parse(first.body) as { slots: { start: string }[] }).slots;
    for (let i = 0; i < config.bookings; i++) {
      const login = await send({ method: 'POST', url: `${real}/api/v1/auth/login`, body: { email: patients[i]!.email, password: PATIENT_PASSWORD } });
      const token = (JSON.parse(login.body) as { accessToken: string }).accessToken;
      let t = performance.now();
      await send({ method: 'GET', url: slotsUrl });
      warm.push(performance.now() - t);
      const start = offered[i * 3]!.start;
      bookings.push(
        await server.count(async () => {
          const res = await send({ method: 'POST', url: `${real}/api/v1/appointments`, body: { physicianId: physician.id, start, reason: 'Bench' }, token });
          if (res.status !== 200) throw new Error(`booking failed: ${res.status} ${res.body}`);
        }),
      );
      reloads.push(
        await server.count(async () => {
          t = performance.now();
          const after = await getJson<{ slots: { start: string }[] }>(slotsUrl);
          reload.push(performance.now() - t);
          if (after.slots.some((s) => s.start === start)) throw new Error('a booked slot was still offered');
        }),
      );
    }
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const versionsOf = (xs: Counted[]) => ({ reads: avg(xs.map((x) => x.versions.reads)), bumps: avg(xs.map((x) => x.versions.bumps)) });
    return {
      bus,
      loadBefore,
      loadAfter: load(),
      results,
      booking: { commands: perBooking(bookings.map((b) => b.commands)), versions: versionsOf(bookings) },
      reload: { commands: perBooking(reloads.map((r) => r.commands)), versions: versionsOf(reloads), ms: avg(reload), warmMs: avg(warm) },
    };
  } finally {
    await server.stop().catch(() => {});
  }
}

function report(m: ModeResult): boolean {
  const where = m.bus === 'redis' ? `Redis bus, versions in Redis (${new URL(config.redisUrl).host})` : 'in-process bus, versions in memory';
  console.log(heading(`${where}: ${config.rps} req/s, ${config.seconds} s per side`));
  console.log(`  load average ${m.loadBefore} before, ${m.loadAfter} after`);
  let pass = true;
  const rows = m.results.map((r) => {
    const ok = r.real.p95 <= TARGETS.p95Ms && r.real.p95 / r.bare.p95 <= TARGETS.ratioP95 && r.real.failed === 0;
    pass &&= ok;
    return [
      r.name,
      ms(r.bare.p50),
      ms(r.bare.p95),
      ms(r.real.p50),
      ms(r.real.p95),
      ms(r.real.p99),
      ratio(r.real.p95 / r.bare.p95),
      String(r.real.failed),
      `${r.cpuMsPerRequest.bare.toFixed(2)} / ${r.cpuMsPerRequest.real.toFixed(2)}`,
      verdict(ok),
    ];
  });
  console.log(
    table(['scenario', 'bare p50', 'bare p95', 'real p50', 'real p95', 'real p99', 'p95 ratio', 'failed', 'CPU ms/req bare / real', `p95 ≤ ${TARGETS.p95Ms} ms, ratio ≤ ${TARGETS.ratioP95}`], rows),
  );
  console.log('\n  Round trips of the real side over those runs, and the caches (lookups answered from memory)');
  console.log(
    table(
      ['scenario', 'requests', 'db commands / req', 'version reads / req', 'busy hit rate', 'documents hit rate', 'search results hit rate'],
      m.results.map((r) => {
        const requests = r.real.requests - r.real.dropped;
        const kinds = ['physicians', 'clinics', 'clinicLists'].map((k) => r.counted.cache[k] ?? { hits: 0, misses: 0 });
        const docs = { hits: kinds.reduce((n, c) => n + c.hits, 0), misses: kinds.reduce((n, c) => n + c.misses, 0) };
        return [
          r.name,
          String(requests),
          (total(r.counted.commands) / requests).toFixed(3),
          (r.counted.versions.reads / requests).toFixed(3),
          hitRate(r.counted.cache.busy ?? { hits: 0, misses: 0 }),
          hitRate(docs),
          hitRate(r.counted.cache.searches ?? { hits: 0, misses: 0 }),
        ];
      }),
    ),
  );
  console.log(`  db commands by kind: ${m.results.map((r) => `${r.name}: ${JSON.stringify(r.counted.commands)}`).join('; ')}`);
  console.log(`\n  What a booking costs the cache (mean of ${config.bookings})`);
  console.log(`  - its version writes: ${m.booking.versions.bumps} version-store write(s) (${m.bus === 'redis' ? 'one MULTI of SETs in Redis' : 'a counter in memory'}); physician-document updates among its commands: ${m.booking.commands['update physicians'] ?? 0}`);
  console.log(`  - the booking's commands: ${JSON.stringify(m.booking.commands)}`);
  console.log(
    `  - the next slot list (a reload): ${JSON.stringify(m.reload.commands)}, ${m.reload.versions.reads} version read(s); ${ms(m.reload.ms)} ms, against ${ms(m.reload.warmMs)} ms warm`,
  );
  return pass;
}

async function main(): Promise<number> {
  const db = new BenchDatabase(config, `bench_slots_${randomBytes(4).toString('hex')}`);
  try {
    const { uri, dbName, database } = await db.open();
    await seed(database);
    const specialty = await topUpSpecialty(database, config.specialtySize);
    const physician = await busiestPhysician(database);
    const patients = await insertPatients(database, config.bookings * config.buses.length);
    log(`seeded: ${specialty.physicians} ${specialty.specialty} physicians; slots of ${physician.name} (${physician.held} held in 14 days)`);
    const modes: ModeResult[] = [];
    for (const [i, bus] of config.buses.entries()) {
      modes.push(await runMode(bus, uri, dbName, physician, specialty.specialty, patients.slice(i * config.bookings, (i + 1) * config.bookings)));
    }
    let pass = true;
    for (const m of modes) pass = report(m) && pass;
    console.log(`\n${pass ? 'PASS' : 'MISS'}`);
    return 0;
  } finally {
    await db.close(true);
  }
}

if (process.argv[2] === 'serve') {
  serve().catch((err: unknown) => {
    process.send?.({ type: 'error', message: errorMessage(err) } satisfies FromServer);
    process.exit(1);
  });
} else {
  runMain(main);
}
