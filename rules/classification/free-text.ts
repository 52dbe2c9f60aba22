import type { Category } from "../../schema/domain/classification.ts";
import { findEntities } from "./entities.ts";
import { maskSpans } from "./mask.ts";

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
  return spaces >= 2;
}

// Organisation names built from surnames ("Mills, Hettinger and Stroman", "Beatty - Miller").
const COMPANY_SHAPED =
  /^[\p{Lu}][\p{L}'’-]+(?:, [\p{Lu}][\p{L}'’-]+)* (?:and|&|-|und|et|y|e) [\p{Lu}][\p{L}'’-]+(?: (?:Inc|LLC|Ltd|LLP|GmbH|Group|Co)\.?)?$|\b(?:Inc|LLC|Ltd|LLP|GmbH|PLC|Corp|Group|Holdings)\.?$/u;

export function isTemplate(value: string): boolean {
  return TEMPLATE.test(value);
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
      stats.examples.push(maskSpans(text, spans).replace(/\d/g, "*"));
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
