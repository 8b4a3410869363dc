// npm run bench:slots — the slot list and the physician search served from the slot cache (warm), at a fixed arrival
// rate, next to a bare Fastify route answering the same JSON, precomputed, in the same run; the round trips and the
// cache's hit rate over the real runs; and what a booking costs the cache. See bench/README.md.
//
// The server runs in a process of its own (this file, forked with `serve`), so load generation never shares its
// event loop.
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { benchDeps, buildBenchApp } from './app.ts';
import { errorMessage, next } from './child.ts';
import { BenchDatabase, log, numberFromEnv, runMain } from './common.ts';
import { commandKey, connectMonitored } from './db.ts';
import { getJson, openLoop, send, summarize, type HttpRequest, type RunStats, type Sample } from './load.ts';
import { heading, ms, ratio, table, verdict } from './report.ts';
import { PATIENT_PASSWORD, busiestPhysician, insertPatients, seed, topUpSpecialty } from './setup.ts';

const config = {
  mongoUri: process.env.MONGO_URI || undefined,
  embeddedPostgresUrl: process.env.EMBEDDED_POSTGRES_URL || undefined,
  rps: numberFromEnv('BENCH_RPS', 500),
  /** Measured seconds per scenario and side, in two alternating halves. */
  seconds: numberFromEnv('BENCH_SECONDS', 10),
  specialtySize: 25,
  slotDays: 14,
  bookings: 10,
};
const TARGETS = { p95Ms: 10, ratioP95: 1.5 };
const DAY_MS = 86_400_000;

type ToServer = { type: 'count-start' } | { type: 'count-stop' } | { type: 'bare'; bodies: Record<string, string> } | { type: 'shutdown' };
type FromServer = { type: 'ready'; realPort: number; barePort: number } | { type: 'counted'; commands: Record<string, number> } | { type: 'ok' } | { type: 'error'; message: string };

// ---------------------------------------------------------------------------------------------
// The server process: the real app as the server wires it, and a bare Fastify app answering stored bodies
// ---------------------------------------------------------------------------------------------

async function serve(): Promise<void> {
  const reply = (m: FromServer) => process.send?.(m);
  const database = await connectMonitored(process.env.BENCH_MONGO_URI!, process.env.BENCH_DB_NAME!);
  /** `<command> <collection>` → count, while counting. */
  let counts: Record<string, number> | null = null;
  database.client.on('commandStarted', (e) => {
    if (!counts) return;
    const key = commandKey(e);
    counts[key] = (counts[key] ?? 0) + 1;
  });
  const { app } = await buildBenchApp(database, benchDeps(database, { relaxedLogins: false }));
  // What a response costs with no work behind it: Fastify, routing and a JSON body of the same size.
  const bare = Fastify({ logger: false });
  let bodies: Record<string, string> = {};
  bare.get('/bare/:name', async (req, res) => res.type('application/json').send(bodies[(req.params as { name: string }).name]));
  await app.listen({ port: 0, host: '127.0.0.1' });
  await bare.listen({ port: 0, host: '127.0.0.1' });
  process.on('message', (msg: ToServer) => {
    if (msg.type === 'count-start') {
      counts = {};
      reply({ type: 'ok' });
    } else if (msg.type === 'count-stop') {
      reply({ type: 'counted', commands: counts ?? {} });
      counts = null;
    } else if (msg.type === 'bare') {
      bodies = msg.bodies;
      reply({ type: 'ok' });
    } else if (msg.type === 'shutdown') {
      void Promise.all([app.close(), bare.close()])
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

function startServer(uri: string, dbName: string) {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['serve'], {
    env: { ...process.env, BENCH_MONGO_URI: uri, BENCH_DB_NAME: dbName },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next_ = <T extends FromServer['type']>(type: T) => next<FromServer, T>(child, type, 'bench server');
  const ask = async <T extends FromServer['type']>(msg: ToServer, type: T) => {
    const answer = next_(type);
    child.send(msg);
    return answer;
  };
  return {
    ready: next_('ready'),
    async count(fn: () => Promise<void>): Promise<Record<string, number>> {
      await ask({ type: 'count-start' }, 'ok');
      await fn();
      return (await ask({ type: 'count-stop' }, 'counted')).commands;
    },
    setBare: (bodies: Record<string, string>) => ask({ type: 'bare', bodies }, 'ok'),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.send({ type: 'shutdown' } satisfies ToServer);
      await exited;
    },
  };
}

/** Bare and real alternate in halves, so a drift of the machine during the run is shared by both. */
async function compare(bare: HttpRequest, real: HttpRequest): Promise<{ bare: RunStats; real: RunStats }> {
  const samples: { bare: Sample[]; real: Sample[] } = { bare: [], real: [] };
  const wall = { bare: 0, real: 0 };
  for (let half = 0; half < 2; half++) {
    for (const side of half === 0 ? (['bare', 'real'] as const) : (['real', 'bare'] as const)) {
      const run = await openLoop(() => (side === 'bare' ? bare : real), config.rps, config.seconds / 2);
      samples[side].push(...run.samples);
      wall[side] += run.wallMs;
    }
  }
  return { bare: summarize(samples.bare, wall.bare), real: summarize(samples.real, wall.real) };
}

const sum = (counts: Record<string, number>, pred: (key: string) => boolean) => Object.entries(counts).filter(([k]) => pred(k)).reduce((n, [, v]) => n + v, 0);

async function main(): Promise<number> {
  let server: ReturnType<typeof startServer> | null = null;
  const db = new BenchDatabase(config, `bench_slots_${randomBytes(4).toString('hex')}`);
  try {
    const { uri, dbName, database } = await db.open();
    await seed(database);
    const specialty = await topUpSpecialty(database, config.specialtySize);
    const physician = await busiestPhysician(database);
    const patients = await insertPatients(database, config.bookings);
    log(`seeded: ${specialty.physicians} ${specialty.specialty} physicians; slots of ${physician.name} (${physician.held} held in 14 days)`);

    server = startServer(uri, dbName);
    const { realPort, barePort } = await server.ready;
    const real = `http://127.0.0.1:${realPort}`;
    const bare = `http://127.0.0.1:${barePort}`;
    const from = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000);
    const range = `from=${from.toISOString()}&to=${new Date(from.getTime() + config.slotDays * DAY_MS).toISOString()}`;
    const slotsUrl = `${real}/api/v1/physicians/${physician.id}/slots?${range}`;
    const searchUrl = `${real}/api/v1/physicians?specialty=${specialty.specialty}&limit=${config.specialtySize}`;

    // Warm: the first read of each loads the cache; the bare routes get the very bodies the real ones answer.
    const slotsBody = await send({ method: 'GET', url: slotsUrl });
    const searchBody = await send({ method: 'GET', url: searchUrl });
    if (slotsBody.status !== 200 || searchBody.status !== 200) throw new Error(`warm-up failed: ${slotsBody.status} ${searchBody.status}`);
    await server.setBare({ slots: slotsBody.body, search: searchBody.body });
    log(`slot list: ${(JSON.parse(slotsBody.body) as { slots: unknown[] }).slots.length} slots, ${slotsBody.body.length} bytes; search: ${searchBody.body.length} bytes`);

    const results: { name: string; bare: RunStats; real: RunStats; counts: Record<string, number> }[] = [];
    for (const [name, url, bareName] of [
      ['slot list (14 days)', slotsUrl, 'slots'],
      [`search (${config.specialtySize} physicians, next free slot each)`, searchUrl, 'search'],
    ] as const) {
      let stats: { bare: RunStats; real: RunStats } | null = null;
      const counts = await server.count(async () => {
        stats = await compare({ method: 'GET', url: `${bare}/bare/${bareName}` }, { method: 'GET', url });
      });
      // The bare side sends no commands: every one counted is the real side's.
      results.push({ name, ...stats!, counts });
    }

    // What a booking costs the cache: its own extra write, then one reload at the next read of each process.
    const warm: number[] = [];
    const reload: number[] = [];
    let bookingCounts: Record<string, number> = {};
    let reloadCounts: Record<string, number> = {};
    const offered = (await getJson<{ slots: { start: string }[] }>(slotsUrl)).slots;
    for (let i = 0; i < config.bookings; i++) {
      const login = await send({ method: 'POST', url: `${real}/api/v1/auth/login`, body: { email: patients[i]!.email, password: PATIENT_PASSWORD } });
      const token = (JSON.parse(login.body) as { accessToken: string }).accessToken;
      let t = performance.now();
      await send({ method: 'GET', url: slotsUrl });
      warm.push(performance.now() - t);
      const start = offered[i * 3]!.start;
      const counted = await server.count(async () => {
        const res = await send({ method: 'POST', url: `${real}/api/v1/appointments`, body: { physicianId: physician.id, start, reason: 'Bench' }, token });
        if (res.status !== 200) throw new Error(`booking failed: ${res.status} ${res.body}`);
      });
      for (const [k, v] of Object.entries(counted)) bookingCounts[k] = (bookingCounts[k] ?? 0) + v;
      const afterCounts = await server.count(async () => {
        t = performance.now();
        const after = await getJson<{ slots: { start: string }[] }>(slotsUrl);
        reload.push(performance.now() - t);
        if (after.slots.some((s) => s.start === start)) throw new Error('a booked slot was still offered');
      });
      for (const [k, v] of Object.entries(afterCounts)) reloadCounts[k] = (reloadCounts[k] ?? 0) + v;
    }
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    bookingCounts = Object.fromEntries(Object.entries(bookingCounts).map(([k, v]) => [k, v / config.bookings]));
    reloadCounts = Object.fromEntries(Object.entries(reloadCounts).map(([k, v]) => [k, v / config.bookings]));

    // --- report ---------------------------------------------------------------------------------
    console.log(heading(`Slots and search from the slot cache at ${config.rps} req/s (${config.seconds} s per side)`));
    let pass = true;
    const rows = results.map((r) => {
      const ok = r.real.p95 <= TARGETS.p95Ms && r.real.p95 / r.bare.p95 <= TARGETS.ratioP95 && r.real.failed === 0;
      pass &&= ok;
      return [r.name, ms(r.bare.p50), ms(r.bare.p95), ms(r.real.p50), ms(r.real.p95), ms(r.real.p99), ratio(r.real.p95 / r.bare.p95), String(r.real.failed), verdict(ok)];
    });
    console.log(table(['scenario', 'bare p50', 'bare p95', 'real p50', 'real p95', 'real p99', 'p95 ratio', 'failed', `p95 ≤ ${TARGETS.p95Ms} ms, ratio ≤ ${TARGETS.ratioP95}`], rows));
    console.log(heading('Round trips of the real side over those runs'));
    console.log(
      table(
        ['scenario', 'requests', 'commands / request', 'appointments queries', 'cache hit rate'],
        results.map((r) => {
          const requests = r.real.requests - r.real.dropped;
          const busyQueries = sum(r.counts, (k) => k.endsWith(' appointments'));
          return [r.name, String(requests), (sum(r.counts, () => true) / requests).toFixed(2), String(busyQueries), `${((1 - busyQueries / requests) * 100).toFixed(2)} %`];
        }),
      ),
    );
    console.log(`  commands by kind: ${results.map((r) => `${r.name}: ${JSON.stringify(r.counts)}`).join('; ')}`);
    console.log(heading(`What a booking costs the cache (mean of ${config.bookings})`));
    console.log(`  the booking's commands: ${JSON.stringify(bookingCounts)} (the busy version is one update of the physician)`);
    console.log(`  the next slot list (a reload): ${JSON.stringify(reloadCounts)}; ${ms(avg(reload))} ms, against ${ms(avg(warm))} ms warm`);
    console.log(`\n${pass ? 'PASS' : 'MISS'}`);
    return 0;
  } finally {
    await server?.stop().catch(() => {});
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
