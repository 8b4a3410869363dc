import { ObjectId } from '@clinic/db';
import { describe, expect, it } from 'vitest';
import type { Actor } from './actor.ts';
import { ANY_CLINIC, clinicScope, covers, inScope, scopeOf } from './scope.ts';

const a = new ObjectId();
const b = new ObjectId();
const first = new ObjectId();
const actor = (role: Actor['role'], clinicId: string | null): Actor => ({ userId: new ObjectId().toHexString(), role, sessionId: null, clinicId });
const firstClinic = async () => ({ _id: first });

describe('clinic scope', () => {
  it('ANDs the clinic into a filter, first, and a filter naming another clinic cannot widen it', () => {
    const scoped = inScope(clinicScope(a), { _id: b, clinicId: b, status: 'confirmed' });
    expect(Object.keys(scoped)[0]).toBe('clinicId');
    expect(scoped).toEqual({ clinicId: a, _id: b, status: 'confirmed' });
    expect(inScope(ANY_CLINIC, { status: 'confirmed' })).toEqual({ status: 'confirmed' });
  });

  it('covers its own clinic only; ANY_CLINIC covers every clinic', () => {
    expect(covers(clinicScope(a), a)).toBe(true);
    expect(covers(clinicScope(a), b)).toBe(false);
    expect(covers(clinicScope(a), null)).toBe(false);
    expect(covers(ANY_CLINIC, b)).toBe(true);
  });

  it('staff roles act in their clinic, an old token in the first clinic; patients across clinics', async () => {
    for (const role of ['staff', 'doctor', 'admin'] as const) {
      expect(await scopeOf(actor(role, a.toHexString()), firstClinic)).toEqual(clinicScope(a));
      expect(await scopeOf(actor(role, null), firstClinic)).toEqual(clinicScope(first));
    }
    expect(await scopeOf(actor('patient', null), firstClinic)).toBe(ANY_CLINIC);
  });

  it("refuses the platform operator any clinic's records (neither the first clinic's nor every clinic's)", async () => {
    await expect(scopeOf(actor('operator', null), firstClinic)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
