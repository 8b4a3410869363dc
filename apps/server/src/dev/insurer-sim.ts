import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The simulated insurer: a tiny eligibility API with deterministic answers, for development and tests.
 * `POST /v1/eligibility { "emiratesId": "784YYYYNNNNNNNC" }`. The answer depends on the two digits just
 * before the check digit (NN below); see the README's table.
 *
 *   00–09 → 404 not found          20–49 → eligible, Daman Enhanced, 20 % co-pay
 *   10–19 → not eligible (expired)  50–79 → eligible, Sukoon Gold, 10 % co-pay
 *   97–98 → 503 (insurer outage)    80–96 → eligible, Thiqa, 0 % co-pay
 *   99    → slow: answers only after `slowMs` (10 s by default), beyond any sane caller timeout
 *
 * It never logs or keeps the numbers it is sent; it only counts requests.
 */

export type SimAnswer =
  | { http: 200; body: { status: 'eligible'; insurer: string; network: string; plan: string; copayPercent: number } }
  | { http: 200; body: { status: 'not_eligible'; insurer: string; reason: string } }
  | { http: 404; body: { status: 'not_found' } }
  | { http: 503; body: { error: string } };

export const SIM_PLANS = {
  daman: { insurer: 'Daman', network: 'Enhanced', plan: 'Enhanced Silver', copayPercent: 20 },
  sukoon: { insurer: 'Sukoon', network: 'Comprehensive', plan: 'Gold', copayPercent: 10 },
  thiqa: { insurer: 'Thiqa', network: 'Thiqa', plan: 'Thiqa', copayPercent: 0 },
} as const;

/** The deterministic rule, by the two digits before the check digit. */
export function simulatedAnswer(emiratesId: string): SimAnswer & { slow: boolean } {
  const nn = Number(emiratesId.slice(12, 14));
  if (nn <= 9) return { http: 404, body: { status: 'not_found' }, slow: false };
  if (nn <= 19) return { http: 200, body: { status: 'not_eligible', insurer: 'Daman', reason: 'policy expired' }, slow: false };
  if (nn <= 49) return { http: 200, body: { status: 'eligible', ...SIM_PLANS.daman }, slow: false };
  if (nn <= 79) return { http: 200, body: { status: 'eligible', ...SIM_PLANS.sukoon }, slow: false };
  if (nn <= 96) return { http: 200, body: { status: 'eligible', ...SIM_PLANS.thiqa }, slow: false };
  if (nn <= 98) return { http: 503, body: { error: 'eligibility service unavailable' }, slow: false };
  return { http: 200, body: { status: 'eligible', ...SIM_PLANS.sukoon }, slow: true };
}

export interface InsurerSimOptions {
  port?: number;
  host?: string;
  /** How long the "slow" IDs take to answer. */
  slowMs?: number;
}

export interface InsurerSim {
  /** Base URL to use as INSURANCE_API_URL. */
  url: string;
  /** Eligibility requests received so far. */
  requests(): number;
  close(): Promise<void>;
}

const MAX_BODY = 4_096;

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error('too large');
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

export async function startInsurerSim(opts: InsurerSimOptions = {}): Promise<InsurerSim> {
  const slowMs = opts.slowMs ?? 10_000;
  let count = 0;
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/v1/eligibility') return send(res, 404, { error: 'not found' });
    count++;
    readJson(req).then(
      (body) => {
        const id = (body as { emiratesId?: unknown } | null)?.emiratesId;
        if (typeof id !== 'string' || !/^784\d{12}$/.test(id)) return send(res, 400, { error: 'emiratesId must be 15 digits starting with 784' });
        const answer = simulatedAnswer(id);
        if (!answer.slow) return send(res, answer.http, answer.body);
        const timer = setTimeout(() => send(res, answer.http, answer.body), slowMs);
        res.once('close', () => clearTimeout(timer));
      },
      () => send(res, 400, { error: 'send a JSON body' }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    requests: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

