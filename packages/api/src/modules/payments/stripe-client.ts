import Stripe from 'stripe';

/**
 * The official Stripe client; `apiBaseUrl` points it elsewhere (stripe-mock in tests and local
 * development, e.g. http://127.0.0.1:12111).
 */
export function createStripeClient(opts: { secretKey: string; apiBaseUrl?: string | undefined }): Stripe {
  const base = opts.apiBaseUrl ? new URL(opts.apiBaseUrl) : null;
  return new Stripe(opts.secretKey, {
    maxNetworkRetries: 2,
    timeout: 15_000,
    telemetry: false,
    ...(base ? { host: base.hostname, port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)), protocol: base.protocol === 'https:' ? 'https' : 'http' } : {}),
  });
}
