import type { ValueDetector } from "./types.ts";

/**
 * Coordinates: "lat, lon" pairs with enough decimals to place someone, WKT points, and (in
 * json-paths) objects with lat/lng keys or GeoJSON points. A single number is a coordinate only
 * with a name saying so (see scoring), since scores and rates take the same values.
 */

const PAIR = /^\(?\s*(-?\d{1,3}\.\d{3,})\s*[,;]\s*(-?\d{1,3}\.\d{3,})\s*\)?$/;
const WKT = /^(?:SRID=\d+;)?POINT\s*\(\s*(-?\d{1,3}\.\d+)\s+(-?\d{1,3}\.\d+)\s*\)$/i;

export function isCoordinatePair(value: string): boolean {
  const m = PAIR.exec(value);
  if (m) {
    const lat = Number(m[1]);
    const lon = Number(m[2]);
    return Math.abs(lat) <= 90 && Math.abs(lon) <= 180 && !(lat === 0 && lon === 0);
  }
  const w = WKT.exec(value);
  if (w) {
    return Math.abs(Number(w[1])) <= 180 && Math.abs(Number(w[2])) <= 90;
  }
  return false;
}

/** A single latitude/longitude-like number (at least 3 decimals, in range): weak. */
export function isCoordinate(value: string): boolean {
  if (!/^-?\d{1,3}\.\d{3,}$/.test(value)) {
    return false;
  }
  return Math.abs(Number(value)) <= 180;
}

/** `{lat, lng}`-like objects and GeoJSON points. */
export function isGeoObject(value: unknown): boolean {
  if (!value || typeof value !== "object") {
    return false;
  }
  const o = value as Record<string, unknown>;
  if (o.type === "Point" && Array.isArray(o.coordinates) && o.coordinates.length >= 2) {
    const [lon, lat] = o.coordinates as unknown[];
    return (
      typeof lon === "number" &&
      typeof lat === "number" &&
      Math.abs(lat) <= 90 &&
      Math.abs(lon) <= 180
    );
  }
  const lat = o.lat ?? o.latitude;
  const lon = o.lng ?? o.lon ?? o.long ?? o.longitude;
  return (
    typeof lat === "number" &&
    typeof lon === "number" &&
    Math.abs(lat) <= 90 &&
    Math.abs(lon) <= 180
  );
}

export const GEO_DETECTORS: ValueDetector[] = [
  { id: "geolocation.pair", category: "geolocation", strength: "strong", test: isCoordinatePair },
];
