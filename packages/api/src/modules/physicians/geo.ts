/** Mean Earth radius (IUGG), km. */
const EARTH_RADIUS_KM = 6371.0088;
const rad = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle distance in km between two WGS84 points (haversine; within 0.5 % of the ellipsoid). */
export function haversineKm(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const dLat = rad(b.lat - a.lat);
  const dLng = rad(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Distance from `from` to the nearest of these places that has coordinates; null when none has. */
export function nearestKm(from: { lat: number; lng: number }, places: { lat: number | null; lng: number | null }[]): number | null {
  let best: number | null = null;
  for (const p of places) {
    if (p.lat === null || p.lng === null || p.lat === undefined || p.lng === undefined) continue;
    const d = haversineKm(from, { lat: p.lat, lng: p.lng });
    if (best === null || d < best) best = d;
  }
  return best;
}
