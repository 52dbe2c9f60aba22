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

const DECIMAL_DEGREES = /^-?\d{1,3}\.(\d+)$/;

/** A single number with a fractional part within ±`max` degrees: a coordinate by its shape only. */
export function isDecimalDegrees(value: string, max = 180): boolean {
  return DECIMAL_DEGREES.test(value) && Math.abs(Number(value)) <= max;
}

/**
 * A column of single latitudes (`max` 90) or longitudes (180): nearly every value a number in
 * range with a fractional part, most with the three or more decimals that place someone, and
 * values that vary. Counts, ids and durations have no decimals; prices have two.
 */
export function isCoordinateColumn(samples: unknown[], max: number): boolean {
  let n = 0;
  let fitting = 0;
  let precise = 0;
  const distinct = new Set<string>();
  for (const v of samples) {
    if (v === null || v === undefined || v === "") {
      continue;
    }
    n++;
    const text = typeof v === "number" ? String(v) : typeof v === "string" ? v.trim() : "";
    const m = DECIMAL_DEGREES.exec(text);
    if (!m || Math.abs(Number(text)) > max) {
      continue;
    }
    fitting++;
    if ((m[1] as string).length >= 3) {
      precise++;
    }
    if (distinct.size < 64) {
      distinct.add(text);
    }
  }
  return (
    n > 0 &&
    fitting >= n * 0.9 &&
    precise >= n * 0.6 &&
    distinct.size >= Math.min(4, Math.ceil(n * 0.5))
  );
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
