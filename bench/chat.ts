// npm run bench:chat — chat between patient–doctor pairs at an open-loop total rate (default 200 messages/s over 100
// pairs): send-to-receive time at the recipient over tRPC WebSocket (`chat.send` mutation, `chat.onEvent`
// subscription), on one real server process, and on two real processes sharing the database and the Redis event bus
// (sent through one, received on the other); next to a bare `ws` relay at the same rate and frame size, in the same
// run. Every message must reach its recipient exactly once. See bench/README.md.
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { hashPassword } from '@clinic/api';
import { ObjectId, SEED_CLINIC_SLUG, userDoc, type AppointmentDoc, type Database, type PhysicianDoc, type UserDoc } from '@clinic/db';
import { asker, forkChild, forkServer, loopback } from './child.ts';
import { BenchDatabase, log, login, machine, numberFromEnv, runMain, writeResults } from './common.ts';
import { CHAT_ENV, type ConnectResult, type FromClients, type FromServer, type PairPlan, type Role, type RunPlan, type RunResult, type ToClients, type ToServer } from './chat-ipc.ts';
import { mapLimit, percentile, send } from './load.ts';
import { heading, ms, ratio, table, verdict } from './report.ts';
import { PATIENT_PASSWORD, insertPatients, seed } from './setup.ts';

const config = {
  mongoUri: process.env.MONGO_URI || undefined,
  embeddedPostgresUrl: process.env.EMBEDDED_POSTGRES_URL || undefined,
  redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
  /** Patient–doctor pairs per real scenario (each scenario has its own pairs: the per-minute limit is per user). */
  pairs: Math.round(numberFromEnv('BENCH_CHAT_PAIRS', 100)),
  /** Messages per second over all pairs. */
  rate: numberFromEnv('BENCH_CHAT_RATE', 200),
  seconds: numberFromEnv('BENCH_CHAT_SECONDS', 20),
  textChars: Math.round(numberFromEnv('BENCH_CHAT_TEXT', 100)),
  /** After the last send, how long answers and deliveries are waited for. */
  drainMs: numberFromEnv('BENCH_CHAT_DRAIN_S', 60) * 1000,
  /** Sending stops (SATURATED) when more than this many seconds' worth of sends are outstanding. */
  maxOutstandingSeconds: numberFromEnv('BENCH_CHAT_MAX_OUTSTANDING_S', 2),
  concurrency: 50,
};

const TARGET_P99_MS = 300;
const DAY_MS = 86_400_000;
const DOCTOR_PASSWORD = 'bench-doctor-pass';
/** Per user, as CHAT_LIMITS in packages/api/src/modules/chat/chat.service.ts. */
const LIMITS = { perSecond: 5, perMinute: 60 };

// ---------------------------------------------------------------------------------------------
// Child processes
// ---------------------------------------------------------------------------------------------

interface ServerHandle {
  name: string;
  pid: number;
  http: string;
  ws: string;
  /** Database commands since the last call, by `<command> <collection>`. */
  commands(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

async function startServer(name: string, role: Role, env: Record<string, string>): Promise<ServerHandle> {
  const server = await forkServer<ToServer, FromServer>(new URL('./chat-server.ts', import.meta.url), name, { env: { ...env, [CHAT_ENV.role]: role } });
  return {
    name,
    pid: server.pid,
    ...loopback(server.ready.port),
    commands: async () => (await server.ask({ type: 'commands' }, 'commands')).counts,
    stop: server.stop,
  };
}

interface ClientsHandle {
  connect(side: 'real' | 'relay', pairs: PairPlan[]): Promise<ConnectResult>;
  run(plan: RunPlan): Promise<RunResult>;
  status(): Promise<Extract<FromClients, { type: 'status' }>>;
  close(): Promise<void>;
}

function startClients(name: string): ClientsHandle {
  const child = forkChild(new URL('./chat-clients.ts', import.meta.url));
  const ask = asker<ToClients, FromClients>(child, name);
  return {
    connect: async (side, pairs) => (await ask({ type: 'connect', plan: { side, pairs, concurrency: config.concurrency } }, 'connected')).result,
    run: async (plan) => (await ask({ type: 'run', plan }, 'ran')).result,
    status: () => ask({ type: 'status' }, 'status'),
    async close() {
      if (!child.connected) return;
      await Promise.race([ask({ type: 'close' }, 'closed'), sleep(15_000)]).catch(() => {});
      child.kill();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Data: pairs of a patient and a doctor (a user linked to a physician), who have an appointment together
// ---------------------------------------------------------------------------------------------

interface Pair {
  patient: { userId: string; email: string };
  doctor: { userId: string; email: string };
  physicianId: string;
}

/**
 * `n` pairs straight into the database: patients (as setup.ts inserts them), doctor accounts of the clinic, each
 * linked to its own physician (a copy of a seeded physician of the clinic), and one completed appointment of the
 * patient with that physician a month ago (any status lets them chat: chat.service.ts haveMet).
 */
async function insertPairs(database: Database, clinicId: ObjectId, n: number): Promise<Pair[]> {
  const { users, physicians, appointments } = database.cols;
  const proto = await physicians.findOne({ clinicId, active: true });
  if (!proto) throw new Error('the seeded clinic has no active physician');
  const apptProto = await appointments.findOne({ clinicId });
  if (!apptProto) throw new Error('the seeded clinic has no appointment to copy');
  const patients = await insertPatients(database, n);
  const passwordHash = await hashPassword(DOCTOR_PASSWORD);
  const now = new Date();
  const doctors: UserDoc[] = Array.from({ length: n }, (_, i) => ({
    _id: new ObjectId(),
    ...userDoc({ email: `bench.doctor.${i}@clinic.test`, fullName: `Dr. Bench ${i}`, phone: `+97150${String(3_000_000 + i).slice(-7)}`, role: 'doctor' }, passwordHash, now, clinicId),
  }));
  await users.insertMany(doctors);
  const docs: PhysicianDoc[] = doctors.map((d, i) => ({ ...proto, _id: new ObjectId(), userId: d._id, fullName: `Dr. Bench ${i}`, schedule: { ...proto.schedule, overrides: [] }, createdAt: now, updatedAt: now }));
  await physicians.insertMany(docs);
  const monthAgo = Math.floor((now.getTime() - 30 * DAY_MS) / 3_600_000) * 3_600_000;
  const appts: AppointmentDoc[] = patients.map((p, i) => {
    const physician = docs[i]!;
    const _id = new ObjectId();
    const startsAt = new Date(monthAgo);
    const patientId = new ObjectId(p.userId);
    return {
      ...apptProto,
      _id,
      clinicId,
      physicianId: physician._id,
      physicianName: physician.fullName,
      patientId,
      patient: { name: `Bench Patient ${i}`, phone: null, email: p.email },
      slotKey: `${physician._id.toHexString()}|${startsAt.toISOString()}`,
      patientSlotKey: `${p.userId}|${startsAt.toISOString()}`,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 30 * 60_000),
      status: 'completed',
      reason: 'Benchmark visit',
      packageId: null,
      holdExpiresAt: null,
      reminderDueAt: null,
      reminderSentAt: null,
      confirmationDueAt: null,
      cancellation: null,
      history: [{ status: 'completed', at: startsAt, by: null }],
      createdAt: startsAt,
      updatedAt: startsAt,
    };
  });
  await appointments.insertMany(appts);
  return patients.map((p, i) => ({ patient: p, doctor: { userId: doctors[i]!._id.toHexString(), email: doctors[i]!.email! }, physicianId: docs[i]!._id.toHexString() }));
}

/** Signs both in and opens the pair's thread as the patient (REST, POST /chat/threads). */
async function prepare(base: string, pair: Pair): Promise<{ threadId: string; patientToken: string; doctorToken: string }> {
  const patientToken = await login(base, pair.patient.email, PATIENT_PASSWORD);
  const doctorToken = await login(base, pair.doctor.email, DOCTOR_PASSWORD);
  const res = await send({ method: 'POST', url: `${base}/api/v1/chat/threads`, body: { physicianId: pair.physicianId }, token: patientToken });
  if (res.status !== 200) throw new Error(`opening the thread of ${pair.patient.email} → ${res.status}: ${res.body.slice(0, 200)}`);
  return { threadId: (JSON.parse(res.body) as { id: string }).id, patientToken, doctorToken };
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

const slim = (r: RunResult) => {
  const { latency: l, ackLatency: a, ...rest } = r;
  return { ...rest, latency: latency(l), ackLatency: latency(a) };
};

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const startedAt = new Date();
  const t0 = performance.now();
  const P = config.pairs;
  // The per-user limits: one process sends both directions, so each user sends rate / (2P) a second; two processes
  // send the patients' messages only (one writer process per thread), rate / P a second each. Warm-up adds one.
  const perUser = { one: config.rate / (2 * P), two: config.rate / P };
  for (const [what, r] of [
    ['one process (both directions)', perUser.one],
    ['two processes (patients only)', perUser.two],
  ] as const) {
    const perMinute = Math.ceil(r * Math.min(60, config.seconds)) + 1;
    if (r > LIMITS.perSecond || perMinute > LIMITS.perMinute) {
      throw new Error(
        `${what}: ${r.toFixed(2)} messages/s per user for ${config.seconds} s (${perMinute} in a minute) exceeds the chat's per-user limit ` +
          `(${LIMITS.perSecond}/s, ${LIMITS.perMinute}/min): raise BENCH_CHAT_PAIRS or lower BENCH_CHAT_RATE / BENCH_CHAT_SECONDS`,
      );
    }
  }
  const servers: ServerHandle[] = [];
  const gens: ClientsHandle[] = [];
  const db = new BenchDatabase(config, config.mongoUri ? `bench_chat_${randomBytes(5).toString('hex')}` : 'bench_chat');
  try {
    const { uri, dbName, database } = await db.open();
    const engine = await db.describe();

    // --- data -----------------------------------------------------------------------------------
    await seed(database);
    const clinic = await database.cols.clinics.findOne({ slug: SEED_CLINIC_SLUG });
    if (!clinic) throw new Error(`the seed has no clinic ${SEED_CLINIC_SLUG}`);
    const allPairs = await insertPairs(database, clinic._id, 2 * P);
    log(`${2 * P} patient–doctor pairs inserted (${P} for one process, ${P} for two), each doctor linked to a physician, each pair with a past appointment`);

    // The same token key and sealing key for every real process: tokens and sealed messages work on all of them.
    const keys = { BENCH_CHAT_SECRET: randomBytes(32).toString('hex'), BENCH_CHAT_SEAL: randomBytes(32).toString('hex') };
    const dbEnv = { [CHAT_ENV.mongoUri]: uri, [CHAT_ENV.dbName]: dbName, ...keys };
    const single = await startServer('real server', 'real', dbEnv);
    servers.push(single);
    const relay = await startServer('relay', 'relay', {});
    servers.push(relay);
    log(`real server pid ${single.pid} (${single.http}, in-process event bus), relay pid ${relay.pid} (${relay.ws})`);

    const tp = performance.now();
    const prepared = await mapLimit(allPairs, 4, (p) => prepare(single.http, p));
    log(`${4 * P} users signed in and ${2 * P} threads opened in ${((performance.now() - tp) / 1000).toFixed(1)} s`);

    const planOf = (i: number, patientWs: string, doctorWs: string): PairPlan => ({
      threadId: prepared[i]!.threadId,
      patient: { userId: allPairs[i]!.patient.userId, token: prepared[i]!.patientToken, ws: patientWs },
      doctor: { userId: allPairs[i]!.doctor.userId, token: prepared[i]!.doctorToken, ws: doctorWs },
    });
    const runPlan = (label: string, directions: RunPlan['directions'], rate: number, seconds: number, relayFrameBytes = 0): RunPlan => ({
      label,
      rate,
      seconds,
      directions,
      textChars: config.textChars,
      relayFrameBytes,
      drainMs: config.drainMs,
      maxOutstanding: Math.max(50, Math.round(rate * config.maxOutstandingSeconds)),
    });
    const connectAll = async (name: string, gen: ClientsHandle, side: 'real' | 'relay', pairs: PairPlan[]) => {
      const c = await gen.connect(side, pairs);
      log(`${name}: ${c.connected}/${2 * pairs.length} sockets connected${side === 'real' ? ' and subscribed (chat.onEvent)' : ''} in ${(c.wallMs / 1000).toFixed(1)} s${c.errors.length ? ` — ${c.errors.join('; ')}` : ''}`);
      return c;
    };
    const describe = (name: string, r: RunResult) => {
      const l = latency(r.latency);
      const c = r.counts;
      log(
        `${name}: ${c.sent}/${c.scheduled} sent${r.side === 'real' ? `, ${c.acked} stored (${c.failed} failed, ${c.unanswered} unanswered, ${c.rateLimitedRetries} rate-limited and retried)` : ''}, ` +
          `${c.received} received, ${c.lost} lost, ${c.duplicates} duplicate, ${c.wrong} wrong; p50 ${ms(l.p50)} p99 ${ms(l.p99)} max ${ms(l.max)} ms` +
          `${r.saturatedAtMs !== null ? `; SATURATED at ${(r.saturatedAtMs / 1000).toFixed(1)} s` : ''}; send lag ≤ ${ms(r.maxSendLagMs)} ms; load ${loadavg()[0]!.toFixed(1)}` +
          `${r.errors.length ? ` — ${r.errors.slice(0, 3).join('; ')}` : ''}`,
      );
      return r;
    };
    const connects: Record<string, ConnectResult> = {};
    const runs: Record<string, RunResult> = {};

    // --- one process: warm-up (gives the delivered frame's size), relay, real ---------------------------------
    const onePairs = Array.from({ length: P }, (_, i) => planOf(i, single.ws, single.ws));
    const gOne = startClients('load generator (one process)');
    gens.push(gOne);
    connects.one = await connectAll('real, one process', gOne, 'real', onePairs);
    runs.warmOne = describe('real, one process, warm-up', await gOne.run(runPlan('w1', 'both', 20, 2)));
    const frameBytes = runs.warmOne.recvFrameBytes.median;
    if (!frameBytes) throw new Error('the warm-up delivered nothing: no frame size for the relay');
    const gRelay = startClients('load generator (relay)');
    gens.push(gRelay);
    const relayPairs = Array.from({ length: P }, (_, i): PairPlan => ({ threadId: String(i), patient: { userId: `p${i}`, token: '', ws: relay.ws }, doctor: { userId: `d${i}`, token: '', ws: relay.ws } }));
    connects.relay = await connectAll('relay', gRelay, 'relay', relayPairs);

    /** A comparison: the relay at a rate, then the real side at the same rate, same directions. */
    interface Comparison {
      key: string;
      name: string;
      directions: RunPlan['directions'];
      rate: number;
      /** At the issue's rate (judged against the target), or again at half the throughput a saturated run reached. */
      atTarget: boolean;
      relay: RunResult;
      real: RunResult;
      /** Database commands per process over the real run (its drain included), by `<command> <collection>`. */
      commands: { process: string; counts: Record<string, number> }[];
    }
    const comparisons: Comparison[] = [];
    const compare = async (key: string, name: string, gen: ClientsHandle, on: ServerHandle[], directions: RunPlan['directions'], rate: number, atTarget: boolean) => {
      const what = directions === 'both' ? 'both directions' : 'one direction';
      await sleep(1_000);
      const relayRun = describe(`relay (${what}) at ${rate} msg/s`, await gRelay.run(runPlan(`b${key}`, directions, rate, config.seconds, frameBytes)));
      await sleep(1_000);
      await Promise.all(on.map((s) => s.commands()));
      const realRun = describe(`${name} at ${rate} msg/s`, await gen.run(runPlan(`r${key}`, directions, rate, config.seconds)));
      const commands = await Promise.all(on.map(async (s) => ({ process: s.name, counts: await s.commands() })));
      const c: Comparison = { key, name, directions, rate, atTarget, relay: relayRun, real: realRun, commands };
      comparisons.push(c);
      return c;
    };
    /** A saturated run is compared again at half the throughput it reached, a load the machine can carry. */
    const again = async (c: Comparison, gen: ClientsHandle, on: ServerHandle[]) => {
      if (c.real.saturatedAtMs === null) return;
      const rate = Math.max(2, Math.floor(c.real.deliveredPerSecond / 2));
      log(`${c.name} saturated (${c.real.deliveredPerSecond} messages/s delivered): the comparison again at half that, ${rate} msg/s`);
      await compare(`${c.key}h`, c.name, gen, on, c.directions, rate, false);
    };
    await again(await compare('1', 'real, one process', gOne, [single], 'both', config.rate, true), gOne, [single]);
    const statusOne = await gOne.status();
    await gOne.close();
    gens.splice(gens.indexOf(gOne), 1);
    await single.stop();

    // --- two processes over Redis: patients on A (and sending through it), doctors on B -----------------------
    const a = await startServer('real server A', 'real', { ...dbEnv, [CHAT_ENV.redisUrl]: config.redisUrl });
    servers.push(a);
    const b = await startServer('real server B', 'real', { ...dbEnv, [CHAT_ENV.redisUrl]: config.redisUrl });
    servers.push(b);
    log(`real servers A pid ${a.pid} (${a.http}) and B pid ${b.pid} (${b.http}), event bus Redis ${new URL(config.redisUrl).host}`);
    const twoPairs = Array.from({ length: P }, (_, i) => planOf(P + i, a.ws, b.ws));
    const gTwo = startClients('load generator (two processes)');
    gens.push(gTwo);
    connects.two = await connectAll('real, two processes', gTwo, 'real', twoPairs);
    runs.warmTwo = describe('real, two processes, warm-up', await gTwo.run(runPlan('w2', 'patient', 20, 2)));
    await again(await compare('2', 'real, two processes via Redis', gTwo, [a, b], 'patient', config.rate, true), gTwo, [a, b]);
    const statusTwo = await gTwo.status();
    const statusRelay = await gRelay.status();
    await Promise.all(gens.map((g) => g.close()));
    gens.length = 0;
    for (const c of comparisons) {
      runs[`relay${c.key}`] = c.relay;
      runs[`real${c.key}`] = c.real;
    }

    // --- what the database holds: each stored message once ------------------------------------------------
    const stored: Record<string, number> = {};
    for (const c of comparisons) stored[c.key] = await database.cols.chatMessages.countDocuments({ clientMessageId: { $regex: `^r${c.key}-` } });

    // --- report ---------------------------------------------------------------------------------
    const lat = (r: RunResult) => latency(r.latency);
    const dirLabel = (d: RunPlan['directions']) => (d === 'both' ? 'both' : 'patient → doctor');
    console.log(heading(`Chat over ${P} pairs, ${config.seconds} s per run — from a message's due time to its receipt at the recipient, ms`));
    console.log(
      table(
        ['side', 'directions', 'msg/s', 'sent', 'received', 'lost', 'dup', 'delivered/s', 'p50', 'p99', 'max', 'p50 ratio', 'p99 ratio', `p99 < ${TARGET_P99_MS} ms`],
        comparisons.flatMap((c) => {
          const l = lat(c.real);
          const b0 = lat(c.relay);
          const row = (name: string, r: RunResult, ratios: [string, string], target: string) => {
            const x = lat(r);
            return [
              name + (r.saturatedAtMs !== null ? ' SATURATED' : ''),
              dirLabel(c.directions),
              String(c.rate),
              String(r.counts.sent),
              String(r.counts.received),
              String(r.counts.lost),
              String(r.counts.duplicates),
              r.deliveredPerSecond.toFixed(1),
              ms(x.p50),
              ms(x.p99),
              ms(x.max),
              ...ratios,
              target,
            ];
          };
          return [
            row('bare ws relay', c.relay, ['1.00×', '1.00×'], c.atTarget ? verdict(b0.p99 < TARGET_P99_MS) : 'n/a'),
            row(c.name, c.real, [ratio(l.p50 / b0.p50), ratio(l.p99 / b0.p99)], c.atTarget ? verdict(c.real.saturatedAtMs === null && l.p99 < TARGET_P99_MS) : 'n/a'),
          ];
        }),
      ),
    );
    console.log(
      '\n' +
        table(
          ['real side', 'msg/s', 'stored (answered)', 'answered p50', 'p99', 'failed', 'unanswered', '429 retried', 'echoes to sender', 'delivered events', 'in the database'],
          comparisons.map((c) => {
            const a2 = latency(c.real.ackLatency);
            const k = c.real.counts;
            return [c.name, String(c.rate), String(k.acked), ms(a2.p50), ms(a2.p99), String(k.failed), String(k.unanswered), String(k.rateLimitedRetries), `${k.echoes}/${k.acked}`, String(k.deliveredEvents), String(stored[c.key])];
          }),
        ),
    );
    for (const c of comparisons) {
      const k = c.real.counts;
      if (k.echoes < k.acked) console.log(`Note: ${c.name} at ${c.rate} msg/s: ${k.acked - k.echoes} of ${k.acked} messages' copies to their own sender's stream did not arrive within ${config.drainMs / 1000} s (counted apart from the recipients' deliveries).`);
    }
    console.log(heading('Database commands per stored message, over each real run and its drain (by process)'));
    const kinds = [...new Set(comparisons.flatMap((c) => c.commands.flatMap((p) => Object.keys(p.counts))))];
    const totalOf = (k: string) => comparisons.reduce((a, c) => a + c.commands.reduce((b, p) => b + (p.counts[k] ?? 0), 0), 0);
    const top = kinds.sort((x, y) => totalOf(y) - totalOf(x)).slice(0, 12);
    console.log(
      table(
        ['run', 'msg/s', 'process', 'all', ...top],
        comparisons.flatMap((c) =>
          c.commands.map((p) => {
            const per = (n: number) => (c.real.counts.acked ? (n / c.real.counts.acked).toFixed(2) : '-');
            return [c.name, String(c.rate), p.process.replace('real server', '').trim() || 'one', per(Object.values(p.counts).reduce((a, n) => a + n, 0)), ...top.map((k) => per(p.counts[k] ?? 0))];
          }),
        ),
      ),
    );
    const first = comparisons[0]!.real;
    console.log(
      `\nFrames: delivered message event ${first.recvFrameBytes.median} B (relay frames padded to ${frameBytes} B); chat.send request ${first.sentFrameBytes.max} B; text ${config.textChars} characters. ` +
        'Ratios: real / the relay run just before it, same rate and directions. SATURATED: more than ' +
        `${config.maxOutstandingSeconds} s of sends unanswered, sending stopped (every message sent is still checked). The relay is one process; in the two-process ` +
        'runs each message is stored by A and only { stream, seq } crosses Redis, so the followers on both processes read each event again from the database.',
    );
    console.log(
      'Two processes on FerretDB are only safe where they do not write one document at once. Here each thread is written by one process: ' +
        "all its messages are the patient's, sent through A, so the thread's last-message update (touchThread) is A's alone (the per-user rate-limit windows are in Redis); " +
        "B writes the delivered marks of messages A inserted and no longer writes; A appends the messages to both users' event streams, B the delivered marks to the patient's, as new documents whose (stream, seq) " +
        'unique index settles a clash (the loser reads the tail and takes the next number). Both directions through both processes would update one thread document from both: not done.',
    );

    const realRuns: [string, RunResult][] = [
      ['real, one process, warm-up', runs.warmOne],
      ['real, two processes, warm-up', runs.warmTwo],
      ...comparisons.flatMap((c): [string, RunResult][] => [
        [`relay (${c.directions === 'both' ? 'both directions' : 'one direction'}) at ${c.rate} msg/s`, c.relay],
        [`${c.name} at ${c.rate} msg/s`, c.real],
      ]),
    ];
    const checks = [
      ...(['one', 'relay', 'two'] as const).map((k) => ({ name: `${k === 'relay' ? 'relay' : `real, ${k} process${k === 'two' ? 'es' : ''}`}: all ${2 * P} sockets connected`, ok: connects[k]!.connected === 2 * P, detail: `${connects[k]!.connected} (${connects[k]!.failed} failed)` })),
      ...realRuns.map(([name, r]) => {
        const c = r.counts;
        const expected = r.side === 'real' ? c.acked : c.sent;
        return {
          name: `${name}: every ${r.side === 'real' ? 'stored' : 'sent'} message received once by its recipient, nothing else`,
          ok: c.lost === 0 && c.duplicates === 0 && c.wrong === 0 && c.received === expected && c.failed === 0 && c.unanswered === 0 && c.echoDuplicates === 0 && c.sent > 0,
          detail: `${c.received}/${expected} received, ${c.lost} lost, ${c.duplicates} dup, ${c.wrong} wrong${r.side === 'real' ? `, ${c.failed} failed, ${c.unanswered} unanswered, ${c.echoDuplicates} echo dup` : ''}`,
        };
      }),
      ...comparisons.map((c) => ({ name: `${c.name} at ${c.rate} msg/s: the database holds each answered message once`, ok: stored[c.key] === c.real.counts.acked, detail: `${stored[c.key]} stored, ${c.real.counts.acked} answered` })),
      ...(
        [
          ['one process', statusOne],
          ['two processes', statusTwo],
          ['relay', statusRelay],
        ] as const
      ).map(([name, s]) => ({ name: `${name}: every socket still open at the end`, ok: s.open === 2 * P && s.closed === 0, detail: `${s.open} open, ${s.closed} closed` })),
    ];
    const targets = comparisons
      .filter((c) => c.atTarget)
      .map((c) => {
        const l = lat(c.real);
        return { name: `${c.name}: p99 < ${TARGET_P99_MS} ms at ${c.rate} msg/s`, ok: c.real.saturatedAtMs === null && l.p99 < TARGET_P99_MS, value: `${ms(l.p99)} ms${c.real.saturatedAtMs !== null ? ' (saturated)' : ''}` };
      });
    console.log(heading('Targets'));
    console.log(table(['target', 'measured', ''], targets.map((t) => [t.name, t.value, verdict(t.ok)])));
    console.log(heading('Checks'));
    console.log(table(['check', 'result', 'detail'], checks.map((c) => [c.name, c.ok ? 'ok' : 'FAILED', c.detail])));

    const meta = {
      startedAt: startedAt.toISOString(),
      totalSeconds: Math.round((performance.now() - t0) / 1000),
      ...machine(),
      loadAverageAtEnd: loadavg(),
      database: engine,
      redis: new URL(config.redisUrl).host,
      pairs: P,
      rate: config.rate,
      seconds: config.seconds,
      textChars: config.textChars,
      perUserRate: perUser,
      frameBytes,
    };
    const out = {
      meta,
      comparisons: comparisons.map((c) => ({
        key: c.key,
        name: c.name,
        directions: c.directions,
        rate: c.rate,
        atTarget: c.atTarget,
        relay: slim(c.relay),
        real: slim(c.real),
        ratios: { p50: lat(c.real).p50 / lat(c.relay).p50, p99: lat(c.real).p99 / lat(c.relay).p99, max: lat(c.real).max / lat(c.relay).max },
        storedInDatabase: stored[c.key],
        commands: c.commands,
      })),
      warmUps: { one: slim(runs.warmOne), two: slim(runs.warmTwo) },
      connects,
      targets,
      checks,
    };
    writeResults('chat.json', out);
    console.log(`\n${meta.database}, Redis ${meta.redis}, Node ${meta.node}, ${meta.cpus} CPUs (${meta.cpuModel}); ${meta.totalSeconds} s in all. Results: bench/results/chat.json`);
    return checks.every((c) => c.ok) ? 0 : 1;
  } finally {
    await Promise.all(gens.map((g) => g.close().catch(() => {})));
    await Promise.all(servers.map((s) => s.stop().catch(() => {})));
    await db.close(Boolean(config.mongoUri));
  }
}

runMain(main);
