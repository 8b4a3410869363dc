import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { physicianDocs, secondClinicPhysicianDocs } from './seed-data.ts';

describe('seeded physicians', () => {
  it('every one has a real Arabic name (Arabic script, not the Latin name standing in), each different', () => {
    // Any doctor's login will do: only the names are looked at.
    const anyUser = { get: () => new ObjectId() } as unknown as ReadonlyMap<string, ObjectId>;
    const now = new Date('2026-12-01T08:00:00Z');
    const docs = [...physicianDocs(now, 'Asia/Dubai', anyUser, new ObjectId()), ...secondClinicPhysicianDocs(now, 'Asia/Dubai', anyUser, new ObjectId())].map((s) => s.doc);
    expect(docs.length).toBeGreaterThan(20);
    for (const d of docs) {
      expect(d.fullNameAr, d.fullName).toMatch(/^د\. [\u0621-\u064a\s]+$/);
    }
    expect(new Set(docs.map((d) => d.fullNameAr)).size).toBe(docs.length);
  });
});
