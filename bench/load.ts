// Load generation over real HTTP on loopback: an open-loop (fixed arrival rate) schedule for reads,
// and a burst (all requests at once) for the booking storms. Latency is recorded per request.
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface HttpResult {
  status: number;
  body: string;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  body?: unknown;
  token?: string;
}

/** One keep-alive agent for the whole bench; sockets are reused across requests as a real client would. */
export const agent = new Agent({ keepAlive: true, maxSockets: 1024, maxFreeSockets: 1024 });

/** Reads give up after this; a burst waits (much) longer, since its last answers queue behind all the others. */
const REQUEST_TIMEOUT_MS = 30_000;
const BURST_TIMEOUT_MS = 600_000;

/** status 0 = the request failed at the transport level (reset, timeout). */
export function send(req: HttpRequest, timeoutMs = REQUEST_TIMEOUT_MS): Promise<HttpResult> {
  const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
  const headers: Record<string, string> = {};
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  if (req.token) headers.authorization = `Bearer ${req.token}`;
  return new Promise((resolve) => {
    const r = request(req.url, { method: req.method, agent, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => resolve({ status: 0, body: '' }));
    });
    r.on('timeout', () => r.destroy(new Error('timeout')));
    r.on('error', (err) => resolve({ status: 0, body: String(err) }));
    r.end(payload);
  });
}

export async function getJson<T>(url: string, token?: string): Promise<T> {
  const res = await send({ method: 'GET', url, ...(token ? { token } : {}) });
  if (res.status !== 200) throw new Error(`GET ${url} → ${res.status}: ${res.body.slice(0, 300)}`);
  return JSON.parse(res.body) as T;
}

export interface Sample {
  /**
   * From the moment the request was due (open loop) or sent (burst) to the end of its response;
   * Infinity for a request the open loop never sent because the server had fallen too far behind.
   */
  latencyMs: number;
  /** HTTP status; 0 = transport failure; DROPPED = never sent. */
  status: number;
}

export const DROPPED = -1;

export interface RunStats {
  requests: number;
  ok: number;
  /** Non-2xx answers, transport failures and dropped requests. */
  failed: number;
  /** Open loop only: requests never sent because the server was saturated (they count as infinitely slow). */
  dropped: number;
  statusCounts: Record<string, number>;
  /** Responses per second actually completed (2xx only) over the run's wall time. */
  achievedRps: number;
  wallMs: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Of the requests that completed. */
  mean: number;
  /** Open loop only: how late the generator itself sent requests (it should stay near 0). */
  maxSendLagMs?: number;
  /** Open loop only: the run stopped sending at this point because too many requests were outstanding. */
  saturatedAtMs?: number | null;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summarize(samples: readonly Sample[], wallMs: number, extra: Pick<RunStats, 'maxSendLagMs' | 'saturatedAtMs'> = {}): RunStats {
  const latencies = samples.map((s) => s.latencyMs).sort((a, b) => a - b);
  const completed = latencies.filter(Number.isFinite);
  const statusCounts: Record<string, number> = {};
  for (const s of samples) {
    const key = s.status === DROPPED ? 'dropped' : String(s.status);
    statusCounts[key] = (statusCounts[key] ?? 0) + 1;
  }
  const ok = samples.filter((s) => s.status >= 200 && s.status < 300).length;
  return {
    requests: samples.length,
    ok,
    failed: samples.length - ok,
    dropped: statusCounts.dropped ?? 0,
    statusCounts,
    achievedRps: wallMs > 0 ? ok / (wallMs / 1000) : 0,
    wallMs,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? Number.NaN,
    mean: completed.length ? completed.reduce((a, b) => a + b, 0) / completed.length : Number.NaN,
    ...extra,
  };
}

export interface OpenLoopRun {
  samples: Sample[];
  /** From the first due time to the last response. */
  wallMs: number;
  maxSendLagMs: number;
  /** When the run gave up sending (ms after its start), or null when it sent everything. */
  saturatedAtMs: number | null;
}

/**
 * Sends `rps × seconds` requests at fixed intervals, whatever the responses do (open loop: a slow
 * server does not slow the arrivals down). Latency is measured from each request's due time, so a
 * late send (generator hiccup) is charged to the request rather than hidden (no coordinated omission).
 *
 * A server that cannot keep up would make the queue — and the run — grow without bound. Once more than
 * `maxInFlight` requests are outstanding the run stops sending: the rest are recorded as dropped,
 * i.e. infinitely slow, so the percentiles say "not sustainable" instead of flattering the survivors.
 */
export function openLoop(makeRequest: (i: number) => HttpRequest, rps: number, seconds: number, maxInFlight = Math.max(50, rps)): Promise<OpenLoopRun> {
  const total = Math.max(1, Math.round(rps * seconds));
  const intervalMs = 1000 / rps;
  const samples: Sample[] = new Array<Sample>(total);
  let sent = 0;
  let done = 0;
  let maxSendLagMs = 0;
  let lastEnd = 0;
  let saturatedAtMs: number | null = null;
  const t0 = performance.now() + 5;

  return new Promise((resolve) => {
    const finish = () => resolve({ samples, wallMs: Math.max(lastEnd, performance.now()) - t0, maxSendLagMs, saturatedAtMs });
    const fire = (i: number, due: number) => {
      maxSendLagMs = Math.max(maxSendLagMs, performance.now() - due);
      void send(makeRequest(i)).then((res) => {
        const end = performance.now();
        lastEnd = Math.max(lastEnd, end);
        samples[i] = { latencyMs: end - due, status: res.status };
        if (++done === total) finish();
      });
    };
    const tick = () => {
      const now = performance.now();
      // Catch up on every request that is due, so the arrival rate holds even if a timer fired late.
      while (sent < total && t0 + sent * intervalMs <= now) {
        if (sent - done >= maxInFlight) {
          saturatedAtMs = now - t0;
          for (let i = sent; i < total; i++) samples[i] = { latencyMs: Number.POSITIVE_INFINITY, status: DROPPED };
          done += total - sent;
          sent = total;
          if (done === total) finish();
          return;
        }
        fire(sent, t0 + sent * intervalMs);
        sent++;
      }
      if (sent < total) setTimeout(tick, Math.max(0, t0 + sent * intervalMs - performance.now()));
    };
    setTimeout(tick, Math.max(0, t0 - performance.now()));
  });
}

/** Back-to-back requests from one client: the service time of an otherwise idle server. */
export async function sequential(req: HttpRequest, n: number): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    const res = await send(req);
    samples.push({ latencyMs: performance.now() - start, status: res.status });
  }
  return samples;
}

export interface BurstRun {
  samples: Sample[];
  results: HttpResult[];
  /** From the first send to the last response. */
  wallMs: number;
}

/** Sends every request at once and waits for all of them. */
export async function burst(requests: readonly HttpRequest[]): Promise<BurstRun> {
  const t0 = performance.now();
  const timed = await Promise.all(
    requests.map(async (req) => {
      const start = performance.now();
      const res = await send(req, BURST_TIMEOUT_MS);
      return { res, latencyMs: performance.now() - start };
    }),
  );
  const wallMs = performance.now() - t0;
  return { samples: timed.map((t) => ({ latencyMs: t.latencyMs, status: t.res.status })), results: timed.map((t) => t.res), wallMs };
}

/** Runs `fn` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
