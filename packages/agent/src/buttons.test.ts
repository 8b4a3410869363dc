import { describe, expect, it } from 'vitest';
import { BUTTON_ACTIONS, buttonPayload, parseButtonPayload } from './buttons.ts';

const ID = '0123456789abcdef01234567';

describe('button payloads', () => {
  it('round-trip every action', () => {
    for (const action of BUTTON_ACTIONS) expect(parseButtonPayload(buttonPayload(ID, action))).toEqual({ appointmentId: ID, action });
  });

  it('anything else is not a button of ours', () => {
    for (const payload of ['', 'appt', `appt:${ID}`, `appt:${ID}:delete`, `appt:${ID}:cancel:1`, `appt:${ID.toUpperCase()}:cancel`, `appt:${ID.slice(1)}:cancel`, `appt:{"$gt":""}:cancel`, `x${buttonPayload(ID, 'cancel')}`]) {
      expect(parseButtonPayload(payload)).toBeNull();
    }
  });
});
