import { isGeoObject } from "./detectors/geolocation.ts";

/**
 * Walks JSON samples into key paths: `address.street`, arrays of objects as `items[].email`,
 * arrays of scalars as `tags[]`, a root array as `[].email`. Each path collects its scalar values
 * across samples, so it can be classified with the same detectors as a column. Objects shaped
 * like coordinates (`{lat, lng}`, GeoJSON points) are collected whole as one "lat, lon" value.
 */

const MAX_DEPTH = 6;

const normalized = new Map<string, string>();

/** `first_name`, `firstName` and `FirstName` are one key (cached: documents repeat their keys). */
function normalizeKey(k: string): string {
  let n = normalized.get(k);
  if (n === undefined) {
    n = k.replace(/[^A-Za-z0-9]/g, "").toLowerCase();
    if (normalized.size < 10_000) {
      normalized.set(k, n);
    }
  }
  return n;
}

/** Lower-cased keys without separators, to the values they hold. */
function keyMap(o: Record<string, unknown>): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (const k in o) {
    m.set(normalizeKey(k), o[k]);
  }
  return m;
}

function pick(keys: Map<string, unknown>, names: string[]): string | undefined {
  for (const n of names) {
    const v = keys.get(n);
    if (typeof v === "string" && v.trim() !== "") {
      return v.trim();
    }
    if (typeof v === "number") {
      return String(v);
    }
  }
  return undefined;
}

/** `{day, month, year}`: a date stored in parts, read as one ISO date. */
export function datePartsValue(o: Record<string, unknown>): string | undefined {
  return datePartsOf(keyMap(o));
}

function datePartsOf(keys: Map<string, unknown>): string | undefined {
  if (keys.size > 4 || keys.size < 3) {
    return undefined;
  }
  const y = Number(pick(keys, ["year", "yyyy", "y", "yr"]));
  const m = Number(pick(keys, ["month", "mm", "m", "mon"]));
  const d = Number(pick(keys, ["day", "dd", "d"]));
  if (!Number.isInteger(y) || !Number.isInteger(m) || !Number.isInteger(d)) {
    return undefined;
  }
  if (y < 1000 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31) {
    return undefined;
  }
  return `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

const GIVEN = [
  "given",
  "givenname",
  "first",
  "firstname",
  "forename",
  "vorname",
  "prenom",
  "nombre",
];
const FAMILY = [
  "family",
  "familyname",
  "last",
  "lastname",
  "surname",
  "nachname",
  "nom",
  "apellido",
  "apellidos",
];
const MIDDLE = ["middle", "middlename", "additional"];
const STREET = [
  "street",
  "streetaddress",
  "line1",
  "addressline1",
  "address1",
  "strasse",
  "rue",
  "calle",
];
const CITY = ["city", "town", "locality", "ort", "ville", "ciudad"];
const POSTCODE = ["postcode", "postalcode", "zip", "zipcode", "plz", "codepostal", "cp"];
const ROUTING = ["routing", "routingnumber", "aba", "rtn", "transit"];
const ACCOUNT = ["account", "accountnumber", "acct", "accountno"];

/**
 * Objects whose fields together are personal data, as one value the detectors read: name parts
 * (`{given, middle, family}`) as a full name, address parts as `street, postcode town`, bank
 * details (`{routing, account}`, `{iban, bic}`) as one free-form string. The parts stay paths too.
 */
export function compositeValue(o: Record<string, unknown>): string | undefined {
  return compositeOf(keyMap(o));
}

function compositeOf(keys: Map<string, unknown>): string | undefined {
  const given = pick(keys, GIVEN);
  const family = pick(keys, FAMILY);
  if (given && family) {
    const middle = pick(keys, MIDDLE);
    return [given, middle, family].filter(Boolean).join(" ");
  }
  const street = pick(keys, STREET);
  const city = pick(keys, CITY);
  if (street && city) {
    const code = pick(keys, POSTCODE);
    return code ? `${street}, ${code} ${city}` : `${street}, ${city}`;
  }
  const routing = pick(keys, ROUTING);
  const account = pick(keys, ACCOUNT);
  if (routing && account) {
    return `routing:${routing.replace(/\D/g, "")};account:${account}`;
  }
  const iban = pick(keys, ["iban"]);
  const bic = pick(keys, ["bic", "swift", "swiftcode"]);
  if (iban && bic) {
    return `IBAN ${iban} BIC ${bic}`;
  }
  return undefined;
}
const MAX_PATHS = 200;
const MAX_ITEMS = 25;

export type PathValues = Map<string, unknown[]>;

/**
 * The last walk: the scan walks a JSON column's documents to classify its paths and again to
 * write their catalog rows. Keyed by the array itself, which neither caller changes.
 */
let last: { samples: unknown[]; paths: PathValues } | undefined;

export function walkJson(samples: unknown[]): PathValues {
  if (last?.samples === samples) {
    return last.paths;
  }
  const paths = walkAll(samples);
  last = { samples, paths };
  return paths;
}

function walkAll(samples: unknown[]): PathValues {
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
      const keys = keyMap(value as Record<string, unknown>);
      const date = datePartsOf(keys);
      if (date) {
        add(path || "$", date);
        return;
      }
      const composite = compositeOf(keys);
      if (composite) {
        add(path || "$", composite);
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
