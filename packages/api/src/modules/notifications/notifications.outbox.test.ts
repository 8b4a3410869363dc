import { describe, expect, it } from 'vitest';
import type { NotificationDoc } from '@clinic/db';
import { OUTBOX, errorCode, nextStep, refusesForGood } from './notifications.outbox.ts';

const createdAt = new Date('2026-12-01T10:00:00Z');
const MIN = 60_000;
const entry = (over: Partial<NotificationDoc> = {}): NotificationDoc => ({
  _id: 'k',
  kind: 'booking_confirmed',
  patientId: null as never,
  appointmentId: null,
  status: 'queued',
  createdAt,
  updatedAt: createdAt,
  channels: ['whatsapp', 'sms', 'email'],
  channel: 0,
  attempts: 0,
  channelFailures: 0,
  ...over,
});
const at = (ms: number) => new Date(createdAt.getTime() + ms);
/** Applies the steps of a run of outcomes on one entry, as the outbox does. */
function play(outcomes: ('sent' | 'no_channel' | 'failed')[], forGood = false) {
  let e = entry();
  let now = 0;
  for (const o of outcomes) {
    const step = nextStep(e, o, o === 'failed' ? 'code 1' : null, forGood, at(now));
    e = { ...e, ...step };
    if (e.nextAttemptAt) now = Math.max(now, e.nextAttemptAt.getTime() - createdAt.getTime());
  }
  return { e, now };
}

describe('outbox steps', () => {
  it('a channel failing for a while is retried with a doubling delay, and after 3 failures the next channel goes at once', () => {
    const one = nextStep(entry(), 'failed', 'x', false, at(0));
    expect(one).toMatchObject({ channelFailures: 1, nextAttemptAt: at(MIN) });
    expect(one).not.toHaveProperty('channel');
    const two = nextStep(entry({ channelFailures: 1 }), 'failed', 'x', false, at(MIN));
    expect(two).toMatchObject({ channelFailures: 2, nextAttemptAt: at(3 * MIN) });
    const three = nextStep(entry({ channelFailures: 2 }), 'failed', 'x', false, at(3 * MIN));
    expect(three).toMatchObject({ channel: 1, channelFailures: 0, nextAttemptAt: at(3 * MIN) });
  });

  it('a channel refusing for good hands over to the next at once', () => {
    expect(nextStep(entry(), 'failed', 'x', true, at(0))).toMatchObject({ channel: 1, nextAttemptAt: at(0) });
  });

  it('nothing able to carry it, without any failure: no_channel; after a failure: the list again later', () => {
    expect(play(['no_channel', 'no_channel', 'no_channel']).e.status).toBe('no_channel');
    const { e } = play(['failed', 'no_channel', 'no_channel'], true);
    expect(e).toMatchObject({ status: 'queued', channel: 0, round: 1, lastError: 'code 1' });
  });

  it('gives up (failed) rather than plan an attempt later than a day after it was stored', () => {
    const last = entry({ channel: 2, channelFailures: 1 });
    const late = nextStep(last, 'failed', 'x', false, at(OUTBOX.giveUpAfterMs - 30_000));
    expect(late).toMatchObject({ status: 'failed', nextAttemptAt: null, lastError: 'x' });
  });

  it('records codes, never the message', () => {
    const twilio = Object.assign(new Error("The 'To' number +971501234567 is not valid"), { code: 21211, status: 400 });
    expect(errorCode(twilio)).toBe('code 21211, status 400');
    expect(refusesForGood(twilio)).toBe(true);
    const smtp = Object.assign(new Error('451 try later <someone@example.test>'), { code: 'EENVELOPE', responseCode: 451 });
    expect(errorCode(smtp)).toBe('code EENVELOPE, smtp 451');
    expect(refusesForGood(smtp)).toBe(false);
    expect(refusesForGood(Object.assign(new Error('x'), { status: 429 }))).toBe(false);
    expect(errorCode(new Error('connect ECONNREFUSED'))).toBe('error');
  });
});
