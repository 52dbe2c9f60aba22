import { Metadata, parsePhoneNumberFromString } from "libphonenumber-js/max";
import { Prng } from "./prng.ts";

/**
 * Phone numbers of the countries outside the US, valid by libphonenumber's full metadata and
 * written the ways people of that country write them.
 *
 * Parsing and validating one number costs 40-300 µs, far too slow per row. So the number ranges
 * are probed once per process against the metadata's own patterns (compiled once): a starting
 * prefix (an area code such as Berlin's 30, a mobile block such as 151) and a national length are
 * tried with random tails; if every tail is valid the prefix becomes a template, if only some
 * are, the prefix is refined digit by digit until the valid sub-ranges are found. Which ranges
 * exist comes from the metadata, not from patterns written here; each template's written shapes
 * come from libphonenumber's own formatting of a few numbers in it. Rows then only append random
 * digits to a template and fill its shapes.
 */

export type PhoneCountry = "CA" | "DE" | "FR";

/** A starting range: national significant prefix, total national length, and whose it is. */
export type PhoneSeed = { prefix: string; length: number };

export type PhoneTemplate = {
  prefix: string;
  length: number;
  /** libphonenumber's national and international formats with `#` for each national digit. */
  national: string;
  international: string;
};

const SAMPLES = 24;
const LEAF_SAMPLES = 12;
/**
 * How many digits below a starting prefix the ranges are split. The metadata's holes sit in the
 * first digits after an area code or mobile block (French 0590/0594 under 05, German short
 * blocks); North American exchanges only exclude a leading 0 or 1.
 */
const MAX_DEPTH: Record<PhoneCountry, number> = { CA: 1, DE: 2, FR: 2 };

type Plan = { general: RegExp; types: RegExp[] };
type RawPlan = {
  nationalNumberPattern(): string;
  type(name: string): { pattern(): string } | undefined;
};

const plans = new Map<PhoneCountry, Plan>();

/** The country's national-number and number-type patterns, as libphonenumber's `isValid` uses. */
function planOf(country: PhoneCountry): Plan {
  let plan = plans.get(country);
  if (!plan) {
    const metadata = new Metadata();
    metadata.selectNumberingPlan(country);
    const raw = metadata.numberingPlan as unknown as RawPlan;
    const whole = (pattern: string) => new RegExp(`^(?:${pattern})$`);
    plan = {
      general: whole(raw.nationalNumberPattern()),
      types: ["FIXED_LINE", "MOBILE"]
        .map((t) => raw.type(t)?.pattern() ?? "")
        .filter((p) => p !== "")
        .map(whole),
    };
    plans.set(country, plan);
  }
  return plan;
}

function valid(plan: Plan, nsn: string): boolean {
  return plan.general.test(nsn) && plan.types.some((t) => t.test(nsn));
}

/** Shapes of a template from libphonenumber's formatting of two of its numbers. */
function shapes(
  country: PhoneCountry,
  prefix: string,
  length: number,
  rng: Prng,
): { national: string; international: string } | undefined {
  let found: { national: string; international: string } | undefined;
  for (let i = 0; i < 2; i++) {
    const nsn = `${prefix}${rng.digits(length - prefix.length)}`;
    const n = parsePhoneNumberFromString(nsn, country);
    if (!(n?.isValid() && n.country === country)) {
      return undefined;
    }
    const national = mask(n.formatNational(), nsn);
    const international = mask(n.formatInternational(), nsn);
    if (!national || !international) {
      return undefined;
    }
    if (found && (found.national !== national || found.international !== international)) {
      return undefined;
    }
    found = { national, international };
  }
  return found;
}

function mask(formatted: string, nsn: string): string | undefined {
  let digits = 0;
  for (const ch of formatted) {
    if (ch >= "0" && ch <= "9") {
      digits++;
    }
  }
  // Leading digits beyond the national number (trunk 0, country code) stay literal.
  let literal = digits - nsn.length;
  if (literal < 0) {
    return undefined;
  }
  let out = "";
  for (const ch of formatted) {
    if (ch >= "0" && ch <= "9" && literal-- <= 0) {
      out += "#";
    } else {
      out += ch;
    }
  }
  return out;
}

/**
 * Valid prefixes under `prefix`: a prefix counts when every one of its ten sub-ranges does, down
 * to MAX_DEPTH digits, whose ranges are sampled. Splitting every level (rather than accepting a
 * prefix whose samples all passed) finds rare holes, such as 0590/0594 inside French 05 numbers,
 * which belong to the overseas departments.
 */
function validPrefixes(
  plan: Plan,
  country: PhoneCountry,
  prefix: string,
  length: number,
  depth: number,
): { whole: boolean; prefixes: string[] } {
  const rng = Prng.derive(0, "phone-probe", country, prefix, length);
  const samples =
    depth === MAX_DEPTH[country] || prefix.length >= length - 4 ? LEAF_SAMPLES : SAMPLES;
  let hits = 0;
  for (let i = 0; i < samples; i++) {
    if (valid(plan, `${prefix}${rng.digits(length - prefix.length)}`)) {
      hits++;
    }
  }
  if (samples === LEAF_SAMPLES || hits === 0) {
    return { whole: hits === samples, prefixes: hits === samples ? [prefix] : [] };
  }
  const prefixes: string[] = [];
  let whole = true;
  for (let d = 0; d <= 9; d++) {
    const child = validPrefixes(plan, country, `${prefix}${d}`, length, depth + 1);
    whole &&= child.whole;
    prefixes.push(...child.prefixes);
  }
  return whole ? { whole, prefixes: [prefix] } : { whole, prefixes };
}

function probe(country: PhoneCountry, prefix: string, length: number, out: PhoneTemplate[]): void {
  const plan = planOf(country);
  for (const p of validPrefixes(plan, country, prefix, length, 0).prefixes) {
    const written = shapes(country, p, length, Prng.derive(0, "phone-shape", country, p, length));
    if (written) {
      out.push({ prefix: p, length, ...written });
    }
  }
}

const cache = new Map<string, PhoneTemplate[]>();

/** Templates for the given ranges (cached: the same ranges always give the same templates). */
export function phoneTemplates(
  country: PhoneCountry,
  seeds: readonly PhoneSeed[],
): PhoneTemplate[] {
  const key = `${country}:${seeds.map((s) => `${s.prefix}/${s.length}`).join(",")}`;
  let templates = cache.get(key);
  if (!templates) {
    templates = [];
    for (const seed of seeds) {
      probe(country, seed.prefix, seed.length, templates);
    }
    if (templates.length === 0) {
      throw new Error(`no valid phone range among ${key}`);
    }
    cache.set(key, templates);
  }
  return templates;
}

/** Random national significant number inside a template. */
export function drawNsn(rng: Prng, t: PhoneTemplate): string {
  return `${t.prefix}${rng.digits(t.length - t.prefix.length)}`;
}

/** Fills a `#` mask with the national digits. */
export function fill(shape: string, nsn: string): string {
  let i = 0;
  let out = "";
  for (const ch of shape) {
    out += ch === "#" ? nsn[i++] : ch;
  }
  return out;
}

/**
 * The forms people write a number in. 0: as the country's directories print it
 * (`030 90182731`, `06 12 34 56 78`, `(416) 555-0199`); 1: international (`+49 30 90182731`,
 * `+33 6 12 34 56 78`, `+1 416 555 0199`); 2: a common hand-written variant (`030 9018 2731`,
 * `06.12.34.56.78`, `416-555-0199`).
 */
export function writePhone(
  country: PhoneCountry,
  t: PhoneTemplate,
  nsn: string,
  form: number,
): string {
  if (form === 0) {
    return fill(t.national, nsn);
  }
  if (form === 1) {
    return fill(t.international, nsn);
  }
  if (country === "FR") {
    return fill(t.national, nsn).replace(/ /g, ".");
  }
  if (country === "CA") {
    return `${nsn.slice(0, 3)}-${nsn.slice(3, 6)}-${nsn.slice(6)}`;
  }
  // German: area code (mobile: 01xx), then the subscriber number in blocks of four.
  const national = fill(t.national, nsn);
  const space = national.indexOf(" ");
  const area =
    national.startsWith("01") || space < 0 ? national.slice(0, 4) : national.slice(0, space);
  const subscriber = national.slice(area.length).replace(/\D/g, "");
  return `${area} ${subscriber.replace(/(\d{4})(?=\d{2,})/g, "$1 ")}`;
}
