import { describe, expect, it } from 'vitest';
import { refusingKey } from './unique.ts';

const KEYS = ['slotKey', 'patientSlotKey'] as const;

describe('refusingKey', () => {
  it("takes MongoDB's keyPattern, else the index named in the message", () => {
    expect(refusingKey({ code: 11000, keyPattern: { patientSlotKey: 1 }, message: 'E11000 …' }, KEYS)).toBe('patientSlotKey');
    expect(refusingKey({ code: 11000, message: 'E11000 duplicate key error collection: c.appointments index: slotKey_1 dup key: { slotKey: "a|b" }' }, KEYS)).toBe('slotKey');
    expect(refusingKey({ code: 11000, message: 'E11000 duplicate key error collection: c.appointments index: patientSlotKey_1 dup key: { patientSlotKey: "a|b" }' }, KEYS)).toBe('patientSlotKey');
  });

  it("reads FerretDB's lower-cased PostgreSQL constraint names without mistaking patientSlotKey for slotKey", () => {
    const pg = (name: string) => ({ code: 1, message: `ERROR: duplicate key value violates unique constraint "appointments_6201c9eb_${name}_d9a63795_idx" (SQLSTATE 23505)` });
    expect(refusingKey(pg('patientslotkey_uni'), KEYS)).toBe('patientSlotKey');
    expect(refusingKey(pg('slotkey_uni'), KEYS)).toBe('slotKey');
  });

  it('is null when the error names none of them (FerretDB inserts)', () => {
    expect(refusingKey({ code: 11000, message: 'E11000 duplicate key error collection: c.appointments' }, KEYS)).toBeNull();
    expect(refusingKey({ code: 11000 }, KEYS)).toBeNull();
  });
});
