import twilio from 'twilio';

type RequestOptions = Parameters<twilio.RequestClient['request']>[0];

/**
 * The SDK's own HTTP client, with every `https://*.twilio.com/...` call sent to `baseUrl` instead (path and
 * query kept). Plugged in through the SDK's `httpClient` option, so the calls, their form encoding and
 * their Basic auth are exactly the SDK's: a local endpoint stands in for Twilio in tests and development.
 */
export class BaseUrlRequestClient extends twilio.RequestClient {
  readonly #base: URL;

  constructor(baseUrl: string, opts?: ConstructorParameters<typeof twilio.RequestClient>[0]) {
    super(opts);
    this.#base = new URL(baseUrl);
  }

  /** `https://api.twilio.com/2010-04-01/...` → `<baseUrl>/2010-04-01/...` */
  rewrite(uri: string): string {
    const target = new URL(uri);
    if (!/(^|\.)twilio\.com$/.test(target.hostname)) return uri;
    const basePath = this.#base.pathname.replace(/\/$/, '');
    return `${this.#base.origin}${basePath}${target.pathname}${target.search}`;
  }

  override request<TData>(opts: RequestOptions & { data?: TData }) {
    return super.request<TData>({ ...opts, uri: this.rewrite(opts.uri) });
  }
}

export interface TwilioClientOptions {
  accountSid: string;
  authToken: string;
  /** Send REST calls here instead of api.twilio.com (TWILIO_API_BASE_URL). */
  apiBaseUrl?: string | undefined;
}

export function createTwilioClient(opts: TwilioClientOptions): twilio.Twilio {
  return twilio(opts.accountSid, opts.authToken, {
    timeout: 15_000,
    // 429s are retried by the SDK with backoff; other failures surface to the caller.
    autoRetry: true,
    maxRetries: 3,
    ...(opts.apiBaseUrl ? { httpClient: new BaseUrlRequestClient(opts.apiBaseUrl, { timeout: 15_000, autoRetry: true, maxRetries: 3 }) } : {}),
  });
}
