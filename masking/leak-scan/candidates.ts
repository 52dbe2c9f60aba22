import { countDigits } from "../../rules/classification/detectors/contact.ts";
import { cardBrand, isIban } from "../../rules/classification/detectors/financial.ts";
import { phoneKeys, phoneShapedRuns } from "../../rules/classification/phone-numbers.ts";
import { UUID_PATTERN } from "../../schema/uuid.ts";
import { eachAddressSpan, gluedNumber, LINE_PREFIX, mayHoldStreet } from "../address-lines.ts";
import { isLatinLetter, SCRUB_PATTERNS } from "../strategies/strategies.ts";
import { isShortNumber, SHORT_MIN, type ShortTally, writtenBare } from "./chance.ts";
import type { HashSet64 } from "./hash-set.ts";

/**
 * The target side of the leak scan: a text is cut into the candidates a source identifier could
 * appear as (normalized exactly as identifiers.ts normalizes source values), and each candidate
 * is hashed and looked up. Runs in Node over streamed rows: one hash per candidate, and word
 * pairs only when the first word starts a person-name identifier, so prose costs a few hashes
 * per sentence instead of one per word.
 */

/**
 * A street as scrub finds it — German "Emil-Nolde-Str. 196", "Am Rosenhügel 197a", French
 * "179 bis Allée de Seine", US/Canadian "19709 E 5th Street" — or a house number and the words
 * after it in any case ("12 o'brien road"), as identifiers.ts cuts them. A street that starts
 * with its number is looked up by its prefixes, one that ends with it by its suffixes (the
 * target's text may hold more words on the open side).
 */
export const STREET = `${SCRUB_PATTERNS.street}|[0-9]+(?: (?:[A-Za-z][A-Za-z']*|[0-9]+(?:st|nd|rd|th))){1,5}`;

const EMAIL = new RegExp(SCRUB_PATTERNS.email, "g");
const DIGIT_RUNS = [
  new RegExp(SCRUB_PATTERNS.phone, "g"),
  new RegExp(SCRUB_PATTERNS.card, "g"),
  /[0-9]{6,}/g,
  new RegExp(SCRUB_PATTERNS.taxId, "g"),
];
const STREET_RE = new RegExp(STREET, "g");
/**
 * A UUID (a key the platform made, in JSON and URLs): its hex groups hold digit runs that are no
 * number anyone wrote. At a million customers one in a few hundred UUIDs ends in twelve decimal
 * digits, and the last ten of some equalled another person's phone: a false finding that refused
 * the copy.
 */
const UUID = new RegExp(UUID_PATTERN, "gi");

/**
 * `text` with every UUID blanked out (same length: the runs around it keep their places). Both
 * sides of the scan read numbers this way: a UUID's first groups (`53945823-3331-4623-…`) are
 * now and then a Luhn-valid card in a real range, or a phone of some country (`55846057`).
 */
export function withoutUuids(text: string): string {
  if (text === lastText) {
    return lastBlanked;
  }
  lastText = text;
  lastBlanked = mayHoldUuid(text) ? text.replace(UUID, (u) => " ".repeat(u.length)) : text;
  return lastBlanked;
}
// Both sides read one text's numbers twice (eachCandidate, eachValidatedNumber).
let lastText = "";
let lastBlanked = "";

/** Whether `text` has four hyphens spaced as a UUID's are (8-4-4-4-12): the pattern's cheap half. */
function mayHoldUuid(text: string): boolean {
  if (text.length < 36) {
    return false;
  }
  for (
    let i = text.indexOf("-", 8);
    i >= 0 && i + 28 <= text.length;
    i = text.indexOf("-", i + 1)
  ) {
    if (
      text.charCodeAt(i + 5) === 45 &&
      text.charCodeAt(i + 10) === 45 &&
      text.charCodeAt(i + 15) === 45
    ) {
      return true;
    }
  }
  return false;
}
const DIGIT = /[0-9]/;
/** A decimal number as Postgres and JSON write one. */
export const DECIMAL = /^-?[0-9]+\.[0-9]+(?:[eE][-+]?[0-9]+)?$/;
const ALNUM = /^[A-Za-z0-9]$/;
/** Whole values longer than this are prose, not identifiers. */
const WHOLE_MAX = 256;

/**
 * A 64-bit keyed hash of a string, as two unsigned 32-bit halves: two murmur3-style lanes over
 * its UTF-16 code units, seeded from the key. Both sides of the scan hash in this process and
 * the hashes are never stored, so a fast hash does: a crypto hash per candidate cost ~1.7 µs,
 * this ~0.1 µs. Chance collisions (a false finding, never a missed leak) are about one in 10^12
 * lookups at 10 million identifiers.
 */
export function hash64(key: Buffer, value: string): [number, number] {
  const n = value.length;
  let a = key.readUInt32BE(0) ^ n;
  let b = key.readUInt32BE(4) ^ Math.imul(n, 0x9e3779b1);
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    let k = Math.imul(c, 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    a ^= k;
    a = (Math.imul((a << 13) | (a >>> 19), 5) + 0xe6546b64) | 0;
    let j = Math.imul(c ^ 0x5bd1e995, 0x85ebca6b);
    j = Math.imul((j << 16) | (j >>> 16), 0xc2b2ae35);
    b ^= j;
    b = (Math.imul((b << 11) | (b >>> 21), 9) + 0x52dce729) | 0;
  }
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  a = Math.imul(a, 0xc2b2ae35);
  a ^= a >>> 16;
  b ^= b >>> 15;
  b = Math.imul(b, 0x2c1b3c6d);
  b ^= b >>> 12;
  b = Math.imul(b, 0x297a2d39);
  b ^= b >>> 15;
  return [a >>> 0, b >>> 0];
}

/** Postgres's btrim(v) and lower(v) for the ASCII-dominated values identifiers are made of. */
function norm(v: string): string {
  return v.replace(/^ +| +$/g, "").toLowerCase();
}

// The global patterns are run with exec from lastIndex 0 (matchAll would clone the RegExp for
// every value); none matches the empty string.

/** Is handed each candidate; returns true to stop (a leak is found). */
/**
 * `guess`: the candidate is a reading of the text, not the number as written (a piece of a cut
 * phone run, a second national reading, a match of a source's second reading): a short one is
 * judged by its column against chance (chance.ts), like a short bare number.
 */
export type Visit = (candidate: string, guess?: boolean) => boolean;

/**
 * What a phone key's second reading is hashed after on both sides: `06 73 56 18 43` (a French
 * mobile) is also read as Hungarian `06` + `73561843`, and a masked `+50 9 73 56 18 43` (Haiti)
 * has that key. Kept apart from the keys as written, a hit on one is a guess.
 */
export const ALT_PREFIX = "alt:";

/** A source phone's identifiers: its key as written, and its second readings after ALT_PREFIX. */
export function phoneIdentifiers(written: string): string[] {
  return phoneKeys(written).map((k, i) => (i === 0 ? k : ALT_PREFIX + k));
}

/** The digits of a short number candidate (chance.ts), also after ALT_PREFIX; 0 for others. */
export function shortDigits(candidate: string): number {
  const digits = candidate.startsWith(ALT_PREFIX) ? candidate.slice(ALT_PREFIX.length) : candidate;
  return isShortNumber(digits) ? digits.length : 0;
}

const WHITESPACE = /\s/;

/**
 * Hands every candidate of `text` (duplicates allowed) to `visit` until it returns true; says
 * whether it did. The whole value only where an identifier can be one: an email, or a single
 * token of 7+ characters (a credential, an IP address); names, streets, phones and numbers
 * inside longer text are cut out below. `lineEnds` (eachAddressSpan's `ends`) leaves address-line
 * runs whose number end no source line has: only for a caller that proves it holds the ends of
 * every line the identifiers hold (stream-scan.ts).
 */
export function eachCandidate(
  value: string,
  heads: ReadonlySet<string>,
  visit: Visit,
  lineEnds?: (twoWords: string) => boolean,
): boolean {
  // A number with a fraction (a numeric column, a JSON number: 1852.1866666666666667, an
  // average) holds an identifier only in its integer part: the digits of a fraction are no
  // number anyone wrote, and their last ten digits now and then equal someone's phone.
  const text = DECIMAL.test(value) ? value.slice(0, value.indexOf(".")) : value;
  const hasAt = text.includes("@");
  if (text.length <= WHOLE_MAX) {
    if (hasAt) {
      if (visit(norm(text))) {
        return true;
      }
    } else if (text.length >= 7) {
      // Without whitespace there is nothing to trim (the common case costs no normalizing).
      const whole = WHITESPACE.test(text) ? norm(text) : text.toLowerCase();
      if (whole.length >= 7 && !WHITESPACE.test(whole) && visit(whole)) {
        return true;
      }
    }
  }
  if (hasAt) {
    EMAIL.lastIndex = 0;
    for (let m = EMAIL.exec(text); m !== null; m = EMAIL.exec(text)) {
      if (visit(m[0].toLowerCase())) {
        return true;
      }
    }
  }
  if (!DIGIT.test(text)) {
    return eachPair(text, heads, visit);
  }
  // Numbers and streets are looked for with every UUID blanked out (same length: the runs around
  // it keep their places).
  const digits = withoutUuids(text);
  // Every number candidate has six digits or more (DIGIT_RUNS, phone runs): a value with fewer
  // (an amount, a date, a time) can hold only a street or a name.
  if (countDigits(digits) < SHORT_MIN) {
    return mayHoldStreet(digits)
      ? eachStreet(text, digits, heads, visit, lineEnds)
      : eachPair(text, heads, visit);
  }
  for (const re of DIGIT_RUNS) {
    re.lastIndex = 0;
    for (let m = re.exec(digits); m !== null; m = re.exec(digits)) {
      // A run inside a token ("a6306878290b", a hex id) is no number anyone wrote.
      if (
        ALNUM.test(digits[m.index - 1] ?? "") ||
        ALNUM.test(digits[m.index + m[0].length] ?? "")
      ) {
        continue;
      }
      const d = m[0].replace(/[^0-9]/g, "");
      if (visit(d) || (d.length > 10 && visit(d.slice(-10)))) {
        return true;
      }
    }
  }
  // Phone numbers in any country's layout (`+44 20 7946 0958`, `06 12 34 56 78`), by the key
  // their every written form shares (phone-numbers.ts).
  // A piece of a cut run ("01 01 42 44 74 04 minutes" gives "01 42 44 74") and a second reading
  // are guesses; so is a key met among the source's second readings.
  for (const { run, cut } of phoneShapedRuns(digits)) {
    const keys = phoneKeys(run);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as string;
      if (visit(k, cut || i > 0) || visit(ALT_PREFIX + k, true)) {
        return true;
      }
    }
  }
  return mayHoldStreet(digits)
    ? eachStreet(text, digits, heads, visit, lineEnds)
    : eachPair(text, heads, visit);
}

/** eachCandidate's streets, address lines and name pairs of `text` (`digits`: UUIDs blanked). */
function eachStreet(
  text: string,
  digits: string,
  heads: ReadonlySet<string>,
  visit: Visit,
  lineEnds?: (twoWords: string) => boolean,
): boolean {
  STREET_RE.lastIndex = 0;
  for (let m = STREET_RE.exec(digits); m !== null; m = STREET_RE.exec(digits)) {
    const words = m[0].toLowerCase().split(" ");
    const numberFirst = DIGIT.test(m[0].charAt(0));
    // A number glued into a token ("Rechnung INV-1488 von …", "J-1005 Main") is a reference,
    // no house number: at 4 x 25,000 "1488 von" met the street "1488 Von-Murazik Wall".
    if (numberFirst && gluedNumber(digits, m.index)) {
      continue;
    }
    for (let k = 2; k <= words.length; k++) {
      const part = numberFirst ? words.slice(0, k) : words.slice(words.length - k);
      if (visit(part.join(" "))) {
        return true;
      }
    }
  }
  // The source's address lines in any shape and spelling (address-lines.ts).
  if (eachAddressSpan(digits, (k) => visit(LINE_PREFIX + k), lineEnds)) {
    return true;
  }
  return eachPair(text, heads, visit);
}

/** Every candidate of `text` (duplicates allowed), in the order the scan tries them. */
export function candidates(text: string, heads: ReadonlySet<string>): string[] {
  const out: string[] = [];
  eachCandidate(text, heads, (c) => {
    out.push(c);
    return false;
  });
  return out;
}

/** Letters (NAME_LETTERS), apostrophes and hyphens: what a name word is made of. */
function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 39 || c === 45 || isLatinLetter(c);
}

/**
 * The lower-case words that join a surname to the word after them ("Le Gall", "van der Berg",
 * "Da Silva"): a person-name identifier never ends on one nor starts with one (identifiers.ts),
 * and the scan reads through them from the word before.
 */
export const SURNAME_PARTICLES: ReadonlySet<string> = new Set([
  "al",
  "da",
  "das",
  "de",
  "dei",
  "del",
  "della",
  "dem",
  "den",
  "der",
  "di",
  "do",
  "dos",
  "du",
  "el",
  "het",
  "ibn",
  "la",
  "le",
  "les",
  "op",
  "san",
  "st",
  "ten",
  "ter",
  "van",
  "von",
  "vom",
  "zu",
  "zum",
  "zur",
]);

/**
 * Word pairs, written with one space between them ("Spencer, Swift and Weimann" holds no pair
 * "spencer swift"), whose first word starts some person-name identifier; through surname
 * particles, the words up to the one after them ("yann le gall"). Words are found by character
 * code: prose is most of what the scan reads.
 */
function eachPair(text: string, heads: ReadonlySet<string>, visit: Visit): boolean {
  if (heads.size === 0 || !text.includes(" ")) {
    return false;
  }
  const hashes = headHashes(heads);
  // The words since a head word, while every word after it is a particle.
  let chain: string | undefined;
  let previousEnd = -1;
  const n = text.length;
  let i = 0;
  while (i < n) {
    if (!isWordChar(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    // The lower-cased word's hash, as it is read: most words are no head, and are never sliced.
    let h = FNV_OFFSET;
    let ascii = true;
    for (let c = text.charCodeAt(i); i < n && isWordChar(c); c = text.charCodeAt(++i)) {
      if (c >= 65 && c <= 90) {
        h = Math.imul(h ^ (c + 32), FNV_PRIME);
      } else if (c < 128) {
        h = Math.imul(h ^ c, FNV_PRIME);
      } else {
        ascii = false;
      }
    }
    let word: string | undefined;
    let next: string | undefined;
    if (chain !== undefined && start === previousEnd + 1 && text[previousEnd] === " ") {
      word = text.slice(start, i).toLowerCase();
      const candidate = `${chain} ${word}`;
      if (visit(candidate)) {
        return true;
      }
      if (SURNAME_PARTICLES.has(word)) {
        next = candidate;
      }
    }
    if (next !== undefined) {
      chain = next;
    } else if (!ascii || hashes.has(h >>> 0)) {
      word ??= text.slice(start, i).toLowerCase();
      chain = heads.has(word) ? word : undefined;
    } else {
      chain = undefined;
    }
    previousEnd = i;
  }
  return false;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const HEAD_HASHES = new WeakMap<ReadonlySet<string>, Set<number>>();

/**
 * The FNV-1a hashes of the head words written in ASCII, as eachPair hashes a word while reading
 * it (a word with other letters is always looked up by its text).
 */
function headHashes(heads: ReadonlySet<string>): Set<number> {
  let hashes = HEAD_HASHES.get(heads);
  if (!hashes) {
    hashes = new Set();
    for (const head of heads) {
      let h = FNV_OFFSET;
      for (let k = 0; k < head.length; k++) {
        h = Math.imul(h ^ head.charCodeAt(k), FNV_PRIME);
      }
      hashes.add(h >>> 0);
    }
    HEAD_HASHES.set(heads, hashes);
  }
  return hashes;
}

const CARD_RUN = new RegExp(SCRUB_PATTERNS.card, "g");
const IBAN_RUN =
  /(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])/g;
const IBAN_START = /[A-Z]{2}[0-9]{2}/;
const TWELVE_DIGITS = /[0-9](?:[ -]?[0-9]){11}/;

/**
 * Hands every card number (Luhn, a real issuer range) and IBAN (mod-97) written in `text` to
 * `visit`, as its digits and `iban:` with its compact lower-case form, until it returns true:
 * found by content, whatever column the value sits in and whatever the source's catalog says.
 */
export function eachValidatedNumber(written: string, visit: Visit): boolean {
  // A UUID's groups are no number anyone wrote (at 4 x 25,000 four URLs and JSON ids held a
  // Luhn-valid "card" in them).
  const text = withoutUuids(written);
  if (TWELVE_DIGITS.test(text)) {
    CARD_RUN.lastIndex = 0;
    for (let m = CARD_RUN.exec(text); m !== null; m = CARD_RUN.exec(text)) {
      // Not inside a token (`sess_…`, a hex id) nor the decimals of an amount (845.1234…).
      const before = text[m.index - 1] ?? "";
      const after = text[m.index + m[0].length] ?? "";
      if (ALNUM.test(before) || ALNUM.test(after) || before === "." || before === "_") {
        continue;
      }
      if ((after === "." || after === ",") && DIGIT.test(text[m.index + m[0].length + 1] ?? "")) {
        continue;
      }
      const d = m[0].replace(/[^0-9]/g, "");
      if (cardBrand(d) !== undefined && visit(d)) {
        return true;
      }
    }
  }
  if (IBAN_START.test(text)) {
    IBAN_RUN.lastIndex = 0;
    for (let m = IBAN_RUN.exec(text); m !== null; m = IBAN_RUN.exec(text)) {
      const compact = m[0].replace(/ /g, "");
      if (isIban(compact) && visit(`iban:${compact.toLowerCase()}`)) {
        return true;
      }
    }
  }
  return false;
}

/** The forms of a masked value the scan must take for masking's own (images.ts, identifiers.ts). */
export function imageCandidates(masked: string): string[] {
  const out = candidates(masked, NO_HEADS);
  eachValidatedNumber(masked, (c) => {
    out.push(c);
    return false;
  });
  return out;
}

const NO_HEADS: ReadonlySet<string> = new Set();

/**
 * Whether any candidate of `text` is a source identifier, or `text` holds a validated card
 * number or IBAN, not counting those that are also masked images (`images`): the copy holds
 * those because masking made them (a tokenized card is now and then Luhn-valid in a real range).
 * A value alone: a short bare number that is an identifier counts (see leakVerdict).
 */
export function leaks(
  key: Buffer,
  text: string,
  identifiers: HashSet64,
  heads: ReadonlySet<string>,
  images?: HashSet64,
): boolean {
  return leakVerdict(key, text, identifiers, heads, images) !== null;
}

/**
 * A value's verdict: `leak` when a candidate is a source identifier (or a validated number) that
 * is no masked image; `short` when only short bare numbers are (chance.ts: the column judges
 * those); null when clean. `tally` (the value's column) counts every short bare candidate, and
 * remembers which are identifiers: a candidate the column has seen is not looked up again.
 */
export function leakVerdict(
  key: Buffer,
  text: string,
  identifiers: HashSet64,
  heads: ReadonlySet<string>,
  images?: HashSet64,
  tally?: ShortTally,
): "leak" | "short" | null {
  let short = false;
  // As eachCandidate reads it: a decimal's integer part.
  const plain = DECIMAL.test(text) ? text.slice(0, text.indexOf(".")) : text;
  const found =
    eachCandidate(text, heads, (c, guess) => {
      const [hi, lo] = hash64(key, c);
      const digits = shortDigits(c);
      if (digits > 0 && (guess || writtenBare(plain, c))) {
        if (tally && !tally.add(digits, hi, lo)) {
          short ||= tally.hits.has(hi, lo);
        } else if (identifiers.has(hi, lo) && !images?.has(hi, lo)) {
          short = true;
          tally?.hits.add(hi, lo);
        }
        return false;
      }
      return identifiers.has(hi, lo) && !images?.has(hi, lo);
    }) ||
    eachValidatedNumber(text, (c) => {
      const [hi, lo] = hash64(key, c);
      return !images?.has(hi, lo);
    });
  return found ? "leak" : short ? "short" : null;
}
