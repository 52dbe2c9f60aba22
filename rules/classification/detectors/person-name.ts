import * as faker from "@faker-js/faker";
import type { ValueDetector } from "./types.ts";

/**
 * Person names against faker's locale name lists (first, middle and last names of every locale,
 * lower-cased), built once on first use. City names of every locale are kept too: a column of
 * single capitalised words that are mostly cities is a place, not a person, even where a city
 * doubles as a surname (Jackson, Lincoln).
 */

type NameSets = { first: Set<string>; last: Set<string>; city: Set<string> };
let sets: NameSets | undefined;

/** Common English words that are also first names: alone in prose they are not a person. */
export const COMMON_WORDS = new Set(
  (
    "will may june april august mark bill grant rose summer autumn winter holly ivy amber art " +
    "bell bishop brook buck carol chance chase clay cliff crystal dawn dale dean destiny dusty " +
    "earl faith forest frank gay glen grace guy hope hunter iris jack jewel joy king lane lee " +
    "lily major mason max miles misty page pearl penny price ray reed rich rocky ruby rusty sage " +
    "sandy scott shade sky sterling stone storm sunny tanner terry trace true van violet wade " +
    "ward wood young jean angel august hardy christian patience precious heaven justice sincere " +
    "blue green black white brown gray grey long short little small new old park street road " +
    "london paris sydney dallas houston austin phoenix denver madison jordan jackson lincoln " +
    "the and for with from this that customer service monday tuesday friday sunday saturday " +
    "mac linux android chrome safari edge opera gecko windows apple intel version mobile"
  ).split(" "),
);

function add(target: Set<string>, value: unknown): void {
  if (typeof value === "string") {
    const v = value.toLowerCase();
    if (v.length > 1 && !v.includes("{")) {
      target.add(v);
    }
  } else if (Array.isArray(value)) {
    for (const item of value) {
      add(target, item);
    }
  } else if (value && typeof value === "object") {
    for (const item of Object.values(value)) {
      add(target, item);
    }
  }
}

export function nameSets(): NameSets {
  if (sets) {
    return sets;
  }
  const first = new Set<string>();
  const last = new Set<string>();
  const city = new Set<string>();
  for (const [key, locale] of Object.entries(faker)) {
    if (!/^[a-z]{2}(_[A-Z]{2})?$/.test(key) || !locale || typeof locale !== "object") {
      continue;
    }
    const def = locale as {
      person?: { first_name?: unknown; middle_name?: unknown; last_name?: unknown };
      location?: { city_name?: unknown };
    };
    add(first, def.person?.first_name);
    add(first, def.person?.middle_name);
    add(last, def.person?.last_name);
    add(city, def.location?.city_name);
  }
  sets = { first, last, city };
  return sets;
}

const NAME_TOKEN = /^[\p{Lu}][\p{L}'’-]*\.?$/u;
const HAS_DIGIT_OR_SYMBOL = /[\d@#$%&*_=+<>{}[\]|\\/:;!?]/;
const COMPANY_WORDS =
  /\b(inc|llc|ltd|gmbh|corp|co|company|group|plc|sa|ag|bv|llp|lp|sarl|srl|oy|ab|as|kg|partners|associates|holdings|industries|solutions|services|systems|technologies|bistro|cafe|restaurant|school|clinic|hospital|medicine|realty|hoa|club|bank|university|church|hotel|store|shop|market|studio|agency|foundation|trust|fund|center|centre|office|park)\b/i;

function norm(token: string): string {
  return token.replace(/[.'’]s?$/, "").toLowerCase();
}

/** Titles before a name: English, French, German, Spanish, Italian, Dutch. */
const HONORIFIC =
  /^(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Lady|Lord|Rev|Mme|Mlle|M|Herr|Frau|Hr|Fr|Sr|Sra|Srta|Don|Doña|Sig|Sig\.ra|Dott|Dhr|Mevr)\.?\s+/u;

/**
 * A name behind a title (`Mr. Smith`, `Mme Dupont`, `Herr Jürgen Müller`): the title says a
 * person is named, so one known first or last name after it is enough.
 */
export function isTitledName(value: string): boolean {
  if (value.length < 5 || value.length > 60) {
    return false;
  }
  const m = HONORIFIC.exec(value);
  if (!m) {
    return false;
  }
  const rest = value.slice(m[0].length).trim();
  if (isFullName(rest)) {
    return true;
  }
  if (!NAME_TOKEN.test(rest) || HAS_DIGIT_OR_SYMBOL.test(rest)) {
    return false;
  }
  const { first, last } = nameSets();
  const v = norm(rest);
  return (first.has(v) || last.has(v)) && !COMMON_WORDS.has(v);
}

/**
 * A full person name: 2-4 capitalised tokens (initials allowed), the first a known first name
 * and the last a known surname, or both known first/last names in either order ("Lebsack, Clyde").
 */
export function isFullName(value: string): boolean {
  if (value.length < 4 || value.length > 60 || HAS_DIGIT_OR_SYMBOL.test(value)) {
    return false;
  }
  if (COMPANY_WORDS.test(value)) {
    return false;
  }
  const { first, last } = nameSets();
  const comma = value.indexOf(",");
  const tokens = (comma > 0 ? `${value.slice(comma + 1)} ${value.slice(0, comma)}` : value)
    .trim()
    .split(/\s+/);
  if (tokens.length < 2 || tokens.length > 4) {
    return false;
  }
  for (const t of tokens) {
    if (!NAME_TOKEN.test(t) && !/^[\p{L}'’-]+$/u.test(t)) {
      return false;
    }
  }
  if (/^\p{Lo}+$/u.test(tokens[0] as string)) {
    // Scripts without case (CJK): both parts must be known names.
    return (
      tokens.length === 2 &&
      (last.has(tokens[0] as string) || first.has(tokens[0] as string)) &&
      (first.has(tokens[1] as string) || last.has(tokens[1] as string))
    );
  }
  const f = norm(tokens[0] as string);
  const l = norm(tokens[tokens.length - 1] as string);
  const firstKnown = first.has(f);
  const lastKnown = last.has(l) || (l.includes("-") && l.split("-").some((p) => last.has(p)));
  if (firstKnown && lastKnown) {
    return true;
  }
  // One known side plus a capitalised other side: names from outside faker's lists.
  return (
    (firstKnown && !COMMON_WORDS.has(f) && /^\p{Lu}/u.test(tokens[tokens.length - 1] as string)) ||
    (lastKnown && first.has(norm(tokens[1] as string)) && tokens.length === 2) ||
    // A known surname after a capitalised given name outside the lists ("Jürgen Müller").
    (lastKnown &&
      tokens.length === 2 &&
      /^\p{Lu}\p{Ll}{2,}$/u.test(tokens[0] as string) &&
      !COMMON_WORDS.has(f))
  );
}

/** A single first or last name ("Clyde", "Lebsack"): weak, many words are also names. */
export function isSingleName(value: string): boolean {
  if (value.length < 2 || value.length > 30 || !NAME_TOKEN.test(value)) {
    return false;
  }
  const v = norm(value);
  const { first, last, city } = nameSets();
  return (first.has(v) || last.has(v)) && !city.has(v) && !COMMON_WORDS.has(v);
}

/** A name shortened for display: "Woodrow R.", "J. Smith". */
export function isShortName(value: string): boolean {
  const m =
    /^([\p{Lu}][\p{L}'’-]+)\s+[\p{Lu}]\.$/u.exec(value) ??
    /^[\p{Lu}]\.\s+([\p{Lu}][\p{L}'’-]+)$/u.exec(value);
  if (!m) {
    return false;
  }
  const v = norm(m[1] as string);
  const { first, last } = nameSets();
  return first.has(v) || last.has(v);
}

export function isCity(value: string): boolean {
  return nameSets().city.has(value.toLowerCase());
}

export const PERSON_DETECTORS: ValueDetector[] = [
  { id: "person.full_name", category: "person_name", strength: "weak", test: isFullName },
  { id: "person.titled_name", category: "person_name", strength: "weak", test: isTitledName },
  { id: "person.short_name", category: "person_name", strength: "weak", test: isShortName },
  { id: "person.single_name", category: "person_name", strength: "weak", test: isSingleName },
];
