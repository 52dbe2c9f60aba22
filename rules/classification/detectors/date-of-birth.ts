import type { ValueDetector } from "./types.ts";

/**
 * Dates that could be birth dates: a calendar date without a time of day, in ISO, US or European
 * notation, of a person between 0 and 110 years old. The column-level test (ages spread over
 * decades, none too young) lives in scoring: one plausible date says little, a column of them does.
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T00:00:00(?:\.0+)?(?:Z|[+-]00:?00)?)?$/;
const SLASHED = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/;
const THIS_YEAR = new Date().getUTCFullYear();

/** Month names (and their usual abbreviations) in English, German, French, Spanish, Italian. */
const MONTHS: Record<string, number> = {};
for (const [i, names] of [
  "january jan januar janvier enero gennaio jänner",
  "february feb februar février fevrier febrero febbraio",
  "march mar märz maerz mars marzo",
  "april apr avril abril aprile",
  "may mai mayo maggio",
  "june jun juni juin junio giugno",
  "july jul juli juillet julio luglio",
  "august aug août aout agosto",
  "september sep sept septembre septiembre settembre",
  "october oct oktober okt octobre octubre ottobre",
  "november nov novembre noviembre",
  "december dec dezember dez décembre decembre diciembre dicembre",
].entries()) {
  for (const n of names.split(" ")) {
    MONTHS[n] = i + 1;
  }
}
// `4 July 1994`, `4th of July, 1994`, `11. Mai 1982`, `4 de julio de 1994`.
const DAY_MONTH_YEAR =
  /^(\d{1,2})(?:st|nd|rd|th|er|\.)?\s+(?:of\s+|de\s+)?(\p{L}{3,10})\.?,?\s+(?:de\s+)?(\d{4})$/iu;
// `May 11, 1982`, `July 4th 1994`.
const MONTH_DAY_YEAR = /^(\p{L}{3,10})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$/iu;

function writtenDate(value: string): [number, number, number] | undefined {
  if (value.length < 8 || value.length > 30) {
    return undefined;
  }
  let m = DAY_MONTH_YEAR.exec(value);
  if (m) {
    const month = MONTHS[(m[2] as string).toLowerCase()];
    return month ? [Number(m[3]), month, Number(m[1])] : undefined;
  }
  m = MONTH_DAY_YEAR.exec(value);
  if (m) {
    const month = MONTHS[(m[1] as string).toLowerCase()];
    return month ? [Number(m[3]), month, Number(m[2])] : undefined;
  }
  return undefined;
}

/** The year of a date-only value, or undefined. */
export function dateYear(value: string): number | undefined {
  let y: number;
  let m: number;
  let d: number;
  const iso = ISO.exec(value);
  if (iso) {
    y = Number(iso[1]);
    m = Number(iso[2]);
    d = Number(iso[3]);
  } else {
    const s = SLASHED.exec(value);
    if (!s) {
      const w = writtenDate(value);
      if (!w) {
        return undefined;
      }
      [y, m, d] = w;
      return m >= 1 && m <= 12 && d >= 1 && d <= 31 ? y : undefined;
    }
    const a = Number(s[1]);
    const b = Number(s[2]);
    y = Number(s[3]);
    // US month/day or European day/month: either reading must be a real date.
    m = a <= 12 ? a : b;
    d = a <= 12 ? b : a;
  }
  if (m < 1 || m > 12 || d < 1 || d > 31) {
    return undefined;
  }
  return y;
}

export function isBirthDateShape(value: string): boolean {
  const y = dateYear(value);
  return y !== undefined && y >= THIS_YEAR - 110 && y <= THIS_YEAR;
}

/**
 * A column of birth dates: nearly all of people at least 12, years spread (not one business
 * period), the median age adult. `created_at`-like dates cluster in the last few years and fail.
 */
export function looksLikeBirthDates(values: string[]): boolean {
  const years: number[] = [];
  for (const v of values) {
    const y = dateYear(v);
    if (y !== undefined) {
      years.push(y);
    }
  }
  if (years.length < 5) {
    return false;
  }
  years.sort((a, b) => a - b);
  const old = years.filter((y) => THIS_YEAR - y >= 12).length / years.length;
  const median = years[Math.floor(years.length / 2)] as number;
  const spread =
    (years[Math.floor(years.length * 0.9)] as number) -
    (years[Math.floor(years.length * 0.1)] as number);
  return old >= 0.9 && THIS_YEAR - median >= 18 && spread >= 10;
}

export const DOB_DETECTORS: ValueDetector[] = [
  { id: "dob.date", category: "date_of_birth", strength: "weak", test: isBirthDateShape },
];
