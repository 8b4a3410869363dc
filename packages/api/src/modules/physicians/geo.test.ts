import { describe, expect, it } from 'vitest';
import { haversineKm, nearestKm } from './geo.ts';

const dhcc = { lat: 25.2305, lng: 55.3235 };
const barsha = { lat: 25.1131, lng: 55.1958 };
const reem = { lat: 24.4989, lng: 54.404 };

describe('haversineKm', () => {
  it('measures known distances in the UAE', () => {
    expect(haversineKm(dhcc, dhcc)).toBe(0);
    expect(haversineKm(dhcc, barsha)).toBeGreaterThan(17);
    expect(haversineKm(dhcc, barsha)).toBeLessThan(19);
    expect(haversineKm(dhcc, reem)).toBeGreaterThan(115);
    expect(haversineKm(dhcc, reem)).toBeLessThan(130);
    expect(haversineKm(barsha, reem)).toBeCloseTo(haversineKm(reem, barsha), 9);
  });
  it('crosses the antimeridian the short way', () => {
    expect(haversineKm({ lat: 0, lng: 179.5 }, { lat: 0, lng: -179.5 })).toBeCloseTo(111.2, 0);
  });
});

describe('nearestKm', () => {
  it('skips places without coordinates and answers null when none has them', () => {
    expect(nearestKm(dhcc, [{ lat: null, lng: null }])).toBeNull();
    expect(nearestKm(dhcc, [reem, { lat: null, lng: null }, barsha])).toBeCloseTo(haversineKm(dhcc, barsha), 9);
  });
});
