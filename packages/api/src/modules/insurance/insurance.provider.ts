import * as z from 'zod';

/** What an insurer says about one Emirates ID. `unknown`: no usable answer (timeout, outage, garbage). */
export type EligibilityAnswer =
  | { status: 'eligible'; insurer: string; network: string; plan: string; copayPercent: number }
  | { status: 'not_eligible'; insurer: string | null }
  | { status: 'not_found' }
  | { status: 'unknown'; reason: 'timeout' | 'unreachable' | 'bad_response' };

/**
 * The insurer-eligibility port. Implementations never throw: every failure is an `unknown` answer, so a
 * slow or broken insurer never becomes a 500 for the patient.
 */
export interface InsuranceProvider {
  /** `emiratesId`: the 15 normalised digits. */
  checkEligibility(emiratesId: string): Promise<EligibilityAnswer>;
}

export interface HttpInsuranceProviderOptions {
  /** Base URL of the eligibility API; `POST {baseUrl}/v1/eligibility`. */
  baseUrl: string;
  timeoutMs: number;
}

const Answer = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('eligible'),
    insurer: z.string().min(1),
    network: z.string().min(1),
    plan: z.string().min(1),
    copayPercent: z.number().int().min(0).max(100),
  }),
  z.object({ status: z.literal('not_eligible'), insurer: z.string().nullish() }),
  z.object({ status: z.literal('not_found') }),
]);

/**
 * The default provider: JSON over HTTP. The ID travels in the body (never in the URL, which proxies log).
 * 200 → the answer in the body; 404 → not found; anything else, a timeout or a network error → unknown.
 */
export function createHttpInsuranceProvider(opts: HttpInsuranceProviderOptions): InsuranceProvider {
  const url = new URL('v1/eligibility', opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`);
  return {
    async checkEligibility(emiratesId) {
      let res: Response;
      let body: unknown;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ emiratesId }),
          signal: AbortSignal.timeout(opts.timeoutMs),
        });
        body = await res.json().catch(() => undefined);
      } catch (err) {
        const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
        return { status: 'unknown', reason: timedOut ? 'timeout' : 'unreachable' };
      }
      if (res.status === 404) return { status: 'not_found' };
      if (res.status !== 200) return { status: 'unknown', reason: 'bad_response' };
      const parsed = Answer.safeParse(body);
      if (!parsed.success) return { status: 'unknown', reason: 'bad_response' };
      const a = parsed.data;
      return a.status === 'not_eligible' ? { status: 'not_eligible', insurer: a.insurer ?? null } : a;
    },
  };
}
