// The chat bench's load generator (forked by chat.ts): connects both sides of every pair over WebSocket — real side:
// the raw tRPC WebSocket protocol (connectionParams with the access token, then a `chat.onEvent` subscription with no
// input, i.e. from now on), relay side: a plain socket per participant — then sends messages on an open-loop schedule
// over the sender's own socket (real: a tRPC `chat.send` mutation with a clientMessageId; relay: a frame the relay
// forwards to the pair's other socket) and times each message at its recipient, in this one process and clock.
import { performance } from 'node:perf_hooks';
import { WebSocket, type RawData } from 'ws';
import { answerRunner, asBuffer, attempt, closeSockets } from './ws-clients.ts';
import type { ConnectPlan, ConnectResult, Counts, FromClients, PairPlan, RunPlan, RunResult, ToClients } from './chat-ipc.ts';

const CONNECT_TIMEOUT_MS = 60_000;
const MAX_ERRORS = 8;
/** A send refused by the rate limit goes again (same clientMessageId) after this long. */
const RATE_LIMIT_RETRY_MS = 1_000;
/** Frames that arrive this long after the run's last expected one still count (as duplicates or strays). */
const AFTERGLOW_MS = 300;
const SUBSCRIPTION_ID = 1;

type Side = 'patient' | 'doctor';

interface Sock {
  ws: WebSocket;
  pair: number;
  side: Side;
  userId: string;
  /** tRPC request ids of this socket's sends in flight → message index. */
  pending: Map<number, number>;
  nextId: number;
}

interface Msg {
  pair: number;
  from: Side;
  due: number;
  ackAt: number;
  recvAt: number;
  recv: number;
  echo: number;
  state: 'unsent' | 'sent' | 'ok' | 'failed';
}

let side: 'real' | 'relay' = 'real';
let pairs: PairPlan[] = [];
/** Pair i: sockets[2i] the patient's, sockets[2i + 1] the doctor's. */
let sockets: (Sock | null)[] = [];
let closedCount = 0;

/** The current run. */
let run: { plan: RunPlan; msgs: Msg[]; counts: Counts; recvBytes: number[]; sentBytes: { min: number; max: number }; errors: string[] } | null = null;

const note = (why: string) => {
  if (run && run.errors.length < MAX_ERRORS) run.errors.push(why);
};

interface ChatEventFrame {
  kind?: string;
  message?: { clientMessageId?: string; senderId?: string } | null;
}

/** A message event, or anything else, reaching `sock` at `t`. */
function onEvent(sock: Sock, event: ChatEventFrame, t: number, bytes: number): void {
  if (!run) return;
  const c = run.counts;
  if (event.kind === 'delivered') return void c.deliveredEvents++;
  if (event.kind !== 'message' || !event.message) return void c.otherEvents++;
  const cmid = event.message.clientMessageId ?? '';
  const prefix = `${run.plan.label}-`;
  const k = cmid.startsWith(prefix) ? Number(cmid.slice(prefix.length)) : Number.NaN;
  const m = Number.isInteger(k) ? run.msgs[k] : undefined;
  if (!m || m.pair !== sock.pair) {
    c.wrong++;
    return note(`${sock.side} of pair ${sock.pair} got a message ${cmid} of no pair of theirs`);
  }
  if (event.message.senderId === sock.userId) {
    if (m.echo++ > 0) c.echoDuplicates++;
    else c.echoes++;
    return;
  }
  if (m.from === sock.side) {
    c.wrong++;
    return note(`message ${cmid} reached its sender's socket as someone else's`);
  }
  received(m, t, bytes);
}

function received(m: Msg, t: number, bytes: number): void {
  const c = run!.counts;
  if (m.recv++ > 0) return void c.duplicates++;
  m.recvAt = t;
  c.received++;
  run!.recvBytes.push(bytes);
}

function onAck(sock: Sock, k: number, msg: { result?: unknown; error?: { message?: string; data?: { code?: string } } }, t: number): void {
  if (!run) return;
  const m = run.msgs[k];
  if (!m) return;
  if (msg.result) {
    m.state = 'ok';
    m.ackAt = t;
    run.counts.acked++;
    return;
  }
  if (msg.error?.data?.code === 'TOO_MANY_REQUESTS') {
    run.counts.rateLimitedRetries++;
    const current = run;
    setTimeout(() => {
      if (run === current) sendReal(sock, k);
    }, RATE_LIMIT_RETRY_MS);
    return;
  }
  m.state = 'failed';
  run.counts.failed++;
  note(`send ${k} failed: ${msg.error?.data?.code ?? '?'} ${msg.error?.message ?? ''}`);
}

function onFrame(sock: Sock, raw: RawData, isBinary: boolean): void {
  const t = performance.now();
  const data = asBuffer(raw);
  if (!isBinary && data.length === 4) {
    const text = data.toString();
    if (text === 'PING') return void sock.ws.send('PONG');
    if (text === 'PONG') return;
  }
  if (side === 'relay') {
    if (!run) return;
    const msg = JSON.parse(data.toString('utf8')) as { l?: string; k?: number };
    const m = msg.l === run.plan.label && typeof msg.k === 'number' ? run.msgs[msg.k] : undefined;
    if (!m || m.pair !== sock.pair || m.from === sock.side) {
      run.counts.wrong++;
      return note(`relay: ${sock.side} of pair ${sock.pair} got ${data.toString('utf8').slice(0, 80)}`);
    }
    return received(m, t, data.length);
  }
  const msg = JSON.parse(data.toString('utf8')) as {
    id?: number;
    result?: { type?: string; data?: { json?: { data?: ChatEventFrame } } };
    error?: { message?: string; data?: { code?: string } };
  };
  if (msg.id === SUBSCRIPTION_ID) {
    if (msg.result?.type === 'data' && msg.result.data?.json?.data) return onEvent(sock, msg.result.data.json.data, t, data.length);
    if (msg.result?.type === 'started') return;
    if (run) {
      run.counts.otherEvents++;
      note(`subscription frame: ${data.toString('utf8').slice(0, 160)}`);
    }
    return;
  }
  const k = typeof msg.id === 'number' ? sock.pending.get(msg.id) : undefined;
  if (k === undefined) return note(`a frame for no request: ${data.toString('utf8').slice(0, 160)}`);
  sock.pending.delete(msg.id!);
  onAck(sock, k, msg, t);
}

function open(p: ConnectPlan, pair: number, who: Side): Promise<Sock> {
  const participant = p.pairs[pair]![who];
  return new Promise((resolve, reject) => {
    const url = p.side === 'real' ? `${participant.ws}/trpc?connectionParams=1` : `${participant.ws}/?pair=${pair}&side=${who}`;
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: CONNECT_TIMEOUT_MS });
    const sock: Sock = { ws, pair, side: who, userId: participant.userId, pending: new Map(), nextId: SUBSCRIPTION_ID + 1 };
    const conn = attempt(ws, CONNECT_TIMEOUT_MS, {
      resolve,
      reject,
      value: sock,
      prefix: `pair ${pair} ${who}: `,
      onClosed: () => {
        closedCount++;
        sockets[2 * pair + (who === 'patient' ? 0 : 1)] = null;
      },
    });
    ws.on('open', () => {
      if (p.side === 'relay') return conn.done();
      ws.send(JSON.stringify({ method: 'connectionParams', data: { accessToken: participant.token } }));
      ws.send(JSON.stringify({ id: SUBSCRIPTION_ID, method: 'subscription', params: { path: 'chat.onEvent', input: { json: {} } } }));
    });
    ws.on('message', (raw, isBinary) => {
      if (conn.ready) return onFrame(sock, raw, isBinary);
      const text = asBuffer(raw).toString('utf8');
      if (text === 'PING') return void ws.send('PONG');
      const msg = JSON.parse(text) as { id?: unknown; result?: { type?: string } };
      if (msg.id === SUBSCRIPTION_ID && msg.result?.type === 'started') return conn.done();
      conn.fail(`unexpected first frame: ${text.slice(0, 200)}`);
    });
  });
}

async function connect(p: ConnectPlan): Promise<ConnectResult> {
  side = p.side;
  pairs = p.pairs;
  sockets = new Array<Sock | null>(2 * p.pairs.length).fill(null);
  closedCount = 0;
  const errors: string[] = [];
  let failed = 0;
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < sockets.length) {
      const i = next++;
      try {
        sockets[i] = await open(p, Math.floor(i / 2), i % 2 === 0 ? 'patient' : 'doctor');
      } catch (err) {
        failed++;
        if (errors.length < MAX_ERRORS) errors.push((err as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(p.concurrency, sockets.length) }, worker));
  return { connected: sockets.filter((s) => s !== null).length, failed, wallMs: performance.now() - t0, errors };
}

function sendReal(sock: Sock, k: number): void {
  const r = run!;
  const id = sock.nextId++;
  sock.pending.set(id, k);
  const text = `m${k} `.padEnd(r.plan.textChars, 'x');
  const frame = JSON.stringify({
    id,
    method: 'mutation',
    params: { path: 'chat.send', input: { json: { threadId: pairs[sock.pair]!.threadId, text, clientMessageId: `${r.plan.label}-${k}` } } },
  });
  sock.ws.send(frame);
  const bytes = Buffer.byteLength(frame);
  r.sentBytes.min = Math.min(r.sentBytes.min, bytes);
  r.sentBytes.max = Math.max(r.sentBytes.max, bytes);
}

function sendRelay(sock: Sock, k: number): void {
  const r = run!;
  const head = JSON.stringify({ l: r.plan.label, k, p: '' });
  const frame = head.slice(0, -2) + 'x'.repeat(Math.max(0, r.plan.relayFrameBytes - head.length)) + '"}';
  sock.ws.send(frame);
  r.sentBytes.min = Math.min(r.sentBytes.min, frame.length);
  r.sentBytes.max = Math.max(r.sentBytes.max, frame.length);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function runOnce(plan: RunPlan): Promise<RunResult> {
  const n = pairs.length;
  const slots: { pair: number; from: Side }[] = [];
  for (let i = 0; i < n; i++) slots.push({ pair: i, from: 'patient' });
  if (plan.directions === 'both') for (let i = 0; i < n; i++) slots.push({ pair: i, from: 'doctor' });
  const total = Math.round(plan.rate * plan.seconds);
  const interval = 1000 / plan.rate;
  const msgs: Msg[] = Array.from({ length: total }, (_, k) => ({ ...slots[k % slots.length]!, due: 0, ackAt: Number.NaN, recvAt: Number.NaN, recv: 0, echo: 0, state: 'unsent' }));
  const counts: Counts = {
    scheduled: total,
    sent: 0,
    acked: 0,
    failed: 0,
    unanswered: 0,
    rateLimitedRetries: 0,
    received: 0,
    duplicates: 0,
    lost: 0,
    wrong: 0,
    echoes: 0,
    echoDuplicates: 0,
    deliveredEvents: 0,
    otherEvents: 0,
  };
  run = { plan, msgs, counts, recvBytes: [], sentBytes: { min: Number.POSITIVE_INFINITY, max: 0 }, errors: [] };
  const outstanding = () => (side === 'real' ? counts.sent - counts.acked - counts.failed : counts.sent - counts.received);
  let maxSendLagMs = 0;
  let saturatedAtMs: number | null = null;
  let end = total;
  const t0 = performance.now() + 20;
  await new Promise<void>((resolve) => {
    let k = 0;
    const tick = () => {
      const now = performance.now();
      while (k < end && t0 + k * interval <= now) {
        if (outstanding() > plan.maxOutstanding) {
          saturatedAtMs = now - t0;
          end = k;
          break;
        }
        const m = msgs[k]!;
        m.due = t0 + k * interval;
        maxSendLagMs = Math.max(maxSendLagMs, now - m.due);
        const sock = sockets[2 * m.pair + (m.from === 'patient' ? 0 : 1)];
        if (!sock || sock.ws.readyState !== WebSocket.OPEN) {
          note(`message ${k}: the ${m.from}'s socket of pair ${m.pair} is closed`);
        } else {
          m.state = 'sent';
          counts.sent++;
          if (side === 'real') sendReal(sock, k);
          else sendRelay(sock, k);
        }
        k++;
      }
      if (k < end) setTimeout(tick, Math.max(0, t0 + k * interval - performance.now()));
      else resolve();
    };
    setTimeout(tick, 20);
  });
  const sentAll = performance.now();
  const expectedIn = () => (side === 'real' ? counts.acked : counts.sent);
  while (performance.now() - sentAll < plan.drainMs) {
    // The senders' own copies too (real): the run ends when every participant's stream has been heard out.
    if (outstanding() === 0 && counts.received >= expectedIn() && (side === 'relay' || counts.echoes >= counts.acked)) break;
    await sleep(25);
  }
  await sleep(AFTERGLOW_MS);
  const wallMs = performance.now() - t0;
  const latency: number[] = [];
  const ackLatency: number[] = [];
  let lastRecv = t0;
  for (const m of msgs) {
    if (m.recv > 0) lastRecv = Math.max(lastRecv, m.recvAt);
    if (m.state === 'unsent') continue;
    if (side === 'real') {
      if (m.state === 'sent') counts.unanswered++;
      if (m.state === 'ok') ackLatency.push(Math.round((m.ackAt - m.due) * 100) / 100);
    }
    if (m.recv > 0) latency.push(Math.round((m.recvAt - m.due) * 100) / 100);
    else if (m.state === 'ok' || (side === 'relay' && m.state === 'sent')) counts.lost++;
  }
  const sortedBytes = [...run.recvBytes].sort((a, b) => a - b);
  const result: RunResult = {
    label: plan.label,
    side,
    counts,
    latency,
    ackLatency,
    maxSendLagMs: Math.round(maxSendLagMs * 100) / 100,
    saturatedAtMs,
    wallMs: Math.round(wallMs),
    deliveredPerSecond: lastRecv > t0 ? Math.round((counts.received / ((lastRecv - t0) / 1000)) * 10) / 10 : 0,
    recvFrameBytes: { min: sortedBytes[0] ?? 0, max: sortedBytes.at(-1) ?? 0, median: sortedBytes[Math.floor(sortedBytes.length / 2)] ?? 0 },
    sentFrameBytes: { min: Number.isFinite(run.sentBytes.min) ? run.sentBytes.min : 0, max: run.sentBytes.max },
    errors: run.errors,
  };
  // Later frames of this run (a late duplicate) are strays of no run, not counted against the next.
  run = null;
  for (const s of sockets) s?.pending.clear();
  return result;
}

answerRunner<ToClients, FromClients>(async (msg) => {
  switch (msg.type) {
    case 'connect':
      return { type: 'connected', result: await connect(msg.plan) };
    case 'run':
      return { type: 'ran', result: await runOnce(msg.plan) };
    case 'status':
      return { type: 'status', open: sockets.filter((s) => s?.ws.readyState === WebSocket.OPEN).length, closed: closedCount };
    case 'close':
      await closeSockets(sockets.map((s) => s?.ws));
      return { type: 'closed' };
  }
});
