import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { WEBHOOK_SIGNATURE_HEADER } from '@clinic/contracts';
import { guardedLookup, refusalOf, shapeRefusal, type UrlPolicy } from './webhooks.url.ts';

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the whole whsec_… secret>`, as Stripe signs: the
 * timestamp is signed with the body, so a receiver that refuses old timestamps cannot be replayed an old delivery.
 */
export function signatureOf(secret: string, unixSeconds: number, body: string): string {
  const v1 = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${v1}`;
}

export interface AttemptResult {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** Only what the receiver's answer needs to free the socket; its body is never stored. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * POSTs one signed delivery. A 2xx is success; any other status, a refused address, a connection error or no
 * answer within `timeoutMs` is a failure. Redirects are not followed (a 3xx fails): they could lead anywhere.
 */
export function postSigned(
  target: string,
  body: string,
  headers: { secret: string; eventId: string; type: string; now: Date },
  opts: UrlPolicy & { timeoutMs: number },
): Promise<AttemptResult> {
  const started = performance.now();
  const done = (statusCode: number | null, error: string | null): AttemptResult => ({ statusCode, error, durationMs: Math.round(performance.now() - started) });
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return Promise.resolve(done(null, 'the URL is not valid'));
  }
  const shape = shapeRefusal(url, opts);
  if (shape) return Promise.resolve(done(null, `the URL ${shape}`));
  // An IP literal is connected to without a lookup: checked here; names are checked by the lookup itself.
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  const refused = isIP(literal) ? refusalOf(literal, opts) : null;
  if (refused) return Promise.resolve(done(null, `the URL ${refused}`));

  return new Promise((resolve) => {
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(
      url,
      {
        method: 'POST',
        lookup: guardedLookup(opts) as never,
        timeout: opts.timeoutMs,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'ClinicWebhooks/1.0',
          [WEBHOOK_SIGNATURE_HEADER]: signatureOf(headers.secret, Math.floor(headers.now.getTime() / 1000), body),
          'Clinic-Event-Id': headers.eventId,
          'Clinic-Event-Type': headers.type,
        },
      },
      (res) => {
        let seen = 0;
        res.on('data', (chunk: Buffer) => {
          seen += chunk.length;
          if (seen > MAX_RESPONSE_BYTES) res.destroy();
        });
        const status = res.statusCode ?? 0;
        const finish = () => resolve(done(status, status >= 200 && status < 300 ? null : `answered ${status}`));
        res.on('end', finish);
        res.on('close', finish);
        res.on('error', finish);
      },
    );
    const overall = setTimeout(() => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => resolve(done(null, err.code === 'EWEBHOOKREFUSED' ? err.message : err.message || String(err.code))));
    req.on('close', () => clearTimeout(overall));
    req.end(body);
  });
}
