import { Metadata } from "libphonenumber-js/core";
import {
  type CountryCode,
  getCountries,
  getCountryCallingCode,
  parsePhoneNumberFromString,
} from "libphonenumber-js/max";
import metadata from "libphonenumber-js/max/metadata";

/**
 * Phone numbers as people write them in every country the platform serves (North America and
 * Europe), found and validated with libphonenumber's full metadata: the free-text scrubber, the
 * entity finder and both sides of the leak scan use these, so a number written `+44 20 7946
 * 0958`, `030 9018 2731` or `06 12 34 56 78` is masked and looked for like `(415) 555-0123`.
 *
 * libphonenumber costs 25-60 µs a parse, and a national number's country is not written, so the
 * work is kept off the common path: a span must have a phone's shape and 7-15 digits, NANP
 * numbers written the North American way are checked by the plan's own rules, a `+` number is
 * parsed once, and a national number is tried only against the countries whose trunk prefix
 * fits its first digit (the tenant's country first when known); answers are remembered.
 */

/** The countries the platform serves: the US and Canada, the EU, and Europe around it. */
export const SERVED_COUNTRIES: readonly CountryCode[] = [
  "US",
  "CA",
  "GB",
  "IE",
  "DE",
  "AT",
  "CH",
  "FR",
  "BE",
  "LU",
  "NL",
  "ES",
  "PT",
  "IT",
  "DK",
  "SE",
  "NO",
  "FI",
  "IS",
  "PL",
  "CZ",
  "SK",
  "HU",
  "SI",
  "HR",
  "RO",
  "BG",
  "GR",
  "CY",
  "MT",
  "EE",
  "LV",
  "LT",
];

/**
 * Countries whose national numbers are written with a leading 0: a trunk 0 (or Hungary's 06),
 * or Italy's landlines, whose 0 belongs to the number.
 */
const ZERO_FIRST: ReadonlySet<CountryCode> = new Set<CountryCode>([
  "GB",
  "IE",
  "DE",
  "AT",
  "CH",
  "FR",
  "BE",
  "NL",
  "FI",
  "SE",
  "SK",
  "SI",
  "HR",
  "RO",
  "BG",
  "HU",
  "LT",
  "IT",
]);
const WITH_ZERO = SERVED_COUNTRIES.filter((c) => ZERO_FIRST.has(c));
/** Countries whose national numbers start with another digit (Italy's mobiles start with 3). */
const WITHOUT_ZERO = SERVED_COUNTRIES.filter((c) => !ZERO_FIRST.has(c) || c === "IT");

/** Every country calling code (prefix-free, as E.164 makes them), for splitting `+` numbers. */
const CALLING_CODES: ReadonlySet<string> = new Set(
  getCountries().map((c) => getCountryCallingCode(c) as string),
);

/** The country calling code a `+` number's digits start with, or undefined. */
export function callingCodeOf(digits: string): string | undefined {
  for (let n = 1; n <= 3; n++) {
    const code = digits.slice(0, n);
    if (CALLING_CODES.has(code)) {
      return code;
    }
  }
  return undefined;
}

/** Every calling code, longest first: what the SQL twin of substitutePhone matches against. */
export function callingCodes(): string[] {
  return [...CALLING_CODES].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
}

/**
 * A run that may be a written phone number: an optional `+` or `00`, then digit groups joined by
 * single spaces, dots, dashes or parentheses. Not inside a token (`a6306878290b`, a hex id).
 */
export const PHONE_SHAPE =
  /(?<![0-9A-Za-z_+.-])(?:\+ ?)?(?:\([0-9]{1,5}(?:[ -][0-9]{1,5})?\) ?)?[0-9]{1,15}(?:(?:[ .-]|\) ?| \()[0-9]{1,10}){0,7}(?![0-9A-Za-z_])/g;

const DATE_OR_TIME =
  /^[0-9]{4}[-./][0-9]{1,2}[-./][0-9]{1,2}|^[0-9]{1,2}[-./][0-9]{1,2}[-./][0-9]{2,4}$/;
/** An amount written with thousands separators and cents (1.234.567,00 never gets here). */
const DECIMAL = /^[0-9]{1,3}(?:[.,][0-9]{3})+$|[.][0-9]{1,2}$/;
// (415) 555-0100, 415-555-0100, 415.555.0100, +1 415 555 0100, 1-415-555-0100.
const NANP_WRITTEN = /^(?:\+?1[-. ]?)?(?:\([0-9]{3}\) ?|[0-9]{3}[-. ])[0-9]{3}[-. ][0-9]{4}$/;

/** Ten digits (or eleven with the 1) as a NANP number is stored: 4155550123, 14155550123. */
const NANP_BARE = /^1?[2-9][0-9]{2}[2-9][0-9]{6}$/;

function digitsOf(text: string): string {
  let d = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      d += text[i];
    }
  }
  return d;
}

/** NANP: area code and exchange start 2-9, neither is N11. */
function nanpValid(ten: string): boolean {
  if (ten.length !== 10) {
    return false;
  }
  const a = ten.charCodeAt(0) - 48;
  const e = ten.charCodeAt(3) - 48;
  return (
    a >= 2 && e >= 2 && !(ten[1] === "1" && ten[2] === "1") && !(ten[4] === "1" && ten[5] === "1")
  );
}

/**
 * Answers remembered in two generations: when the newer is full it becomes the older and the
 * older is dropped, so the numbers texts keep repeating (a customer's phone in every message
 * about them) stay while a scan goes through hundreds of thousands of others. Keys are made by
 * concatenation: a run cut out of a long text would otherwise keep the whole text alive.
 */
class Remembered {
  private newer = new Map<string, string | null>();
  private older = new Map<string, string | null>();

  get(key: string): string | null | undefined {
    const known = this.newer.get(key);
    if (known !== undefined) {
      return known;
    }
    const old = this.older.get(key);
    if (old !== undefined) {
      this.set(key, old);
    }
    return old;
  }

  set(key: string, e164: string | null): void {
    if (this.newer.size >= REMEMBERED_MAX) {
      this.older = this.newer;
      this.newer = new Map();
    }
    this.newer.set(key, e164);
  }
}
const REMEMBERED_MAX = 200_000;
const remembered = new Remembered();

/** What parsing a national number reads of a country's metadata (libphonenumber's own view). */
type PlanView = {
  selectNumberingPlan(country: string): void;
  numberingPlan: {
    callingCode(): string;
    IDDPrefix(): string;
    nationalPrefixForParsing(): string | undefined;
    nationalPrefixTransformRule(): string | undefined;
    nationalNumberPattern(): string;
  };
  hasTypes(): boolean;
  type(name: string): { pattern(): string } | undefined;
  getCountryCodesForCallingCode(code: string): string[] | undefined;
};

/** The number types a valid number must be one of (libphonenumber's getNumberType). */
const NUMBER_TYPES = [
  "FIXED_LINE",
  "MOBILE",
  "PREMIUM_RATE",
  "TOLL_FREE",
  "SHARED_COST",
  "VOIP",
  "PERSONAL_NUMBER",
  "PAGER",
  "UAN",
  "VOICEMAIL",
];

/** Digits written with the separators a national number's run may hold, and nothing else. */
const NATIONAL_WRITTEN = /^[0-9 .()-]+$/;

/**
 * A test of the digits of a national number that is false only when libphonenumber cannot find
 * it valid with `country` as the default: the digits, with or without the country's national
 * prefix (as libphonenumber strips it), fit no pattern of a number type of any country sharing
 * its calling code (the one the number is then judged in). Digits that start with the country's
 * international prefix or its calling code take other paths in the parser: they always pass. A
 * pass costs a few regular expressions where a parse costs 25-60 µs, and most runs of digits
 * (amounts, ids, IP addresses, other countries' numbers) fail it in most countries.
 */
function nationalPrefilter(country: CountryCode): (digits: string) => boolean {
  const m = new Metadata(metadata) as unknown as PlanView;
  m.selectNumberingPlan(country);
  const plan = m.numberingPlan;
  const callingCode = plan.callingCode();
  const idd = new RegExp(`^(?:${plan.IDDPrefix()})`);
  const prefix = plan.nationalPrefixForParsing();
  const prefixRe = prefix ? new RegExp(`^(?:${prefix})`) : undefined;
  const transforms = Boolean(plan.nationalPrefixTransformRule());
  // One expression per country of the calling code: its general pattern and its types'.
  const fits = (m.getCountryCodesForCallingCode(callingCode) ?? [country]).map((c) => {
    m.selectNumberingPlan(c);
    const general = new RegExp(`^(?:${m.numberingPlan.nationalNumberPattern()})$`);
    const types = m.hasTypes()
      ? NUMBER_TYPES.flatMap((t) => {
          const p = m.type(t)?.pattern();
          return p ? [new RegExp(`^(?:${p})$`)] : [];
        })
      : undefined;
    return (n: string) => general.test(n) && (types === undefined || types.some((t) => t.test(n)));
  });
  return (digits) => {
    if (idd.test(digits) || digits.startsWith(callingCode)) {
      return true;
    }
    const p = prefixRe?.exec(digits);
    if (p && transforms && p.length > 1) {
      return true;
    }
    const stripped = p ? digits.slice(p[0].length) : undefined;
    return fits.some((f) => f(digits) || (stripped !== undefined && f(stripped)));
  };
}

const prefilters = new Map<CountryCode, (digits: string) => boolean>();

/** Whether `digits` may be a valid national number with `country` as the default (see above). */
function mayBeValidIn(country: CountryCode, digits: string): boolean {
  let test = prefilters.get(country);
  if (!test) {
    test = nationalPrefilter(country);
    prefilters.set(country, test);
  }
  return test(digits);
}

function tryCountries(text: string, countries: readonly CountryCode[]): string | null {
  // The prefilter reads the digits libphonenumber reads: a run of digits and separators only.
  const digits = NATIONAL_WRITTEN.test(text) ? digitsOf(text) : undefined;
  for (const country of countries) {
    if (digits !== undefined && !mayBeValidIn(country, digits)) {
      continue;
    }
    const n = parsePhoneNumberFromString(text, country);
    if (n?.isValid()) {
      return n.number;
    }
  }
  return null;
}

/**
 * The E.164 form of a written phone number (`+442079460958`), or undefined when libphonenumber
 * finds no country it is valid in: a `+` (or `00`) number by its own country code, a national
 * one in `country` first, then in the other served countries its first digit fits.
 */
export function phoneE164(written: string, country?: CountryCode): string | undefined {
  const text = written.trim();
  const digits = digitsOf(text);
  if (digits.length < 7 || digits.length > 15 || DATE_OR_TIME.test(text) || DECIMAL.test(text)) {
    return undefined;
  }
  const memo = `${country ?? ""}|${text}`;
  const known = remembered.get(memo);
  if (known !== undefined) {
    return known ?? undefined;
  }
  let found: string | null = null;
  try {
    if (text.startsWith("+") || (text.startsWith("00") && !text.startsWith("000"))) {
      const n = parsePhoneNumberFromString(text.startsWith("+") ? text : `+${text.slice(2)}`);
      // With the country code written, a possible length is enough: test ranges and new blocks
      // often fail the finer patterns, and a masked copy must not keep them.
      found = n?.isPossible() ? n.number : null;
    } else if (
      (NANP_WRITTEN.test(text) || NANP_BARE.test(text)) &&
      (country === undefined || country === "US" || country === "CA") &&
      nanpValid(digits.length === 11 ? digits.slice(1) : digits)
    ) {
      found = `+1${digits.length === 11 ? digits.slice(1) : digits}`;
    } else {
      const fits = digits.startsWith("0") ? WITH_ZERO : WITHOUT_ZERO;
      found =
        (country ? tryCountries(text, [country]) : null) ??
        tryCountries(
          text,
          fits.filter((c) => c !== country),
        );
    }
  } catch {
    found = null;
  }
  remembered.set(memo, found);
  return found ?? undefined;
}

/** A phone number found in a text: where it is written. */
export type PhoneSpan = { start: number; end: number; text: string; e164: string };

/**
 * Every phone number written in `text` that libphonenumber validates (see phoneE164). A run of
 * two numbers side by side (`030 9018 2731 06 12 34 56 78`) that is no number as a whole is
 * split where a second number may start (a `+`, a `0` or a `(` after a space).
 */
export function findPhones(text: string, country?: CountryCode): PhoneSpan[] {
  const out: PhoneSpan[] = [];
  PHONE_SHAPE.lastIndex = 0;
  for (let m = PHONE_SHAPE.exec(text); m !== null; m = PHONE_SHAPE.exec(text)) {
    const run = m[0];
    if (run.length < 7) {
      continue;
    }
    const e164 = phoneE164(run, country);
    if (e164 !== undefined) {
      out.push({ start: m.index, end: m.index + run.length, text: run, e164 });
      continue;
    }
    // Where a second number may start: after a space, at a +, 0 or (.
    const starts = [0];
    for (let i = 1; i < run.length; i++) {
      if (run[i - 1] === " " && (run[i] === "+" || run[i] === "0" || run[i] === "(")) {
        starts.push(i);
      }
    }
    if (starts.length < 2) {
      continue;
    }
    starts.push(run.length + 1);
    for (let k = 0; k + 1 < starts.length; k++) {
      const from = starts[k] as number;
      const part = run.slice(from, (starts[k + 1] as number) - 1).trimEnd();
      const partE164 = phoneE164(part, country);
      if (partE164 !== undefined) {
        out.push({
          start: m.index + from,
          end: m.index + from + part.length,
          text: part,
          e164: partE164,
        });
      }
    }
  }
  return out;
}

/**
 * The runs of `text` written as a phone number may be (PHONE_SHAPE, 7-15 digits, no date, time
 * or amount), unvalidated: the leak scan looks each one's phoneKey up, which costs a hash where
 * validating would cost a parse per country. A run of two numbers side by side is also cut where
 * a second may start: those pieces are guesses (`cut`), the whole run is the number as written.
 */
export function phoneShapedRuns(text: string): { run: string; cut: boolean }[] {
  const out: { run: string; cut: boolean }[] = [];
  PHONE_SHAPE.lastIndex = 0;
  for (let m = PHONE_SHAPE.exec(text); m !== null; m = PHONE_SHAPE.exec(text)) {
    const run = m[0];
    if (run.length < 7) {
      continue;
    }
    const n = digitsOf(run).length;
    if (n >= 7 && n <= 15 && !DATE_OR_TIME.test(run) && !DECIMAL.test(run)) {
      out.push({ run, cut: false });
    }
    if (n > 10) {
      let from = 0;
      for (let i = 1; i < run.length; i++) {
        if (run[i - 1] === " " && (run[i] === "+" || run[i] === "0" || run[i] === "(")) {
          out.push({ run: run.slice(from, i - 1), cut: true });
          from = i;
        }
      }
      if (from > 0) {
        out.push({ run: run.slice(from), cut: true });
      }
    }
  }
  return out;
}

/**
 * The key every written form of one number shares, whatever its country is taken for: its
 * national significant number (E.164 without the country code) with leading zeros dropped.
 * `+44 20 7946 0958`, `0044 20 7946 0958` and `020 7946 0958` all give `2079460958`; `+33 6 12
 * 34 56 78` and `06 12 34 56 78` give `612345678`; `+1 (415) 555-0123` and `415.555.0123`
 * give `4155550123`. The leak scan hashes this form on both sides: a national number's country
 * is not written in a text, and this key needs none. Undefined under 7 digits.
 */
export function phoneKey(written: string): string | undefined {
  const text = written.trimStart();
  let digits = digitsOf(text);
  if (text.startsWith("+") || (text.startsWith("00") && !text.startsWith("000"))) {
    if (!text.startsWith("+")) {
      digits = digits.slice(2);
    }
    const code = callingCodeOf(digits);
    if (code !== undefined) {
      digits = digits.slice(code.length);
    }
  } else if (digits.length === 11 && digits.startsWith("1")) {
    digits = digits.slice(1);
  }
  const key = digits.replace(/^0+/, "");
  return key.length >= 7 ? key : undefined;
}

/**
 * phoneKey, and for a national number written with Hungary's trunk prefix `06` (`06 20 123
 * 4567`, `+36 20 123 4567`) also the key without it: the one trunk prefix that is not zeros.
 */
export function phoneKeys(written: string): string[] {
  const key = phoneKey(written);
  if (key === undefined) {
    return [];
  }
  const national = !written.trimStart().startsWith("+") && !written.trimStart().startsWith("00");
  return national && key.length >= 9 && key.startsWith("6") && /^\s*\(?06/.test(written)
    ? [key, key.slice(1)]
    : [key];
}

/** A tenant's country from its settings' locale (`de-DE`) or its region (`eu-de`, `ca-central`). */
export function tenantCountry(
  locale?: string | null,
  region?: string | null,
): CountryCode | undefined {
  const fromLocale = /^[a-z]{2}[-_]([A-Z]{2})$/i.exec(locale ?? "")?.[1]?.toUpperCase();
  if (fromLocale && SERVED_COUNTRIES.includes(fromLocale as CountryCode)) {
    return fromLocale as CountryCode;
  }
  const r = (region ?? "").toLowerCase();
  if (r.startsWith("us")) {
    return "US";
  }
  if (r.startsWith("ca")) {
    return "CA";
  }
  const eu = /^eu[-_]?([a-z]{2})$/.exec(r)?.[1]?.toUpperCase();
  return eu && SERVED_COUNTRIES.includes(eu as CountryCode) ? (eu as CountryCode) : undefined;
}
