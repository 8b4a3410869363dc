import { describe, expect, it } from 'vitest';
import { type AppError } from '../errors.ts';
import { createCounterRateLimiter, createInProcessCounters } from './rate-limit.ts';

const LIMITS = [
  { max: 5, windowSeconds: 1 },
  { max: 60, windowSeconds: 60 },
];

/** The error a hit throws, or null when it was let through. */
const attempt = (p: Promise<void>) =>
  p.then(
    () => null,
    (err: unknown) => err as AppError,
  );

describe('rate limits counted in memory (the in-process bus)', () => {
  it('lets 5 a second through, refuses the sixth with the second’s end as Retry-After, and opens again the next second', async () => {
    let now = Date.UTC(2026, 10, 30, 10, 0, 0, 200);
    const limiter = createCounterRateLimiter(createInProcessCounters(() => new Date(now)), () => new Date(now), 'db');
    for (let i = 0; i < 5; i++) expect(await attempt(limiter.hitAll('chat-send', 'u1', LIMITS))).toBeNull();
    const refused = await attempt(limiter.hitAll('chat-send', 'u1', LIMITS));
    expect(refused?.code).toBe('RATE_LIMITED');
    expect(refused?.retryAfter).toBe(1);
    // Someone else has their own windows.
    expect(await attempt(limiter.hitAll('chat-send', 'u2', LIMITS))).toBeNull();
    now += 1_000;
    expect(await attempt(limiter.hitAll('chat-send', 'u1', LIMITS))).toBeNull();
  });

  it('counts every attempt in the minute too, refused ones included: the 61st in a minute waits for the minute’s end', async () => {
    let now = Date.UTC(2026, 10, 30, 10, 0, 0, 0);
    const limiter = createCounterRateLimiter(createInProcessCounters(() => new Date(now)), () => new Date(now), 'db');
    // 12 seconds of 6 attempts: 5 through and one refused each, so 72 counted in the minute by the 12th second.
    let through = 0;
    for (let second = 0; second < 12; second++) {
      for (let i = 0; i < 6; i++) if ((await attempt(limiter.hitAll('chat-send', 'u1', LIMITS))) === null) through++;
      now += 1_000;
    }
    expect(through).toBe(50);
    const refused = await attempt(limiter.hitAll('chat-send', 'u1', LIMITS));
    expect(refused?.code).toBe('RATE_LIMITED');
    expect(refused?.retryAfter).toBe(48);
    now = Date.UTC(2026, 10, 30, 10, 1, 0, 0);
    expect(await attempt(limiter.hitAll('chat-send', 'u1', LIMITS))).toBeNull();
  });
});

describe('rate limits counted in Redis', () => {
  it('when the shared counters fail, the attempt is counted in this process instead of refused with an error', async () => {
    const now = Date.UTC(2026, 10, 30, 10, 0, 0, 200);
    const failures: unknown[] = [];
    const away = { incr: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')) };
    const limiter = createCounterRateLimiter(away, () => new Date(now), 'db', { fallback: createInProcessCounters(() => new Date(now)), onFallback: (err) => failures.push(err) });
    for (let i = 0; i < 5; i++) expect(await attempt(limiter.hitAll('chat-send', 'u1', LIMITS))).toBeNull();
    expect((await attempt(limiter.hitAll('chat-send', 'u1', LIMITS)))?.code).toBe('RATE_LIMITED');
    expect(failures).toHaveLength(6);
  });
});
