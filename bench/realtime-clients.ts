// A load generator of the real-time bench (forked by realtime.ts, one per side): opens N WebSocket connections to one
// server — on the real side each authenticated (connectionParams) and subscribed to `agenda.onChange`, in the raw tRPC
// WebSocket protocol (lighter than a tRPC client per connection) — keeps them open (answering tRPC's PING), and on
// each round sends the trigger request itself and times every client's frame, so that send and receive times come
// from one clock. The trigger's send and every receipt are timed with performance.now(); the event's `at` (a wall
// clock time) is compared with performance.timeOrigin + receipt.
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { send } from './load.ts';
import type { ConnectPlan, ConnectResult, FromClients, RoundResult, ToClients, Trigger } from './realtime-ipc.ts';
import { answerRunner, asBuffer, attempt, closeSockets } from './ws-clients.ts';

const CONNECT_TIMEOUT_MS = 60_000;
const RETRIES = 2;
const MAX_ERRORS = 5;

let plan: ConnectPlan | null = null;
const sockets: (WebSocket | null)[] = [];
let closed = 0;
/** Frames outside a round (the real side's PINGs excepted). */
let unexpected = 0;

/** The current round: per client the receipt time (NaN: none yet) and the frame. */
let armed = false;
let recvAt = new Float64Array(0);
let frames: (Buffer | null)[] = [];
let received = 0;
/** Clients open when the round started: all of them in = the round is complete. */
let target = 0;
let duplicates = 0;
let allIn: (() => void) | null = null;


function onFrame(i: number, data: Buffer): void {
  const t = performance.now();
  if (!armed) {
    unexpected++;
    return;
  }
  if (!Number.isNaN(recvAt[i]!)) {
    duplicates++;
    return;
  }
  recvAt[i] = t;
  frames[i] = data;
  if (++received === target) allIn?.();
}

/** Opens connection i; resolves once it is usable (bare: open; real: the subscription is confirmed). */
function open(p: ConnectPlan, i: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const url = p.side === 'real' ? `${p.baseUrl}/trpc?connectionParams=1` : `${p.baseUrl}/`;
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: CONNECT_TIMEOUT_MS });
    const conn = attempt(ws, CONNECT_TIMEOUT_MS, {
      resolve,
      reject,
      value: ws,
      onClosed: () => {
        closed++;
        sockets[i] = null;
      },
    });
    ws.on('open', () => {
      if (p.side === 'bare') return conn.done();
      // What tRPC's wsLink sends: the connection params first, then the subscription (input as superjson's { json }).
      ws.send(JSON.stringify({ method: 'connectionParams', data: { accessToken: p.tokens[i % p.tokens.length] } }));
      ws.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'agenda.onChange', input: { json: {} } } }));
    });
    ws.on('message', (raw, isBinary) => {
      const data = asBuffer(raw);
      if (!isBinary && data.length === 4) {
        const text = data.toString();
        // tRPC's keep-alive: a socket that does not answer its PING within pongWaitMs is closed.
        if (text === 'PING') return void ws.send('PONG');
        if (text === 'PONG') return;
      }
      if (!conn.ready) {
        const msg = JSON.parse(data.toString()) as { id?: unknown; result?: { type?: string } };
        if (msg.id === 1 && msg.result?.type === 'started') return conn.done();
        return conn.fail(`unexpected first frame: ${data.toString().slice(0, 200)}`);
      }
      onFrame(i, data);
    });
  });
}

async function connect(p: ConnectPlan): Promise<ConnectResult> {
  plan = p;
  sockets.length = p.clients;
  sockets.fill(null);
  const errors: string[] = [];
  let failed = 0;
  let retries = 0;
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < p.clients) {
      const i = next++;
      for (let attempt = 0; ; attempt++) {
        try {
          sockets[i] = await open(p, i);
          break;
        } catch (err) {
          if (errors.length < MAX_ERRORS) errors.push(`#${i}: ${(err as Error).message}`);
          if (attempt === RETRIES) {
            failed++;
            break;
          }
          retries++;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(p.concurrency, p.clients) }, worker));
  return { connected: sockets.filter((s) => s !== null).length, failed, retries, wallMs: performance.now() - t0, errors };
}

const round2 = (v: number) => Math.round(v * 100) / 100;

async function runRound(r: number, trigger: Trigger, timeoutMs: number): Promise<RoundResult> {
  if (!plan) throw new Error('round before connect');
  const n = sockets.length;
  recvAt = new Float64Array(n).fill(Number.NaN);
  frames = new Array<Buffer | null>(n).fill(null);
  received = 0;
  duplicates = 0;
  const expected = sockets.filter((s) => s !== null).length;
  target = expected;
  const everyone = new Promise<void>((resolve) => {
    allIn = resolve;
  });
  armed = true;
  const t0 = performance.now();
  const answered = send({ method: 'POST', url: trigger.url, body: trigger.body, ...(trigger.token ? { token: trigger.token } : {}) }).then((res) => ({
    ...res,
    ms: performance.now() - t0,
  }));
  let timer: NodeJS.Timeout | undefined;
  const res = await answered;
  const errors: string[] = [];
  if (res.status === 200) {
    await Promise.race([everyone, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  } else {
    errors.push(`trigger → ${res.status}: ${res.body.slice(0, 300)}`);
  }
  clearTimeout(timer);
  // Second frames that arrive just after the last client's first one still count as duplicates.
  await new Promise((resolve) => setTimeout(resolve, 200));
  armed = false;
  allIn = null;

  // Parse after the round, so that no parsing delays the receipt of later frames.
  let appointmentId: string | null = null;
  if (plan.side === 'real' && res.status === 200) appointmentId = (JSON.parse(res.body) as { id?: string }).id ?? null;
  let at: number | null = null;
  let wrong = 0;
  let minBytes = Number.POSITIVE_INFINITY;
  let maxBytes = 0;
  const fromSend: number[] = [];
  const fromAt: number[] = [];
  for (let i = 0; i < n; i++) {
    const frame = frames[i];
    if (!frame) continue;
    minBytes = Math.min(minBytes, frame.length);
    maxBytes = Math.max(maxBytes, frame.length);
    let eventAt: number | null = null;
    try {
      if (plan.side === 'real') {
        const msg = JSON.parse(frame.toString('utf8')) as {
          id?: unknown;
          result?: { type?: string; data?: { json?: { id?: string; data?: { kind?: string; at?: string; appointment?: { id?: string } | null } } } };
        };
        // tracked(id, event) goes out as { id, data } (serialized by superjson: { json }).
        const event = msg.result?.data?.json?.data;
        if (msg.id === 1 && msg.result?.type === 'data' && event?.kind === 'booked' && event.appointment?.id === appointmentId && event.at) eventAt = Date.parse(event.at);
      } else {
        const msg = JSON.parse(frame.toString('utf8')) as { round?: number; at?: number };
        if (msg.round === r && typeof msg.at === 'number') eventAt = msg.at;
      }
    } catch {
      eventAt = null;
    }
    if (eventAt === null || Number.isNaN(eventAt) || (at !== null && eventAt !== at)) {
      wrong++;
      if (errors.length < MAX_ERRORS) errors.push(`client #${i} got ${frame.toString('utf8').slice(0, 200)}`);
      continue;
    }
    at = eventAt;
    fromSend.push(round2(recvAt[i]! - t0));
    fromAt.push(round2(performance.timeOrigin + recvAt[i]! - eventAt));
  }
  frames = [];
  return {
    round: r,
    status: res.status,
    triggerMs: round2(res.ms),
    received: fromSend.length,
    expected,
    wrong,
    duplicates,
    fromSend,
    fromAt,
    frameBytes: { min: Number.isFinite(minBytes) ? minBytes : 0, max: maxBytes },
    at: at === null ? null : new Date(at).toISOString(),
    appointmentId,
    errors,
  };
}

answerRunner<ToClients, FromClients>(async (msg) => {
  switch (msg.type) {
    case 'connect':
      return { type: 'connected', result: await connect(msg.plan) };
    case 'round':
      return { type: 'round', result: await runRound(msg.round, msg.trigger, msg.timeoutMs) };
    case 'status':
      return { type: 'status', open: sockets.filter((s) => s?.readyState === WebSocket.OPEN).length, closed, unexpected };
    case 'close':
      await closeSockets(sockets);
      return { type: 'closed' };
  }
});
