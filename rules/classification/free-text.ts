import type { Category } from "../../schema/domain/classification.ts";
import { COMMON_WORDS, nameSets } from "./detectors/person-name.ts";
import { type Entity, findEntities } from "./entities.ts";

/**
 * Free text: the share of values that embed personal data. Contact-grade entities (email,
 * phone, address, ids, card and bank numbers, credentials) count at a lower share than names
 * alone, since a capitalised first name in a sentence is weaker evidence than a valid phone number.
 * Templates (`Hi {{first_name}}`) are not personal data: their placeholders stand for it.
 */

const TEMPLATE = /\{\{\s*[\w.]+\s*\}\}|\{%|\$\{\w+\}|%\(\w+\)s|\[\[\w+\]\]|\{\w+\}/;
/** Text scanned per value: enough to judge, bounded so one huge document cannot stall a scan. */
const SCAN_CHARS = 4000;

export type ProseStats = {
  values: number;
  withContact: number;
  withName: number;
  templates: number;
  byCategory: Map<Category, number>;
  examples: string[];
};

const LETTER_WORD = /^[\p{L}\p{M}]{2,}[\p{L}\p{M}'’-]*[.,:;!?)]?$/u;

/**
 * Prose, not a structured string: 12+ characters, 3+ tokens of which 2+ are words of letters,
 * and something a sentence has — a word in lower case, punctuation, or digits among the words.
 * Digit groups (`RF18 5390 0754 7034`) have no words; a title-cased label (`Home Equity Loan
 * Refinance`) has no sentence: neither is free text.
 */
export function isProse(value: string): boolean {
  if (value.length < 12) {
    return false;
  }
  let spaces = 0;
  for (let i = 0; i < value.length && spaces < 2; i++) {
    const c = value.charCodeAt(i);
    if (c === 32 || c === 10) {
      spaces++;
    }
  }
  if (spaces < 2) {
    return false;
  }
  const head = value.length > 400 ? value.slice(0, 400) : value;
  let words = 0;
  let sentence = /[.,:;!?@\d]/.test(head);
  for (const token of head.split(/\s+/)) {
    if (LETTER_WORD.test(token)) {
      words++;
      if (!sentence && token[0] !== token[0]?.toUpperCase()) {
        sentence = true;
      }
    }
    if (words >= 2 && sentence) {
      return true;
    }
  }
  return false;
}

// Organisation names built from surnames ("Mills, Hettinger and Stroman", "Beatty - Miller").
const COMPANY_SHAPED =
  /^[\p{Lu}][\p{L}'’-]+(?:, [\p{Lu}][\p{L}'’-]+)* (?:and|&|-|und|et|y|e) [\p{Lu}][\p{L}'’-]+(?: (?:Inc|LLC|Ltd|LLP|GmbH|Group|Co)\.?)?$|\b(?:Inc|LLC|Ltd|LLP|GmbH|PLC|Corp|Group|Holdings)\.?$/u;

export function isTemplate(value: string): boolean {
  return TEMPLATE.test(value);
}

/** Texts after which prose already far past every threshold stops being scanned. */
const SETTLE_AFTER = 32;

/**
 * Past the shares at which the column is clearly free text with personal data and its confidence
 * is at its ceiling (see scoring): more texts would change neither.
 */
function clearlyPersonal(stats: ProseStats): boolean {
  const scanned = stats.values - stats.templates;
  return (
    stats.templates <= stats.values * 0.1 &&
    stats.withContact >= scanned * 0.3 &&
    stats.withContact + stats.withName >= scanned * 0.7
  );
}

export function proseStats(values: string[]): ProseStats {
  const stats: ProseStats = {
    values: 0,
    withContact: 0,
    withName: 0,
    templates: 0,
    byCategory: new Map(),
    examples: [],
  };
  for (const raw of values) {
    if (stats.values === SETTLE_AFTER && clearlyPersonal(stats)) {
      break;
    }
    stats.values++;
    if (isTemplate(raw)) {
      stats.templates++;
      continue;
    }
    const text = raw.length > SCAN_CHARS ? raw.slice(0, SCAN_CHARS) : raw;
    const spans = findEntities(text);
    if (spans.length === 0) {
      continue;
    }
    // A name alone counts in sentences, not in short labels ("Port Lucas Airport", company names).
    if (
      spans.every((s) => s.category === "person_name") &&
      (COMPANY_SHAPED.test(text) || text.split(/\s+/).length < 4)
    ) {
      continue;
    }
    let contact = false;
    const seen = new Set<Category>();
    for (const s of spans) {
      seen.add(s.category);
      if (s.category !== "person_name") {
        contact = true;
      }
    }
    for (const c of seen) {
      stats.byCategory.set(c, (stats.byCategory.get(c) ?? 0) + 1);
    }
    if (contact) {
      stats.withContact++;
    } else {
      stats.withName++;
    }
    if (stats.examples.length < 3) {
      stats.examples.push(evidenceExample(text, spans));
    }
  }
  return stats;
}

/** Shares at which prose counts as `free_text_pii`. */
export const CONTACT_SHARE = 0.15;
export const ANY_SHARE = 0.35;
/**
 * Below those, prose still leans to `free_text_pii` (at a lower confidence) once a few values
 * embed personal data: a false positive costs a scrub, a false negative a refused copy or a leak,
 * and a sample a little smaller or larger must not flip the column to `none`.
 */
export const LEAN_CONTACT_SHARE = 0.04;
export const LEAN_ANY_SHARE = 0.12;
/** Values with personal data needed before a low share leans (one stray hit is noise). */
export const LEAN_MIN_VALUES = 3;

const LETTERS = /[\p{L}\p{M}][\p{L}\p{M}'’]*/gu;
/** What precedes a sentence's first word: the text's start, or an end mark and spaces. */
const SENTENCE_END = /(?:^|[.!?\n]\s*)$/;

/** `Konopelski` → `K*********`: the shape of a word, never the word. */
function starWord(word: string): string {
  const chars = [...word];
  return `${chars[0]}${"*".repeat(chars.length - 1)}`;
}

/**
 * A free-text value as catalog evidence may show it to every role: each entity the masking
 * entity finder sees (names included) replaced by its category, widened to whole words (never
 * `[person_name]Clure`); then every other word that could name someone starred — a known first
 * or last name in any case, any capitalised or upper-case word inside a sentence (surnames the
 * lists do not know, companies, places) — and every digit. What is left is the sentence's
 * shape: "Met [person_name] K********* at [postal_address]".
 */
export function evidenceExample(text: string, spans: Entity[] = findEntities(text)): string {
  const { first, last } = nameSets();
  const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{M}'’]/u.test(c);
  let out = "";
  let pos = 0;
  const gap = (from: number, to: number) => {
    const part = text.slice(from, to);
    out += part.replace(LETTERS, (word, offset: number) => {
      const lower = word.replace(/['’]s?$/, "").toLowerCase();
      const known = (first.has(lower) || last.has(lower)) && !COMMON_WORDS.has(lower);
      const capitalised = word !== word.toLowerCase();
      if (!capitalised) {
        return known ? starWord(word) : word;
      }
      const before = text.slice(0, from + offset);
      const sentenceStart = SENTENCE_END.test(before);
      const upper = word.length > 1 && word === word.toUpperCase();
      if (sentenceStart && !upper && !first.has(lower) && !last.has(lower)) {
        return word;
      }
      return starWord(word);
    });
  };
  for (const span of spans) {
    let start = span.start;
    let end = span.end;
    while (start > pos && isWordChar(text[start - 1])) {
      start--;
    }
    while (end < text.length && isWordChar(text[end])) {
      end++;
    }
    if (start < pos) {
      start = pos;
    }
    gap(pos, start);
    out += `[${span.category}]`;
    pos = Math.max(pos, end);
  }
  gap(pos, text.length);
  const masked = out.replace(/\d/g, "*");
  return masked.length > 120 ? `${masked.slice(0, 120)}…` : masked;
}
