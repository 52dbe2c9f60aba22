import { convert } from "geo-coordinates-parser";
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

const inRange = (lat: number, lon: number) =>
  Number.isFinite(lat) &&
  Number.isFinite(lon) &&
  Math.abs(lat) <= 90 &&
  Math.abs(lon) <= 180 &&
  !(lat === 0 && lon === 0);

// RFC 5870 `geo:` URIs: `geo:48.2010,16.3695` with an optional altitude and parameters.
const GEO_URI =
  /^geo:(-?\d{1,2}(?:\.\d+)?),(-?\d{1,3}(?:\.\d+)?)(?:,-?\d+(?:\.\d+)?)?(?:;[\w=.-]+)*$/i;
// Labelled pairs: `lat: 52.52, lng: 13.40`, `latitude=52.52 longitude=13.40`, `{"lat":…,"lon":…}`.
const LABELLED =
  /^[{(]?\s*"?(?:lat|latitude)"?\s*[:=]\s*(-?\d{1,2}\.\d+)\s*[,;&\s]\s*"?(?:lng|lon|long|longitude)"?\s*[:=]\s*(-?\d{1,3}\.\d+)\s*[})]?$/i;
// Degrees written with a symbol and a hemisphere letter, checked by geo-coordinates-parser.
const DMS_HINT = /\d\s*[°º]|\d\s*['′]\s*\d/;

export function isGeoUri(value: string): boolean {
  const m = GEO_URI.exec(value);
  return m !== null && inRange(Number(m[1]), Number(m[2]));
}

export function isLabelledCoordinates(value: string): boolean {
  const m = LABELLED.exec(value);
  return m !== null && inRange(Number(m[1]), Number(m[2]));
}

/** Degrees-minutes-seconds (or degrees and decimal minutes) with hemispheres: `40°26′46″N 79°58′56″W`. */
export function isDmsCoordinates(value: string): boolean {
  if (value.length < 8 || value.length > 64 || !/[NSEWnsew]/.test(value) || !DMS_HINT.test(value)) {
    return false;
  }
  if (!/^[\dNSEWnsew°º'′"″.,:\s-]+$/.test(value)) {
    return false;
  }
  try {
    const r = convert(value);
    return inRange(Number(r.decimalLatitude), Number(r.decimalLongitude));
  } catch {
    return false;
  }
}

export const GEO_DETECTORS: ValueDetector[] = [
  { id: "geolocation.pair", category: "geolocation", strength: "strong", test: isCoordinatePair },
  { id: "geolocation.geo_uri", category: "geolocation", strength: "strong", test: isGeoUri },
  {
    id: "geolocation.labelled",
    category: "geolocation",
    strength: "strong",
    test: isLabelledCoordinates,
  },
  { id: "geolocation.dms", category: "geolocation", strength: "strong", test: isDmsCoordinates },
];
