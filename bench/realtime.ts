// npm run bench:realtime — one event fanned out to N (default 10,000) WebSocket subscribers of the real server
// (tRPC `agenda.onChange`), next to a bare `ws` server broadcasting a frame of the same size, in the same run: delivery
// p50/p99/max and the servers' RSS per idle connection. See bench/README.md.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { hashPassword } from '@clinic/api';
import { ObjectId, SEED_CLINIC_SLUG, userDoc, type Database, type UserDoc } from '@clinic/db';
import { asker, forkChild, forkServer, loopback } from './child.ts';
import { BenchDatabase, RESULTS_DIR, log, login, machine, numberFromEnv, runMain, writeResults } from './common.ts';
import { getJson, mapLimit, percentile } from './load.ts';
import {
  BARE_BROADCAST_PATH,
  RT_ENV,
  type ConnectPlan,
  type ConnectResult,
  type FromClients,
  type FromServer,
  type HeapCensus,
  type Memory,
  type RoundResult,
  type Side,
  type ToClients,
  type ToServer,
  type Trigger,
} from './realtime-ipc.ts';
import { heading, ms, ratio, table, verdict } from './report.ts';
import { PATIENT_PASSWORD, SEED_PASSWORD, insertPatients, seed } from './setup.ts';

const config = {
  mongoUri: process.env.MONGO_URI || undefined,
  embeddedPostgresUrl: process.env.EMBEDDED_POSTGRES_URL || undefined,
  /** WebSocket connections per side. */
  clients: Math.round(numberFromEnv('BENCH_WS_CLIENTS', 10_000)),
  /** Measured fan-outs per side (after one warm-up each). */
  events: Math.round(numberFromEnv('BENCH_WS_EVENTS', 5)),
  /** Connections being opened (and subscribed) at once, per load generator. */
  concurrency: Math.round(numberFromEnv('BENCH_WS_CONCURRENCY', 100)),
  /** Staff accounts of the clinic whose access tokens the real side's connections use in turn. */
  staff: Math.round(numberFromEnv('BENCH_WS_STAFF', 10)),
  /** How long a round waits for every client's frame. */
  roundTimeoutMs: numberFromEnv('BENCH_WS_TIMEOUT_S', 60) * 1000,
  /** Write a CPU profile of the real server over the measured fan-outs, and print its hottest functions. */
  profile: process.env.BENCH_WS_PROFILE === '1',
  /**
   * Heap snapshots of both servers before the connections and once idle, and what the connections added per
   * connection by constructor. Parsing a snapshot inflates the server's RSS: that run's RSS figures mean nothing.
   */
  heap: process.env.BENCH_WS_HEAP === '1',
  /** Quiet time after the last connection before the idle memory is read. */
  settleMs: 3_000,
};

const TARGETS = { p99Ms: 300, bytesPerConnection: 20_000 };
const DAY_MS = 86_400_000;
const STAFF_PASSWORD = 'bench-staff-pass';

// ---------------------------------------------------------------------------------------------
// Limits: every connection is a file descriptor in the load generator and one in the server
// ---------------------------------------------------------------------------------------------

function openFileLimit(): { soft: number; hard: number } | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const [soft, hard] = line?.replace('Max open files', '').trim().split(/\s+/) ?? [];
    const num = (v: string | undefined) => (v === 'unlimited' ? Number.POSITIVE_INFINITY : Number(v));
    return soft && hard ? { soft: num(soft), hard: num(hard) } : null;
  } catch {
    return null;
  }
}

function portRange(): number | null {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return lo !== undefined && hi !== undefined ? hi - lo + 1 : null;
  } catch {
    return null;
  }
}

/** Room for the database client, the HTTP agent and Node's own descriptors. */
const FD_MARGIN = 200;

function checkLimits(n: number): { openFiles: { soft: number; hard: number } | null; ports: number | null } {
  const openFiles = openFileLimit();
  if (openFiles && n + FD_MARGIN > openFiles.soft) {
    throw new Error(
      `BENCH_WS_CLIENTS=${n} needs about ${n + FD_MARGIN} open files per process, but the limit is ${openFiles.soft} ` +
        `(hard ${openFiles.hard}). npm run bench:realtime raises the soft limit to the hard one; beyond that raise the hard limit ` +
        `(as root: ulimit -Hn, /etc/security/limits.conf, or the container's nofile) or run with BENCH_WS_CLIENTS ≤ ${Math.max(0, openFiles.soft - FD_MARGIN)}.`,
    );
  }
  // Connections of one load generator go to one server address and port: each needs its own ephemeral port.
  const ports = portRange();
  if (ports !== null && n > ports - 1_000) {
    throw new Error(`BENCH_WS_CLIENTS=${n} needs ${n} ephemeral ports to one server, but net.ipv4.ip_local_port_range has ${ports}`);
  }
  return { openFiles, ports };
}

// ---------------------------------------------------------------------------------------------
// Child processes
// ---------------------------------------------------------------------------------------------

interface ServerHandle {
  side: Side;
  pid: number;
  http: string;
  ws: string;
  memory(): Promise<Memory>;
  cpuMs(): Promise<number>;
  heap(file: string): Promise<HeapCensus>;
  profileStart(): Promise<void>;
  profileStop(file: string): Promise<Extract<FromServer, { type: 'profiled' }>>;
  stop(): Promise<void>;
}

async function startServer(side: Side, env: Record<string, string>): Promise<ServerHandle> {
  const server = await forkServer<ToServer, FromServer>(new URL('./realtime-server.ts', import.meta.url), `${side} server`, {
    env: { ...env, [RT_ENV.role]: side },
    execArgv: [...process.execArgv, '--expose-gc'],
  });
  const { ask } = server;
  return {
    side,
    pid: server.pid,
    ...loopback(server.ready.port),
    memory: async () => (await ask({ type: 'memory' }, 'memory')).memory,
    cpuMs: async () => (await ask({ type: 'cpu' }, 'cpu')).ms,
    heap: async (file) => (await ask({ type: 'heap', file }, 'heap')).census,
    profileStart: async () => void (await ask({ type: 'profile-start' }, 'profiling')),
    profileStop: (file) => ask({ type: 'profile-stop', file }, 'profiled'),
    stop: server.stop,
  };
}

interface ClientsHandle {
  connect(plan: ConnectPlan): Promise<ConnectResult>;
  round(round: number, trigger: Trigger): Promise<RoundResult>;
  status(): Promise<Extract<FromClients, { type: 'status' }>>;
  close(): Promise<void>;
}

function startClients(side: Side): ClientsHandle {
  const child = forkChild(new URL('./realtime-clients.ts', import.meta.url));
  const ask = asker<ToClients, FromClients>(child, `${side} load generator`);
  return {
    connect: async (plan) => (await ask({ type: 'connect', plan }, 'connected')).result,
    round: async (round, trigger) => (await ask({ type: 'round', round, trigger, timeoutMs: config.roundTimeoutMs }, 'round')).result,
    status: () => ask({ type: 'status' }, 'status'),
    async close() {
      if (child.exitCode !== null) return;
      await Promise.race([ask({ type: 'close' }, 'closed'), sleep(30_000)]).catch(() => {});
      child.kill();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Data: staff of one clinic, patients, free slots at that clinic
// ---------------------------------------------------------------------------------------------

/** Staff accounts of the clinic beyond the seeded ones (admin, reception, nurse), up to `total`. */
async function insertStaff(database: Database, clinicId: ObjectId, total: number): Promise<{ email: string; password: string }[]> {
  const seeded = (await database.cols.users.find({ clinicId, role: { $in: ['staff', 'admin'] } }).toArray()).map((u) => ({ email: u.email!, password: SEED_PASSWORD }));
  const missing = Math.max(0, total - seeded.length);
  const passwordHash = await hashPassword(STAFF_PASSWORD);
  const now = new Date();
  const docs: UserDoc[] = Array.from({ length: missing }, (_, i) => ({
    _id: new ObjectId(),
    ...userDoc({ email: `bench.staff.${i}@clinic.test`, fullName: `Bench Staff ${i}`, phone: `+97150${String(2_000_000 + i).slice(-7)}`, role: 'staff' }, passwordHash, now, clinicId),
  }));
  if (docs.length) await database.cols.users.insertMany(docs);
  return [...seeded.slice(0, total), ...docs.map((d) => ({ email: d.email!, password: STAFF_PASSWORD }))];
}

/** Free slots of the clinic's physicians (no two of one physician within its buffer), interleaved across physicians. */
async function freeSlots(database: Database, base: string, clinicId: ObjectId, n: number): Promise<{ physicianId: string; start: string }[]> {
  const physicians = await database.cols.physicians.find({ clinicId, active: true }).toArray();
  const from = new Date(Date.now() + 3 * 3_600_000);
  const to = new Date(from.getTime() + 14 * DAY_MS);
  const lists = await mapLimit(physicians, 2, async (p) => {
    const id = p._id.toHexString();
    const { slots } = await getJson<{ slots: { start: string; end: string }[] }>(`${base}/api/v1/physicians/${id}/slots?from=${from.toISOString()}&to=${to.toISOString()}`);
    const kept: { physicianId: string; start: string; endMs: number }[] = [];
    for (const s of slots) {
      const last = kept.at(-1);
      if (!last || Date.parse(s.start) >= last.endMs + p.schedule.bufferMinutes * 60_000) kept.push({ physicianId: id, start: s.start, endMs: Date.parse(s.end) });
    }
    return kept;
  });
  const out: { physicianId: string; start: string }[] = [];
  for (let i = 0; out.length < n && lists.some((l) => i < l.length); i++) {
    for (const l of lists) if (l[i] && out.length < n) out.push({ physicianId: l[i]!.physicianId, start: l[i]!.start });
  }
  if (out.length < n) throw new Error(`only ${out.length} free slots at the clinic, ${n} needed`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------------

interface Latency {
  samples: number;
  p50: number;
  p99: number;
  max: number;
}

function latency(values: readonly number[]): Latency {
  const sorted = [...values].sort((a, b) => a - b);
  return { samples: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? Number.NaN };
}

interface SideResult {
  side: Side;
  connect: ConnectResult;
  memory: { before: Memory; idle: Memory; rssPerConnection: number; heapPerConnection: number };
  warmUp: RoundResult;
  rounds: RoundResult[];
  /** Pooled over the measured rounds. */
  fromSend: Latency;
  fromAt: Latency;
  byRound: { round: number; received: number; fromSend: Latency; fromAt: Latency; triggerMs: number }[];
}

const kb = (bytes: number) => (Number.isFinite(bytes) ? `${(bytes / 1000).toFixed(1)} KB` : '-');
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
/** Percentiles and rounds without the per-client arrays, for the JSON. */
const slim = (r: RoundResult) => ({ ...r, fromSend: latency(r.fromSend), fromAt: latency(r.fromAt) });

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const startedAt = new Date();
  const t0 = performance.now();
  const limits = checkLimits(config.clients);
  log(
    `${config.clients} clients per side; open files limit ${limits.openFiles ? `${limits.openFiles.soft} (hard ${limits.openFiles.hard})` : 'unknown'}, ` +
      `ephemeral ports ${limits.ports ?? 'unknown'}`,
  );
  const servers: ServerHandle[] = [];
  const loadGens: ClientsHandle[] = [];
  const db = new BenchDatabase(config, config.mongoUri ? `bench_rt_${randomBytes(5).toString('hex')}` : 'bench_rt');

  try {
    const { uri, dbName, database } = await db.open();
    const engine = await db.describe();

    // --- data -----------------------------------------------------------------------------------
    await seed(database);
    const clinic = await database.cols.clinics.findOne({ slug: SEED_CLINIC_SLUG });
    if (!clinic) throw new Error(`the seed has no clinic ${SEED_CLINIC_SLUG}`);
    const staff = await insertStaff(database, clinic._id, config.staff);
    const patients = await insertPatients(database, config.events + 1);

    const real = await startServer('real', { [RT_ENV.mongoUri]: uri, [RT_ENV.dbName]: dbName });
    servers.push(real);
    const bare = await startServer('bare', {});
    servers.push(bare);
    log(`real server pid ${real.pid} (${real.http}), bare ws server pid ${bare.pid} (${bare.http})`);

    const staffTokens = await mapLimit(staff, 2, (s) => login(real.http, s.email, s.password));
    const patientTokens = await mapLimit(patients, 2, (p) => login(real.http, p.email, PATIENT_PASSWORD));
    const slots = await freeSlots(database, real.http, clinic._id, config.events + 1);
    log(`${clinic.name}: ${staffTokens.length} staff signed in (their tokens used in turn by the real side's connections); ${slots.length} free slots to book`);

    // --- connect: real, then bare; memory before and once connected and idle ---------------------
    const sides = { real, bare };
    const gens = { real: startClients('real'), bare: startClients('bare') };
    loadGens.push(gens.real, gens.bare);
    const connected = {} as Record<Side, ConnectResult>;
    const memory = {} as Record<Side, SideResult['memory']>;
    mkdirSync(RESULTS_DIR, { recursive: true });
    const heapGrowth = {} as Record<Side, { what: string; perConnection: number; bytesPerConnection: number }[]>;
    for (const side of ['real', 'bare'] as const) {
      const server = sides[side];
      const before = await server.memory();
      const heapBefore = config.heap ? await server.heap(join(RESULTS_DIR, `realtime-${side}-before.heapsnapshot`)) : null;
      log(`${side}: RSS before connections ${mb(before.rss)} (heap ${mb(before.heapUsed)}); opening ${config.clients} connections, ${config.concurrency} at a time`);
      const result = await gens[side].connect({ side, baseUrl: server.ws, clients: config.clients, concurrency: config.concurrency, tokens: staffTokens });
      connected[side] = result;
      log(
        `${side}: ${result.connected}/${config.clients} connected${side === 'real' ? ' and subscribed' : ''} in ${(result.wallMs / 1000).toFixed(1)} s ` +
          `(${(result.connected / (result.wallMs / 1000)).toFixed(0)}/s), ${result.failed} failed, ${result.retries} retried${result.errors.length ? ` — ${result.errors.join('; ')}` : ''}`,
      );
      await sleep(config.settleMs);
      const idle = await server.memory();
      const n = Math.max(1, idle.sockets);
      memory[side] = { before, idle, rssPerConnection: (idle.rss - before.rss) / n, heapPerConnection: (idle.heapUsed - before.heapUsed) / n };
      log(`${side}: RSS idle ${mb(idle.rss)} with ${idle.sockets} sockets → ${kb(memory[side].rssPerConnection)} per connection (heap ${kb(memory[side].heapPerConnection)})`);
      if (heapBefore) {
        const heapIdle = await server.heap(join(RESULTS_DIR, `realtime-${side}-idle.heapsnapshot`));
        heapGrowth[side] = Object.entries(heapIdle)
          .map(([what, v]) => ({ what, perConnection: (v.count - (heapBefore[what]?.count ?? 0)) / n, bytesPerConnection: (v.bytes - (heapBefore[what]?.bytes ?? 0)) / n }))
          .sort((a, b) => b.bytesPerConnection - a.bytesPerConnection)
          .slice(0, 40);
      }
    }

    // --- fan-outs: a warm-up each (the real one tells the frame size), then baseline and real in turns -----------
    let frameBytes = 0;
    const trigger = (side: Side, round: number): Trigger => {
      if (side === 'bare') return { url: `${bare.http}${BARE_BROADCAST_PATH}`, body: { round, bytes: frameBytes } };
      const slot = slots[round]!;
      return { url: `${real.http}/api/v1/appointments`, body: { physicianId: slot.physicianId, start: slot.start, reason: 'Benchmark booking' }, token: patientTokens[round]! };
    };
    const rounds: Record<Side, RoundResult[]> = { real: [], bare: [] };
    const warmUp = {} as Record<Side, RoundResult>;
    /** Server CPU (user + system) per round: steadier than latency on a shared machine, which only delays it. */
    const cpu: Record<Side, number[]> = { real: [], bare: [] };
    const runRound = async (side: Side, round: number) => {
      const cpuBefore = await sides[side].cpuMs();
      const r = await gens[side].round(round, trigger(side, round));
      const cpuMs = (await sides[side].cpuMs()) - cpuBefore;
      if (round > 0) cpu[side].push(cpuMs);
      const s = latency(r.fromSend);
      const a = latency(r.fromAt);
      log(
        `${side} ${round === 0 ? 'warm-up' : `event ${round}`}: ${r.received}/${r.expected} received (${r.frameBytes.max} B frames), trigger ${r.status} in ${ms(r.triggerMs)} ms; ` +
          `server CPU ${ms(cpuMs)} ms; from send p50 ${ms(s.p50)} p99 ${ms(s.p99)} max ${ms(s.max)} ms; from at p50 ${ms(a.p50)} p99 ${ms(a.p99)} max ${ms(a.max)} ms` +
          `${r.wrong || r.duplicates ? `; ${r.wrong} wrong, ${r.duplicates} duplicate` : ''}${r.errors.length ? ` — ${r.errors.join('; ')}` : ''}`,
      );
      return r;
    };
    warmUp.real = await runRound('real', 0);
    frameBytes = warmUp.real.frameBytes.max;
    if (!frameBytes) throw new Error('the real warm-up delivered nothing: no frame size for the bare server');
    warmUp.bare = await runRound('bare', 0);
    if (config.profile) await Promise.all([real.profileStart(), bare.profileStart()]);
    for (let round = 1; round <= config.events; round++) {
      await sleep(500);
      rounds.bare.push(await runRound('bare', round));
      await sleep(500);
      rounds.real.push(await runRound('real', round));
    }
    const profile = config.profile
      ? { real: await real.profileStop(join(RESULTS_DIR, 'realtime-real.cpuprofile')), bare: await bare.profileStop(join(RESULTS_DIR, 'realtime-bare.cpuprofile')) }
      : null;
    const status = { real: await gens.real.status(), bare: await gens.bare.status() };
    const after = { real: await real.memory(), bare: await bare.memory() };
    await Promise.all(loadGens.map((g) => g.close()));
    loadGens.length = 0;

    // --- report ---------------------------------------------------------------------------------
    const sideResult = (side: Side): SideResult => ({
      side,
      connect: connected[side],
      memory: memory[side],
      warmUp: warmUp[side],
      rounds: rounds[side],
      fromSend: latency(rounds[side].flatMap((r) => r.fromSend)),
      fromAt: latency(rounds[side].flatMap((r) => r.fromAt)),
      byRound: rounds[side].map((r) => ({ round: r.round, received: r.received, fromSend: latency(r.fromSend), fromAt: latency(r.fromAt), triggerMs: r.triggerMs })),
    });
    const results = { real: sideResult('real'), bare: sideResult('bare') };

    const n = config.clients;
    const checks = [
      ...(['real', 'bare'] as const).map((side) => ({
        name: `${side}: all ${n} connections open${side === 'real' ? ' and subscribed' : ''}`,
        ok: connected[side].connected === n,
        detail: `${connected[side].connected} (${connected[side].failed} failed)`,
      })),
      ...(['real', 'bare'] as const).flatMap((side) =>
        [warmUp[side], ...rounds[side]].map((r) => ({
          name: `${side} ${r.round === 0 ? 'warm-up' : `event ${r.round}`}: all ${n} received it, once, and nothing else`,
          ok: r.status === 200 && r.received === n && r.wrong === 0 && r.duplicates === 0,
          detail: `${r.received}/${n}, status ${r.status}, ${r.wrong} wrong, ${r.duplicates} duplicate`,
        })),
      ),
      ...(['real', 'bare'] as const).map((side) => ({
        name: `${side}: every connection still open at the end, no stray frames`,
        ok: status[side].open === n && status[side].closed === 0 && status[side].unexpected === 0,
        detail: `${status[side].open} open, ${status[side].closed} closed, ${status[side].unexpected} stray`,
      })),
    ];
    const targets = [
      { name: `real p99 from the booking's send < ${TARGETS.p99Ms} ms`, ok: results.real.fromSend.p99 < TARGETS.p99Ms, value: `${ms(results.real.fromSend.p99)} ms` },
      { name: `real p99 from the event's storage (at) < ${TARGETS.p99Ms} ms`, ok: results.real.fromAt.p99 < TARGETS.p99Ms, value: `${ms(results.real.fromAt.p99)} ms` },
      {
        name: `real RSS per idle connection < ${kb(TARGETS.bytesPerConnection)}`,
        ok: results.real.memory.rssPerConnection < TARGETS.bytesPerConnection,
        value: kb(results.real.memory.rssPerConnection),
      },
    ];

    console.log(heading(`Fan-out of one event to ${n} WebSocket subscribers — ${config.events} events per side, ms`));
    const row = (r: SideResult, from: 'fromSend' | 'fromAt') => [
      `${r.side === 'real' ? 'real (tRPC agenda.onChange)' : 'bare ws broadcast'}`,
      from === 'fromSend' ? 'trigger sent' : 'event at',
      `${r.rounds.reduce((a, x) => a + x.received, 0)}/${n * config.events}`,
      ms(r[from].p50),
      ms(r[from].p99),
      ms(r[from].max),
    ];
    console.log(
      table(
        ['side', 'from', 'received', 'p50', 'p99', 'max'],
        [row(results.bare, 'fromSend'), row(results.real, 'fromSend'), row(results.bare, 'fromAt'), row(results.real, 'fromAt')],
      ),
    );
    console.log(
      '\n' +
        table(
          ['ratio real/bare', 'p50', 'p99', 'max'],
          (['fromSend', 'fromAt'] as const).map((from) => [
            from === 'fromSend' ? 'from trigger sent' : 'from event at',
            ratio(results.real[from].p50 / results.bare[from].p50),
            ratio(results.real[from].p99 / results.bare[from].p99),
            ratio(results.real[from].max / results.bare[from].max),
          ]),
        ),
    );
    console.log(
      '\n' +
        table(
          ['by event', 'real p50', 'real p99', 'real max', 'bare p50', 'bare p99', 'bare max', 'booking answered', 'real CPU', 'bare CPU'],
          results.real.byRound.map((r, i) => {
            const b = results.bare.byRound[i]!;
            return [
              `event ${r.round} (from sent)`,
              ms(r.fromSend.p50),
              ms(r.fromSend.p99),
              ms(r.fromSend.max),
              ms(b.fromSend.p50),
              ms(b.fromSend.p99),
              ms(b.fromSend.max),
              `${ms(r.triggerMs)} ms`,
              `${ms(cpu.real[i]!)} ms`,
              `${ms(cpu.bare[i]!)} ms`,
            ];
          }),
        ),
    );
    const cpuMedian = (side: Side) => percentile([...cpu[side]].sort((a, b) => a - b), 50);
    console.log(
      `Server CPU per fan-out (user + system, median of ${config.events}; the real one includes the booking): real ${ms(cpuMedian('real'))} ms, ` +
        `bare ${ms(cpuMedian('bare'))} ms (${ratio(cpuMedian('real') / cpuMedian('bare'))})`,
    );

    console.log(heading('Memory of the server process (after a full GC), per idle connection'));
    console.log(
      table(
        ['server', 'connections', 'RSS before', 'RSS idle', 'RSS / conn', 'heap / conn', 'heap committed / conn', 'new space idle', 'RSS after events', 'connect time'],
        (['real', 'bare'] as const).map((side) => {
          const m = results[side].memory;
          return [
            side,
            String(m.idle.sockets),
            mb(m.before.rss),
            mb(m.idle.rss),
            kb(m.rssPerConnection),
            kb(m.heapPerConnection),
            kb((m.idle.heapTotal - m.before.heapTotal) / Math.max(1, m.idle.sockets)),
            mb(m.idle.newSpace),
            mb(after[side].rss),
            `${(connected[side].wallMs / 1000).toFixed(1)} s`,
          ];
        }),
      ),
    );
    for (const side of ['real', 'bare'] as const) {
      const rows = heapGrowth[side];
      if (!rows) continue;
      const total = rows.reduce((a, r) => a + r.bytesPerConnection, 0);
      console.log(`\n${side}: heap growth per connection by node type:name (heap snapshots before / idle; top ${rows.length} sum to ${kb(total)})`);
      console.log(table(['type:name', 'count / conn', 'bytes / conn'], rows.slice(0, side === 'real' ? 25 : 10).map((r) => [r.what, r.perConnection.toFixed(2), r.bytesPerConnection.toFixed(0)])));
    }
    console.log(`RSS ratio real/bare per connection: ${ratio(results.real.memory.rssPerConnection / results.bare.memory.rssPerConnection)}; frame ${frameBytes} B`);

    if (profile) {
      for (const [side, p, rows] of [['real', profile.real, 20], ['bare', profile.bare, 8]] as const) {
        console.log(heading(`${side} server CPU profile over the ${config.events} measured events: ${p.busyMs} ms busy of ${p.totalMs} ms, by self time`));
        console.log(
          table(
            ['function', 'where', 'self ms', 'share of busy'],
            p.top.slice(0, rows).map((h) => [h.fn, h.where, ms(h.selfMs), `${(h.share * 100).toFixed(1)}%`]),
          ),
        );
        console.log(`Profile: ${p.file} (open in Chrome DevTools → Performance, or VS Code)`);
      }
    }

    console.log(heading('Targets'));
    console.log(table(['target', 'measured', ''], targets.map((t) => [t.name, t.value, verdict(t.ok)])));
    console.log(heading('Checks'));
    console.log(table(['check', 'result', 'detail'], checks.map((c) => [c.name, c.ok ? 'ok' : 'FAILED', c.detail])));

    const meta = {
      startedAt: startedAt.toISOString(),
      totalSeconds: Math.round((performance.now() - t0) / 1000),
      ...machine(),
      database: engine,
      clients: n,
      events: config.events,
      concurrency: config.concurrency,
      staffTokens: staffTokens.length,
      frameBytes,
      limits,
    };
    const out = {
      meta,
      real: { ...results.real, warmUp: slim(results.real.warmUp), rounds: results.real.rounds.map(slim), memoryAfterEvents: after.real },
      bare: { ...results.bare, warmUp: slim(results.bare.warmUp), rounds: results.bare.rounds.map(slim), memoryAfterEvents: after.bare },
      cpuMsPerFanOut: cpu,
      ratios: {
        cpuPerFanOut: cpuMedian('real') / cpuMedian('bare'),
        fromSend: { p50: results.real.fromSend.p50 / results.bare.fromSend.p50, p99: results.real.fromSend.p99 / results.bare.fromSend.p99 },
        fromAt: { p50: results.real.fromAt.p50 / results.bare.fromAt.p50, p99: results.real.fromAt.p99 / results.bare.fromAt.p99 },
        rssPerConnection: results.real.memory.rssPerConnection / results.bare.memory.rssPerConnection,
      },
      profile,
      heapGrowth: config.heap ? heapGrowth : null,
      targets,
      checks,
    };
    writeResults('realtime.json', out);
    console.log(`\n${meta.database}, Node ${meta.node}, ${meta.cpus} CPUs (${meta.cpuModel}); ${meta.totalSeconds} s in all. Results: bench/results/realtime.json`);
    return checks.every((c) => c.ok) ? 0 : 1;
  } finally {
    await Promise.all(loadGens.map((g) => g.close().catch(() => {})));
    await Promise.all(servers.map((s) => s.stop().catch(() => {})));
    await db.close(Boolean(config.mongoUri));
  }
}

runMain(main);
