import { isGeoObject } from "./detectors/geolocation.ts";

/**
 * Walks JSON samples into key paths: `address.street`, arrays of objects as `items[].email`,
 * arrays of scalars as `tags[]`, a root array as `[].email`. Each path collects its scalar values
 * across samples, so it can be classified with the same detectors as a column. Objects shaped
 * like coordinates (`{lat, lng}`, GeoJSON points) are collected whole as one "lat, lon" value.
 */

const MAX_DEPTH = 6;
const MAX_PATHS = 200;
const MAX_ITEMS = 25;

export type PathValues = Map<string, unknown[]>;

export function walkJson(samples: unknown[]): PathValues {
  const paths: PathValues = new Map();
  const add = (path: string, value: unknown) => {
    let list = paths.get(path);
    if (!list) {
      if (paths.size >= MAX_PATHS) {
        return;
      }
      list = [];
      paths.set(path, list);
    }
    if (list.length < 1000) {
      list.push(value);
    }
  };
  const walk = (value: unknown, path: string, depth: number) => {
    if (value === null || value === undefined) {
      return;
    }
    if (Array.isArray(value)) {
      const items = value.length > MAX_ITEMS ? value.slice(0, MAX_ITEMS) : value;
      for (const item of items) {
        walk(item, `${path}[]`, depth + 1);
      }
      return;
    }
    if (typeof value === "object") {
      if (isGeoObject(value)) {
        const o = value as Record<string, unknown>;
        const coords = o.coordinates as number[] | undefined;
        const lat = coords ? coords[1] : (o.lat ?? o.latitude);
        const lon = coords ? coords[0] : (o.lng ?? o.lon ?? o.long ?? o.longitude);
        add(path || "$", `${Number(lat).toFixed(4)}, ${Number(lon).toFixed(4)}`);
        return;
      }
      if (depth >= MAX_DEPTH) {
        return;
      }
      for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
        walk(child, path ? `${path}.${key}` : key, depth + 1);
      }
      return;
    }
    add(path || "$", value);
  };
  for (const sample of samples) {
    walk(sample, "", 0);
  }
  return paths;
}

/**
 * The names a path is judged by, most specific first: its last key and, for generic keys, the
 * key qualified by its parent's key (or the column's name at the root), so `emergency_contact` →
 * `name` reads as `emergency_contact_name` and `addresses[].line1` as `addresses_line1`.
 */
export function pathName(column: string, path: string): string[] {
  const segments = path
    .replace(/\[\]/g, "")
    .split(".")
    .filter((s) => s && s !== "$");
  const key = segments[segments.length - 1];
  if (key === undefined) {
    return [column];
  }
  const parent = segments.length > 1 ? segments[segments.length - 2] : column;
  return GENERIC_KEYS.test(key) ? [key, `${parent}_${key}`] : [key];
}

/** Keys that mean little without their parent: `contact.name`, `address.line1`, `card.number`. */
const GENERIC_KEYS =
  /^(?:name|first|last|full|given|family|middle|display|number|no|num|value|val|line_?\d|street|address|addr|code|text|data|info|details|primary|secondary|home|work|mobile|main|other)$/i;
