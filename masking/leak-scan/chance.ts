import { HashSet64 } from "./hash-set.ts";

/**
 * Short bare numbers, judged by the column instead of the value. A number of 6-9 digits written
 * bare (a file size, a routing number, a JSON number leaf) carries at most ~30 bits: at four
 * tenants of 25,000 customers the source holds tens of thousands of such identifiers (bank
 * account numbers, the national keys of 9-digit phones), and a column of 100,000 distinct file
 * sizes meets a few of them by chance (seen at 4 x 25,000: 1-3 rows each in file sizes, routing
 * numbers, JSON amounts). One such hit says nothing; a column holds leaked short numbers when it
 * has more hits than chance gives it: the expected number of chance hits is the column's
 * distinct short candidates times the source's short identifiers of the same length over the
 * size of that number space, and a column is a finding when its hits are that improbable
 * (Poisson tail below CHANCE_ALPHA). A copied column of account numbers hits on most of its
 * values; one leaked number in a column of few numbers is still a finding (nothing there meets
 * it by chance). A short number written as people write a phone (`06 12 34 56 78`, `+33 6…`,
 * `0612345678`) or inside a longer one is no bare number and stays a finding alone.
 */

/** Digit counts judged by chance: 6 (the shortest number identifier) to 9. */
export const SHORT_MIN = 6;
export const SHORT_MAX = 9;
/**
 * How improbable a column's hits must be under chance alone to be a finding: one hit in a column
 * of a few dozen numbers (λ ≈ 10^-4 against thousands of 7-digit identifiers) is one, while a
 * copy's few dozen columns of many numbers give a false refusal in a few copies out of a hundred
 * at most.
 */
export const CHANCE_ALPHA = 1e-3;

const SHORT = /^[0-9]{6,9}$/;

/** Whether an identifier (or candidate) is a short number: all digits, 6-9 of them. */
export function isShortNumber(s: string): boolean {
  return s.length >= SHORT_MIN && s.length <= SHORT_MAX && SHORT.test(s);
}

const isDigit = (c: number) => c >= 48 && c <= 57;
/** Characters that join digit groups into one written number. */
const isJoiner = (c: number) =>
  c === 32 || c === 45 || c === 46 || c === 47 || c === 40 || c === 41;

/**
 * Whether `digits` is written bare in `text`: as a run of exactly those digits, with no digit,
 * `+` or digit group joined on either side. `0612345678` (a trunk 0) and `06 12 34 56 78` do not
 * write `612345678` bare; `612345678` and `{"n": 612345678}` do.
 */
export function writtenBare(text: string, digits: string): boolean {
  for (let i = text.indexOf(digits); i !== -1; i = text.indexOf(digits, i + 1)) {
    const end = i + digits.length;
    const b1 = i > 0 ? text.charCodeAt(i - 1) : -1;
    const a1 = end < text.length ? text.charCodeAt(end) : -1;
    if (isDigit(b1) || isDigit(a1) || b1 === 43) {
      continue;
    }
    if (isJoiner(b1) && i > 1 && isDigit(text.charCodeAt(i - 2))) {
      continue;
    }
    if (isJoiner(a1) && end + 1 < text.length && isDigit(text.charCodeAt(end + 1))) {
      continue;
    }
    return true;
  }
  return false;
}

/**
 * One column's short bare numbers: the distinct ones looked up (by digit count) and the hashes
 * of those that are source identifiers.
 */
export class ShortTally {
  private readonly seen = new HashSet64(1 << 6);
  /** Distinct short candidates, by digit count (index 0-9). */
  readonly lookups: number[] = new Array(SHORT_MAX + 1).fill(0);
  readonly hits = new HashSet64(1 << 4);

  /** Counts a candidate; says whether it is new to the column (only new ones need a lookup). */
  add(digits: number, hi: number, lo: number): boolean {
    if (!this.seen.add(hi, lo)) {
      return false;
    }
    this.lookups[digits] = (this.lookups[digits] ?? 0) + 1;
    return true;
  }

  /** Every distinct candidate counted, as (hi, lo): looked up once the identifiers arrive. */
  forEachSeen(visit: (hi: number, lo: number) => void): void {
    this.seen.forEach(visit);
  }
}

/** What a tally tells the verdict: its lookups by digit count, its hits as (hi, lo) pairs. */
export type ShortHits = { lookups: number[]; hits: Uint32Array };

/** The chance hits expected of a column's lookups against the source's short identifiers. */
export function expectedChanceHits(lookups: readonly number[], source: readonly number[]): number {
  let lambda = 0;
  for (let n = SHORT_MIN; n <= SHORT_MAX; n++) {
    lambda += ((lookups[n] ?? 0) * (source[n] ?? 0)) / 10 ** n;
  }
  return lambda;
}

/** Whether `hits` chance hits or more are less probable than CHANCE_ALPHA when `lambda` are expected. */
export function beyondChance(hits: number, lambda: number): boolean {
  if (hits <= 0) {
    return false;
  }
  if (lambda <= 0) {
    return true;
  }
  // P(X >= hits) = 1 - sum_{i < hits} e^-λ λ^i / i!
  let term = Math.exp(-lambda);
  let below = 0;
  for (let i = 0; i < hits; i++) {
    below += term;
    term *= lambda / (i + 1);
  }
  return 1 - below < CHANCE_ALPHA;
}
