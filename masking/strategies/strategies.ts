import { createCipheriv, createDecipheriv } from "node:crypto";
import { STREET_FORMS } from "../../rules/classification/detectors/street-forms.ts";
import { callingCodeOf, findPhones } from "../../rules/classification/phone-numbers.ts";
import type { Category } from "../../schema/domain/classification.ts";
import { mayHoldStreet } from "../address-lines.ts";
import { tokenizeDigits } from "./fpe.ts";
import { formatKept } from "./images.ts";
import { type JsonLeaf, RawNumber, rewriteJsonLeaves } from "./json-text.ts";
import { hmac, remembered } from "./key.ts";
import {
  ADDRESS_KEEP,
  capitalize,
  EMAIL_DOMAINS,
  FIRST_SYLLABLES,
  keepCase,
  LAST_SYLLABLES,
  syllableWord,
} from "./words.ts";

/**
 * The masking strategies, in Node. Every function is deterministic under the key: the same real
 * value gives the same masked value in every table, every JSONB document, every free text and
 * every run. sql-functions.ts computes the very same values inside Postgres (tested value for
 * value), which is what provisioning uses; these serve previews, scrub tests and detokenizing.
 */

import { STRATEGIES, type Strategy } from "../../schema/domain/masking.ts";

export { STRATEGIES, type Strategy };

/** Which part of a person's name a value holds: decides the syllables each word gets. */
export type NamePart = "first" | "last" | "full";

export type StrategyParams = {
  /** substitute: the category whose fake to produce (default: the column's category). */
  category?: Category;
  /** substitute person_name: first/last/full (default full: first word first, others last). */
  part?: NamePart;
  /** partial: how many trailing characters stay visible (default 4). */
  keep?: number;
  /** date_shift: the column naming the entity whose offset applies (default customer_id or id). */
  entity?: string;
  /** date_shift: the largest shift in days either way (default 30). */
  days?: number;
  /** noise: the largest relative change (default 0.1 = ±10 %). */
  bound?: number;
};

/**
 * What scrub looks for in free text by the source's own values: the known first and last names
 * (lower case), and the source's address lines (address-line-set.ts), found whatever their shape.
 */
export type NameDictionary = {
  first: ReadonlySet<string>;
  last: ReadonlySet<string>;
  lines?: { find(text: string): string[] };
};

const EMPTY_NAMES: NameDictionary = { first: new Set(), last: new Set() };

// ---- substitute --------------------------------------------------------------------------

/** `abbey.waters@comcast.net` → `ralika.venmor.1f2e3d4c@example.org`; unique per input. */
export const substituteEmail = remembered((key: Buffer, value: string): string => {
  const h = hmac(key, `email:${value.trim().toLowerCase()}`);
  const first = syllableWord(h, 0, FIRST_SYLLABLES).toLowerCase();
  const last = syllableWord(h, 8, LAST_SYLLABLES).toLowerCase();
  const tag = h.subarray(16, 20).toString("hex");
  return `${first}.${last}.${tag}@${EMAIL_DOMAINS[(h[24] ?? 0) % 3]}`;
});

/**
 * `(630) 687-8290` → `(418) 093-5512`, `+44 20 7946 0958` → `+44 81 3027 5516`, `030 9018 2731`
 * → `051 7730 2218`: the format, the country code (`+44`, `0044`) and a national trunk 0 kept,
 * so the masked number is written the way its country writes numbers, and the other digits
 * tokenized (a bijection, so distinct numbers stay distinct and unique constraints hold).
 */
export function substitutePhone(key: Buffer, value: string): string {
  const keep = keptPhoneDigits(value);
  if (keep === 0) {
    return formatKept(tokenizeDigits(key, value));
  }
  let seen = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 48 && c <= 57 && ++seen === keep) {
      return formatKept(value.slice(0, i + 1) + tokenizeDigits(key, value.slice(i + 1)));
    }
  }
  return formatKept(value);
}

/** How many leading digits of a phone stay: `00`, the country code, then trunk zeros. */
function keptPhoneDigits(value: string): number {
  const trimmed = value.trimStart();
  let digits = value.replace(/[^0-9]/g, "");
  let keep = 0;
  if (trimmed.startsWith("+") || (trimmed.startsWith("00") && !trimmed.startsWith("000"))) {
    if (!trimmed.startsWith("+")) {
      digits = digits.slice(2);
      keep = 2;
    }
    const code =
      callingCodeOf(digits) ??
      (digits.startsWith("1") || digits.startsWith("7") ? digits.slice(0, 1) : digits.slice(0, 2));
    keep += code.length;
    digits = digits.slice(code.length);
  }
  return keep + digits.length - digits.replace(/^0+/, "").length;
}

const fakeName = (part: "first" | "last") =>
  remembered((key: Buffer, lower: string) =>
    syllableWord(
      hmac(key, `${part}:${lower}`),
      0,
      part === "first" ? FIRST_SYLLABLES : LAST_SYLLABLES,
    ),
  );
const FAKE_NAMES = { first: fakeName("first"), last: fakeName("last") };

/** One name word: same word, same fake, whatever the surrounding value. */
export function substituteNameWord(key: Buffer, word: string, part: "first" | "last"): string {
  return keepCase(word, FAKE_NAMES[part](key, word.toLowerCase()));
}

/** `Abbey Waters` → `Ralika Venmor`; punctuation and spacing kept, word by word. */
export function substituteName(key: Buffer, value: string, part: NamePart = "full"): string {
  let words = 0;
  return value.replace(/[A-Za-z]+/g, (word) => {
    words++;
    const as = part === "full" ? (words === 1 ? "first" : "last") : part;
    return substituteNameWord(key, word, as);
  });
}

/** Keyed digits of the same length (first digit kept non-zero when it was). */
const substituteNumber = remembered((key: Buffer, digits: string): string => {
  const h = hmac(key, `num:${digits}`);
  let out = "";
  for (let i = 0; i < digits.length; i++) {
    const b = h[i % 32] ?? 0;
    out += i === 0 && digits.charAt(0) !== "0" ? String((b % 9) + 1) : String(b % 10);
  }
  return out;
});

/** A place word's fake (lower case in, cased by the caller). */
const fakePlace = remembered((key: Buffer, lower: string) =>
  syllableWord(hmac(key, `place:${lower}`), 0, LAST_SYLLABLES),
);

/**
 * `16283 Liberty Street, Skokie, IL 60613` → `52907 Dalvenor Street, Morkes, IL 38110`: numbers
 * and place words replaced word by word (so a street masks the same inside any address or text),
 * street types, unit words and two-letter state codes kept.
 */
export function substituteAddress(key: Buffer, value: string): string {
  return formatKept(substituteAddressWords(key, value));
}

function substituteAddressWords(key: Buffer, value: string): string {
  return value.replace(/[A-Za-z]+|[0-9]+/g, (token) => {
    if (/^[0-9]/.test(token)) {
      return substituteNumber(key, token);
    }
    const lower = token.toLowerCase();
    if ((ADDRESS_KEEP as readonly string[]).includes(lower)) {
      return token;
    }
    if (token.length === 2 && token === token.toUpperCase()) {
      return token;
    }
    return keepCase(token, fakePlace(key, lower));
  });
}

/** An IPv4 stays an IPv4, an IPv6 becomes one in the documentation range. */
export const substituteIp = remembered((key: Buffer, value: string): string => {
  const h = hmac(key, `ip:${value.trim().toLowerCase()}`);
  if (value.includes(":")) {
    return formatKept(
      `2001:db8:${h.subarray(0, 2).toString("hex")}:${h.subarray(2, 4).toString("hex")}::${h.subarray(4, 6).toString("hex")}`,
    );
  }
  return formatKept(`${10 + ((h[0] ?? 0) % 200)}.${h[1]}.${h[2]}.${h[3]}`);
});

// ---- other strategies --------------------------------------------------------------------

/** Every letter and digit replaced by a keyed one of the same class; everything else kept. */
export function scramble(key: Buffer, value: string): string {
  const chars = Array.from(value);
  const blocks: Buffer[] = [];
  for (let j = 0; j * 32 < chars.length; j++) {
    blocks.push(hmac(key, `scr:${j}:${value}`));
  }
  return chars
    .map((c, i) => {
      const b = blocks[Math.floor(i / 32)]?.[i % 32] ?? 0;
      if (c >= "0" && c <= "9") {
        return String.fromCharCode(48 + (b % 10));
      }
      if (c >= "a" && c <= "z") {
        return String.fromCharCode(97 + (b % 26));
      }
      if (c >= "A" && c <= "Z") {
        return String.fromCharCode(65 + (b % 26));
      }
      return c;
    })
    .join("");
}

/** Keyed HMAC-SHA256, hex. */
export function hashValue(key: Buffer, value: string): string {
  return hmac(key, `hash:${value}`).toString("hex");
}

/** `4242424242424242` → `************4242`. */
export function partial(value: string, keep = 4): string {
  const chars = Array.from(value);
  const hidden = Math.max(chars.length - keep, 0);
  return "*".repeat(hidden) + chars.slice(hidden).join("");
}

function encryptionKey(key: Buffer): Buffer {
  return hmac(key, "enc");
}

/**
 * Deterministic AES-256-CBC with a synthetic IV (HMAC of the plaintext): equal values give equal
 * ciphertexts (joins still work), and only govern's key decrypts. base64(iv ‖ ciphertext).
 */
export function encryptValue(key: Buffer, value: string): string {
  const iv = hmac(key, `iv:${value}`).subarray(0, 16);
  const cipher = createCipheriv("aes-256-cbc", encryptionKey(key), iv);
  return Buffer.concat([iv, cipher.update(value, "utf8"), cipher.final()]).toString("base64");
}

export function decryptValue(key: Buffer, token: string): string {
  const raw = Buffer.from(token, "base64");
  const decipher = createDecipheriv("aes-256-cbc", encryptionKey(key), raw.subarray(0, 16));
  return Buffer.concat([decipher.update(raw.subarray(16)), decipher.final()]).toString("utf8");
}

/** Whole days an entity's dates move: the same for every date of that entity, in every table. */
export function dateShiftDays(key: Buffer, entity: string, days = 30): number {
  const h = hmac(key, `shift:${entity}`);
  return (h.readUInt32BE(0) % (2 * days + 1)) - days;
}

/** Shifts a `YYYY-MM-DD` date or a Date by the entity's offset. */
export function dateShift<T extends string | Date>(
  key: Buffer,
  value: T,
  entity: string,
  days = 30,
): T {
  const offset = dateShiftDays(key, entity, days) * 86_400_000;
  if (typeof value === "string") {
    const d = new Date(`${value.slice(0, 10)}T00:00:00Z`);
    return new Date(d.getTime() + offset).toISOString().slice(0, 10) as T;
  }
  return new Date(value.getTime() + offset) as T;
}

/** Canonical text of a number, as Postgres' trim_scale(numeric)::text writes it. */
function numberText(value: number | string): string {
  const s = String(value).trim();
  if (!s.includes(".")) {
    return s;
  }
  return s.replace(/0+$/, "").replace(/\.$/, "");
}

/** `value × (1 + f·bound)`, f in [-1, 1] keyed by the value: the same amount, the same noise. */
export function noise(key: Buffer, value: number | string, bound = 0.1): number {
  const h = hmac(key, `noise:${numberText(value)}`);
  const f = ((h.readUInt32BE(0) % 2001) - 1000) / 1000;
  return Number(value) * (1 + f * bound);
}

// ---- scrub -------------------------------------------------------------------------------

/**
 * The letters names are written with in the Latin scripts the platform serves: ASCII, Latin-1
 * (é, ü, ß) and Latin Extended-A/B (ł, ş, ă), as the body of a character class that means the
 * same in JavaScript and in Postgres. A name is one word however it is spelled: "Libère Michel"
 * is not "Libère" cut into "Lib" and "re".
 */
export const NAME_LETTERS = "A-Za-zÀ-ÖØ-öø-ɏ";
/** Capitals of NAME_LETTERS (Latin Extended alternates cases, so all of it is allowed). */
export const NAME_CAPITALS = "A-ZÀ-ÖØ-ÞĀ-ɏ";
/** Small letters of NAME_LETTERS. */
const NAME_SMALL = "a-zß-öø-ÿĀ-ɏ";

// The entity patterns scrub replaces, in this order. Written to mean the same in JavaScript and
// in Postgres regular expressions (ASCII classes, no \d/\w shorthands).
export const SCRUB_PATTERNS = {
  email: "[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}",
  // An IBAN as written, compact or in groups of four ("DE89 3704 0044 0532 0130 00"), valid or
  // not: a typo in one is still someone's account. Before cards, whose pattern would otherwise
  // take the grouped digits after the check digits.
  iban: "(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])",
  card: "(?<![0-9])[0-9](?:[ -]?[0-9]){12,18}(?![0-9])",
  // US social security and employer identification numbers as written: 123-45-6789, 12-3456789.
  taxId: "(?<![0-9])(?:[0-9]{3}-[0-9]{2}-[0-9]{4}|[0-9]{2}-[0-9]{7})(?![0-9])",
  phone:
    "(?<![0-9+])(?:\\+[0-9]{1,3}[ .-]?)?(?:\\([0-9]{3}\\)|[0-9]{3})[ .-]?[0-9]{3}[ .-]?[0-9]{4}(?![0-9])",
  // SQL's twin of libphonenumber (which Node's scrub uses): numbers written with a `+` or `00`
  // country code or a national trunk 0, in groups, 9 digits or more (so dates are not).
  phoneIntl:
    "(?<![0-9A-Za-z+.])(?:(?:\\+|00)[1-9][0-9]{0,2}[ .-]?(?:\\(0\\) ?)?|0)[0-9]{1,5}(?:[ .-]?[0-9]{2,8}){1,5}(?![0-9A-Za-z])",
  // A house number, then compass points and ordinals ("19709 E 5th Street"), then 1-4 words
  // ("O'Brien", "McKay" and the "A" of "3202 A Street" are words).
  // French/Canadian: a house number (with "bis"/"ter" or a letter), a street word ("rue",
  // "Avenue", "allée"), then its name's words and articles ("12 bis rue de la Paix"). German: a
  // name ending in a street word ("Emil-Nolde-Str.", "Oderstr.", "Marienburger Str.") or led by a
  // preposition or adjective ("Am Rosenhügel", "An der Schmitten", "Alte Ziegelei"), then the
  // house number ("38c"). Each form anchors on its number or its street word; no nested
  // quantifiers, so no backtracking blow-up.
  street: [
    STREET_FORMS.french,
    "[0-9]{1,6}(?: (?:[NS][EW]|[NSEW]|[0-9]{1,4}(?:st|nd|rd|th)))*(?: [A-Z](?:[A-Za-z']*[a-z])?){1,4}",
    ...STREET_FORMS.german,
  ].join("|"),
  // A capitalized word as names are written: "D'angelo", "McCullough", "O'Brien" are one word;
  // a possessive "'s" is not part of it ("Dadenk's" is "Dadenk").
  word: `[${NAME_CAPITALS}][${NAME_SMALL}]*(?:['’](?!s(?:[^${NAME_LETTERS}]|$))[${NAME_LETTERS}]+|[${NAME_CAPITALS}][${NAME_SMALL}]+)*`,
} as const;

/** Distinct matches, longest first, then by code point: the order replacements happen in. */
function distinctMatches(text: string, pattern: RegExp, more: string[] = []): string[] {
  const matched = text.match(pattern);
  const all = more.length === 0 ? matched : [...(matched ?? []), ...more];
  if (!all || all.length < 2) {
    return all ?? [];
  }
  const found = new Set(all);
  return [...found].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
}

const global = (pattern: string) => new RegExp(pattern, "g");

/**
 * Scrub's passes in order: what each finds and what replaces it. An email needs an `@`, and
 * every other entity a digit: text without them skips those passes (most JSON leaves and many
 * sentences), which finds nothing else than running them would.
 */
const SCRUB_PASSES: {
  re: RegExp;
  /** What a text must have for the pass to find anything (a cheap test before the pattern). */
  needs: { test(text: string): boolean };
  mask: (key: Buffer, m: string) => string;
  /** More of the same entity, found by other means than the pattern. */
  more?: (text: string, names: NameDictionary) => string[];
}[] = [
  { re: global(SCRUB_PATTERNS.email), needs: /@/, mask: substituteEmail },
  { re: global(SCRUB_PATTERNS.iban), needs: /[0-9]/, mask: tokenizeDigits },
  { re: global(SCRUB_PATTERNS.card), needs: /[0-9]/, mask: tokenizeDigits },
  { re: global(SCRUB_PATTERNS.taxId), needs: /[0-9]/, mask: tokenizeDigits },
  // Numbers written the North American way, and every number libphonenumber validates for a
  // country the platform serves (phone-numbers.ts).
  {
    re: global(SCRUB_PATTERNS.phone),
    needs: /[0-9]{2}/,
    mask: substitutePhone,
    more: (text) =>
      findPhones(text)
        .map((p) => p.text)
        .filter((m) => !TAX_ID_ALONE.test(m)),
  },
  // Street shapes, and the source's own address lines in any shape and spelling.
  {
    re: global(SCRUB_PATTERNS.street),
    needs: { test: mayHoldStreet },
    mask: substituteAddress,
    more: (text, names) => names.lines?.find(text) ?? [],
  },
];
const NAME_WORD = global(SCRUB_PATTERNS.word);
/** A tax id as written is masked as one by its own pass, and is not taken for a phone after. */
const TAX_ID_ALONE = new RegExp(`^${SCRUB_PATTERNS.taxId}$`);

/**
 * Free text: emails, IBANs, card numbers, phones, street addresses and known first/last names replaced
 * by the same substitutes their columns get (a customer's email masks identically inside a
 * message); everything else kept. `names` are the lower-cased names of the source's name columns.
 */
export function scrub(key: Buffer, text: string, names: NameDictionary = EMPTY_NAMES): string {
  let t = text;
  // Each entity found is held out of the text (a placeholder of private-use characters, which no
  // pattern matches) until the end: a later pass never rewrites part of an earlier one's masked
  // value. Otherwise a street pass took "41 Minuten" out of a tokenized "4858 4269939 41" and
  // made a number masking never made (and now and then a Luhn-valid one).
  const held: string[] = [];
  for (const { re, needs, mask, more } of SCRUB_PASSES) {
    if (!needs.test(t)) {
      continue;
    }
    for (const m of distinctMatches(t, re, more?.(t, names))) {
      if (!t.includes(m)) {
        continue;
      }
      t = t.split(m).join(placeholder(held.length));
      held.push(mask(key, m));
    }
  }
  if (names.first.size > 0 || names.last.size > 0) {
    for (const word of distinctMatches(t, NAME_WORD)) {
      const lower = word.toLowerCase();
      const part = names.first.has(lower) ? "first" : names.last.has(lower) ? "last" : undefined;
      if (part) {
        t = replaceWholeWord(t, word, substituteNameWord(key, word, part));
      }
    }
  }
  for (let i = held.length - 1; i >= 0; i--) {
    t = t.split(placeholder(i)).join(held[i] as string);
  }
  return t;
}

/**
 * The placeholder of scrub's i-th entity: U+E000, i's digits as U+E010-U+E019, U+E001. scrub's
 * SQL twin writes the same.
 */
function placeholder(i: number): string {
  let out = "\uE000";
  for (const d of String(i)) {
    out += String.fromCharCode(0xe010 + d.charCodeAt(0) - 48);
  }
  return `${out}\uE001`;
}

/**
 * Letters (NAME_LETTERS), digits and `_`: a word's characters, as Postgres's `\m`/`\M` take them
 * in scrub's SQL twin ("T" is no word of "Türen").
 */
function isWordChar(c: number): boolean {
  return (
    (c >= 48 && c <= 57) ||
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    c === 95 ||
    isLatinLetter(c)
  );
}

/** À-Ö, Ø-ö, ø-ɏ: the letters of NAME_LETTERS beyond ASCII. */
export function isLatinLetter(c: number): boolean {
  return c >= 0xc0 && c <= 0x24f && c !== 0xd7 && c !== 0xf7;
}

/**
 * `t.replace(/\bword\b/g, sub)` for a word that starts and ends with a letter (as scrub's name
 * words do), without compiling a RegExp for every word of every text.
 */
function replaceWholeWord(t: string, word: string, sub: string): string {
  let out = "";
  let from = 0;
  let i = t.indexOf(word);
  while (i !== -1) {
    const end = i + word.length;
    if (
      (i === 0 || !isWordChar(t.charCodeAt(i - 1))) &&
      (end === t.length || !isWordChar(t.charCodeAt(end)))
    ) {
      out += t.slice(from, i) + sub;
      from = end;
      i = t.indexOf(word, end);
    } else {
      i = t.indexOf(word, i + 1);
    }
  }
  return from === 0 ? t : out + t.slice(from);
}

// ---- dispatch ----------------------------------------------------------------------------

/** The realistic fake of `category` for a text value. */
export function substitute(
  key: Buffer,
  value: string,
  category: Category | undefined,
  params: StrategyParams = {},
  names?: NameDictionary,
): string {
  switch (category) {
    case "email":
      return substituteEmail(key, value);
    case "phone":
      return substitutePhone(key, value);
    case "person_name":
      return substituteName(key, value, params.part ?? "full");
    case "postal_address":
      return substituteAddress(key, value);
    case "ip_address":
      return substituteIp(key, value);
    case "payment_card":
    case "bank_account":
    case "government_id":
      return tokenizeDigits(key, value);
    case "credential":
      return hashValue(key, value);
    case "free_text_pii":
      return scrub(key, value, names);
    default:
      return scramble(key, value);
  }
}

/**
 * Whether a value has the shape of its category. A JSONB path can hold mixed values (an
 * interaction's `from` is a phone for calls and an email for emails): a value that does not fit
 * its path's category is scrubbed, so an email is never passed through a phone substitute.
 */
export function fitsCategory(category: Category | undefined, value: string): boolean {
  switch (category) {
    case "email":
      return value.includes("@");
    case "phone":
      return !value.includes("@") && value.replace(/[^0-9]/g, "").length >= 7;
    default:
      return true;
  }
}

/**
 * Masks one text value with a strategy. `entity` is the date_shift entity's id (text). Returns
 * null for nullify. Dates and numbers go through dateShift/noise directly.
 */
export function maskText(
  key: Buffer,
  strategy: Strategy,
  value: string,
  options: {
    category?: Category;
    params?: StrategyParams;
    entity?: string;
    names?: NameDictionary;
  } = {},
): string | null {
  const params = options.params ?? {};
  switch (strategy) {
    case "substitute": {
      const category = params.category ?? options.category;
      return fitsCategory(category, value)
        ? substitute(key, value, category, params, options.names)
        : scrub(key, value, options.names);
    }
    case "scramble":
      return scramble(key, value);
    case "tokenize":
      return tokenizeDigits(key, value);
    case "encrypt":
      return encryptValue(key, value);
    case "hash":
      return hashValue(key, value);
    case "partial":
      return partial(value, params.keep ?? 4);
    case "nullify":
      return null;
    // Text that is not a date or a number (a JSON leaf of another shape) is scrambled, as in SQL.
    case "date_shift":
      return /^[0-9]{4}-[0-9]{2}-[0-9]{2}/.test(value)
        ? dateShift(key, value, options.entity ?? value, params.days ?? 30)
        : scramble(key, value);
    case "noise":
      return /^-?[0-9]+(\.[0-9]+)?$/.test(value)
        ? numberText(noise(key, value, params.bound ?? 0.1).toFixed(2))
        : scramble(key, value);
    case "scrub":
      return scrub(key, value, options.names);
    case "allow":
      return value;
  }
}

export { capitalize };

// ---- JSONB -------------------------------------------------------------------------------

/** The rule for one JSONB key path: strategy, the path's category, params. */
export type JsonPathRule = { s: Strategy; c?: Category; p?: StrategyParams };

/** The rule of a leaf at `path`: its own, its path inside a top-level array's elements, or `*`. */
function ruleAt(rules: Record<string, JsonPathRule>, path: string): JsonPathRule | undefined {
  return (
    ownRule(rules, path) ??
    (path.startsWith("[]")
      ? ownRule(rules, path.slice(path.charCodeAt(2) === 46 /* . */ ? 3 : 2))
      : undefined) ??
    rules["*"]
  );
}

/** A path's own rule: a key like `toString` or `__proto__` must not find Object's members. */
function ownRule(rules: Record<string, JsonPathRule>, path: string): JsonPathRule | undefined {
  return Object.hasOwn(rules, path) ? rules[path] : undefined;
}

/** One leaf masked by its rule: undefined when it stays as it is. */
function maskLeaf(
  key: Buffer,
  rule: JsonPathRule | undefined,
  leaf: JsonLeaf,
  names: NameDictionary | undefined,
): { value: string | null } | undefined {
  if (!rule || rule.s === "allow") {
    return undefined;
  }
  if (rule.s === "nullify") {
    return leaf === null ? undefined : { value: null };
  }
  if (typeof leaf === "string") {
    return { value: maskText(key, rule.s, leaf, { category: rule.c, params: rule.p, names }) };
  }
  if (!(leaf instanceof RawNumber)) {
    return undefined;
  }
  if (rule.s === "noise") {
    return { value: noise(key, leaf.text, rule.p?.bound ?? 0.1).toFixed(2) };
  }
  // A number leaf is masked as its text would be (`{"phone": 14155550123}` is a phone): only
  // scrub leaves the short ones alone, which hold nothing it finds (amounts, counts).
  const scrubbed =
    rule.s === "scrub" ||
    (rule.s === "substitute" && !fitsCategory(rule.p?.category ?? rule.c, leaf.text));
  if (scrubbed && leaf.text.length < 7) {
    return undefined;
  }
  const value = maskText(key, rule.s, leaf.text, { category: rule.c, params: rule.p, names });
  return value === leaf.text ? undefined : { value };
}

const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

/**
 * Masks a JSON document leaf by leaf with the rule of each leaf's path (`address.street`,
 * `items[].email`, `[].line1` for elements of a top-level array), else `rules["*"]`, in one pass
 * over its text that builds no document (json-text.ts): keys, structure and spacing kept, noised
 * numbers written with two decimals and every other number exactly as written.
 */
export function maskJsonText(
  key: Buffer,
  text: string,
  rules: Record<string, JsonPathRule>,
  names?: NameDictionary,
): string {
  return rewriteJsonLeaves(text, (path, leaf) => {
    const masked = maskLeaf(key, ruleAt(rules, path), leaf, names);
    if (!masked) {
      return undefined;
    }
    if (masked.value === null) {
      return "null";
    }
    // A masked number stays a number where its text is one (a tokenized number may start
    // with 0, and a substitute may hold letters: those become strings).
    return leaf instanceof RawNumber && JSON_NUMBER.test(masked.value)
      ? masked.value
      : JSON.stringify(masked.value);
  });
}
