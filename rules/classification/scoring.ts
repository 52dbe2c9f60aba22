import type { Category, Evidence, Sensitivity } from "../../schema/domain/classification.ts";
import { COMPANY_NAME } from "./company-names.ts";
import { isPhone } from "./detectors/contact.ts";
import { isHexDigest, isOpaqueBlob, isRandomToken } from "./detectors/credential.ts";
import { dateYear, looksLikeBirthDates } from "./detectors/date-of-birth.ts";
import { isAccountNumberShape } from "./detectors/financial.ts";
import { isCoordinateColumn, isDecimalDegrees } from "./detectors/geolocation.ts";
import { isDocumentNumber } from "./detectors/government-id.ts";
import { MAX_VALUE_LENGTH, VALUE_DETECTORS, type ValueDetector } from "./detectors/index.ts";
import { DECISIVE_WEAK_IDS } from "./detectors/national-ids.ts";
import { isCity } from "./detectors/person-name.ts";
import {
  ANY_SHARE,
  CONTACT_SHARE,
  isProse,
  isTemplate,
  LEAN_ANY_SHARE,
  LEAN_CONTACT_SHARE,
  LEAN_MIN_VALUES,
  proseStats,
} from "./free-text.ts";
import { maskValue } from "./mask.ts";
import type { NameSignal } from "./name-signals.ts";

/**
 * Combines name/comment signals with value detectors into one proposal:
 * 1. values that validate strongly (emails, IPs, hashes, IBANs...) decide, whatever the name;
 * 2. a name hint is confirmed by values (weak detectors or, for categories without a checksum,
 *    values of a compatible shape) and refused when values contradict it (booleans, enums,
 *    templates, another category) — a name alone never decides against the values;
 * 3. prose is judged by the share of values embedding entities;
 * 4. checksummed values (Luhn and issuer range, ABA, a valid phone) at a dominant share decide
 *    whatever the name; a harmless-sounding name only lowers the confidence;
 * 5. with a name that says nothing, weak detectors decide at a dominant share; a hard-negative
 *    name (`order_number`, `checksum`) silences the unvalidated ones (names, addresses, dates).
 */

export type Decision = {
  category: Category;
  confidence: number;
  evidence: Evidence[];
};

export const SENSITIVITY: Record<Category, Sensitivity> = {
  payment_card: "restricted",
  bank_account: "restricted",
  government_id: "restricted",
  credential: "restricted",
  email: "confidential",
  phone: "confidential",
  person_name: "confidential",
  postal_address: "confidential",
  date_of_birth: "confidential",
  ip_address: "confidential",
  geolocation: "confidential",
  free_text_pii: "confidential",
  none: "internal",
};

/** Values sampled per column beyond which more add nothing but time. */
const MAX_VALUES = 1000;
const EXAMPLES = 3;

type Hit = { detector: ValueDetector; matched: number; examples: string[] };

export type ValueStats = {
  /** Non-null values seen, and how many of them (with repeats) the detectors evaluated. */
  sampled: number;
  evaluated: number;
  booleans: number;
  numbers: number;
  distinct: Map<string, number>;
  hits: Map<string, Hit>;
  /** Values (counted with repeats) hit by any detector of a category, strong or weak. */
  byCategory: Map<Category, { any: number; strong: number }>;
};

/** Flattens scalars (arrays of scalars element by element) into strings, counted once per value. */
export function collectValues(samples: unknown[]): ValueStats {
  const stats: ValueStats = {
    sampled: 0,
    evaluated: 0,
    booleans: 0,
    numbers: 0,
    distinct: new Map(),
    hits: new Map(),
    byCategory: new Map(),
  };
  const push = (v: unknown) => {
    if (stats.sampled >= MAX_VALUES || v === null || v === undefined) {
      return;
    }
    let s: string;
    if (typeof v === "boolean") {
      stats.booleans++;
      s = String(v);
    } else if (typeof v === "number" || typeof v === "bigint") {
      stats.numbers++;
      s = String(v);
    } else if (typeof v === "string") {
      s = v.trim();
      if (s === "") {
        return;
      }
      if (s === "true" || s === "false" || s === "t" || s === "f") {
        stats.booleans++;
      }
    } else if (Array.isArray(v)) {
      for (const item of v) {
        push(item);
      }
      return;
    } else {
      s = JSON.stringify(v);
    }
    stats.sampled++;
    stats.distinct.set(s, (stats.distinct.get(s) ?? 0) + 1);
  };
  for (const sample of samples) {
    push(sample);
  }
  return stats;
}

/** Distinct values the detectors evaluate per column: shares settle long before, work stays bounded. */
const MAX_EVALUATED = 256;
// Shapes no detector accepts: uuids, short integers, decimal numbers (amounts, coordinates,
// floats: a single dot is no phone, card or id format), booleans.
const INERT =
  /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|-?\d{1,8}|-?\d+\.\d+(?:e[-+]?\d+)?|true|false)$/i;

const HAS_DIGIT = /\d/;
/**
 * Categories every detector of which needs a digit in the value (a number, a date, a house
 * number, check digits); person-name detectors refuse any digit. One test per value saves the
 * others on words (names, labels) and on numbers.
 */
const NEEDS_DIGIT = new Set<Category>([
  "government_id",
  "payment_card",
  "bank_account",
  "phone",
  "geolocation",
  "date_of_birth",
  "postal_address",
]);

/** Distinct values a probe detector is tried on before a column that does not fit drops it. */
const PROBE_VALUES = 24;
/**
 * Distinct values any detector is tried on before a column none of them fits drops it: a shape
 * absent from the first 32 shuffled values is too rare in the column to reach a threshold.
 */
const ABSENT_AFTER = 32;

/**
 * Distinct values after which a column whose shares are already far from every threshold stops
 * being evaluated: values come in the sample's (shuffled) order, so the rest would only confirm.
 */
const SETTLE_AFTER = 64;

/**
 * Settled: every category's share, and every detector's, is either about nothing (at most a
 * tenth) or about everything (95% or more), so far from the decision thresholds (a quarter to
 * nine tenths) that more values would not move the decision.
 */
function settled(stats: ValueStats): boolean {
  const clear = (n: number) => n <= stats.evaluated * 0.1 || n >= stats.evaluated * 0.95;
  for (const c of stats.byCategory.values()) {
    if (!clear(c.any) || !clear(c.strong)) {
      return false;
    }
  }
  for (const hit of stats.hits.values()) {
    if (!clear(hit.matched)) {
      return false;
    }
  }
  return true;
}

/** Runs every value detector once per distinct value, counting repeats. */
export function detect(stats: ValueStats): void {
  let evaluatedDistinct = 0;
  // Distinct values each detector was tried on and matched on this column, by detector index:
  // probes (costly checks most columns fail) and detectors that never match are dropped early.
  const tried = new Uint16Array(VALUE_DETECTORS.length);
  const matched = new Uint16Array(VALUE_DETECTORS.length);
  for (const [value, count] of stats.distinct) {
    if (
      evaluatedDistinct >= MAX_EVALUATED ||
      (evaluatedDistinct === SETTLE_AFTER && settled(stats))
    ) {
      break;
    }
    evaluatedDistinct++;
    stats.evaluated += count;
    if (value.length > MAX_VALUE_LENGTH || INERT.test(value)) {
      continue;
    }
    const seen = new Map<Category, boolean>();
    const digit = HAS_DIGIT.test(value);
    for (let i = 0; i < VALUE_DETECTORS.length; i++) {
      const d = VALUE_DETECTORS[i] as ValueDetector;
      if (digit ? d.category === "person_name" : NEEDS_DIGIT.has(d.category)) {
        continue;
      }
      const t = tried[i] as number;
      const m = matched[i] as number;
      if (d.probe ? t >= PROBE_VALUES && m < t * 0.3 : t >= ABSENT_AFTER && m === 0) {
        continue;
      }
      tried[i] = t + 1;
      if (!d.test(value)) {
        continue;
      }
      matched[i] = m + 1;
      const strong = d.strength === "strong";
      let hit = stats.hits.get(d.id);
      if (!hit) {
        hit = { detector: d, matched: 0, examples: [] };
        stats.hits.set(d.id, hit);
      }
      hit.matched += count;
      if (hit.examples.length < EXAMPLES) {
        hit.examples.push(maskValue(value, d.category));
      }
      seen.set(d.category, (seen.get(d.category) ?? false) || strong);
      if (strong) {
        // A value that validates strongly is that thing; the other detectors would only echo it.
        break;
      }
    }
    for (const [category, strong] of seen) {
      const c = stats.byCategory.get(category) ?? { any: 0, strong: 0 };
      c.any += count;
      if (strong) {
        c.strong += count;
      }
      stats.byCategory.set(category, c);
    }
  }
}

function share(stats: ValueStats, category: Category, kind: "any" | "strong"): number {
  const c = stats.byCategory.get(category);
  return c && stats.evaluated ? c[kind] / stats.evaluated : 0;
}

/** Share (with repeats) of values satisfying a predicate. */
function shareOf(stats: ValueStats, test: (v: string) => boolean): number {
  if (!stats.sampled) {
    return 0;
  }
  let n = 0;
  for (const [value, count] of stats.distinct) {
    if (test(value.length > 2048 ? value.slice(0, 2048) : value)) {
      n += count;
    }
  }
  return n / stats.sampled;
}

function valueEvidence(stats: ValueStats, category: Category): Evidence[] {
  const out: Evidence[] = [];
  for (const hit of stats.hits.values()) {
    if (hit.detector.category === category) {
      out.push({
        detector: hit.detector.id,
        signal: "value",
        category,
        matched: hit.matched,
        sampled: stats.evaluated,
        examples: hit.examples,
      });
    }
  }
  return out.sort((a, b) => b.matched - a.matched);
}

function nameEvidence(
  signal: NameSignal,
  source: "name" | "comment",
  category: Category,
  note?: string,
): Evidence {
  return {
    detector:
      `${source}.${signal.kind === "hint" ? signal.rule : signal.kind === "negative" ? signal.rule : "neutral"}`.replace(
        /\s+/g,
        "_",
      ),
    signal: source,
    category,
    matched: 1,
    sampled: 1,
    examples: [],
    ...(note ? { note } : {}),
  };
}

const ENUM_VALUE = /^[A-Za-z][A-Za-z_ -]{0,24}$/;

/** Values that cannot hold the hinted category: flags, enumerations, templates. */
function contradiction(stats: ValueStats): string | undefined {
  if (stats.booleans >= stats.sampled * 0.8) {
    return "values are booleans";
  }
  if (shareOf(stats, isTemplate) >= 0.3) {
    return "values are templates with placeholders";
  }
  if (
    stats.sampled >= 8 &&
    stats.distinct.size <= 4 &&
    shareOf(stats, (v) => ENUM_VALUE.test(v)) >= 0.9
  ) {
    return "values are a small set of labels";
  }
  return undefined;
}

const THIS_YEAR = new Date().getUTCFullYear();
const PERSONISH = /^[\p{L}\p{M}][\p{L}\p{M}'’. -]{0,60}$/u;

/** Values of a shape the hinted category can take, for categories without a checksum to verify. */
function compatible(category: Category, stats: ValueStats): number {
  switch (category) {
    case "phone":
      return shareOf(
        stats,
        (v) =>
          (/^\+?[\d\s().-]{7,20}$/.test(v) && v.replace(/\D/g, "").length >= 7) ||
          isPhone(v, false),
      );
    case "person_name": {
      if (stats.numbers > stats.sampled * 0.2 || shareOf(stats, isCity) > 0.4) {
        return 0;
      }
      if (stats.sampled >= 8 && stats.distinct.size < stats.sampled * 0.2) {
        return 0;
      }
      return shareOf(
        stats,
        (v) => PERSONISH.test(v) && v.split(/\s+/).length <= 5 && !COMPANY_NAME.test(v),
      );
    }
    case "postal_address":
      return shareOf(
        stats,
        // A street alone ("Gartenstr.") is part of an address; a city alone is not.
        (v) => v.length >= 4 && /\p{L}{2}/u.test(v) && !isCity(v) && !/^[a-z_]+$/.test(v),
      );
    case "date_of_birth":
      return shareOf(stats, (v) => {
        // A date, a timestamp at midnight-ish, or a birth year alone (`birth_year`).
        const y =
          dateYear(v) ??
          (/^\d{4}-\d{2}-\d{2}[T ]/.test(v) || /^\d{4}$/.test(v)
            ? Number(v.slice(0, 4))
            : undefined);
        return y !== undefined && y >= THIS_YEAR - 120 && y <= THIS_YEAR;
      });
    case "government_id":
      return shareOf(stats, (v) => isDocumentNumber(v) || /^\d{3}-?\d{2}-?\d{4}$/.test(v));
    case "bank_account":
      return shareOf(
        stats,
        (v) =>
          isAccountNumberShape(v) ||
          /^[A-Z]{2}\d{2}[A-Z0-9 ]{8,32}$/i.test(v) ||
          /^\d{2}-\d{2}-\d{2}$/.test(v),
      );
    case "credential": {
      if (stats.numbers > stats.sampled * 0.5) {
        return 0;
      }
      return shareOf(
        stats,
        (v) =>
          v.length >= 4 &&
          !/^\d{4}-\d{2}-\d{2}/.test(v) &&
          (isHexDigest(v) || isOpaqueBlob(v) || isRandomToken(v) || !/\s/.test(v)),
      );
    }
    case "geolocation":
      // Single numbers under a coordinate name: a coordinate's decimals, not counts or ids.
      return isCoordinateColumn([...stats.distinct.keys()], 180)
        ? shareOf(stats, (v) => isDecimalDegrees(v))
        : 0;
    default:
      return 0;
  }
}

/** Numbers that are one sequence (order numbers, ids): long common prefix across distinct values. */
function sequential(stats: ValueStats): boolean {
  const values = [...stats.distinct.keys()]
    .map((v) => v.replace(/\D/g, ""))
    .filter((v) => v.length >= 12);
  if (values.length < 4) {
    return false;
  }
  values.sort();
  const a = values[0] as string;
  const z = values[values.length - 1] as string;
  let i = 0;
  while (i < a.length && a[i] === z[i]) {
    i++;
  }
  return i >= Math.min(a.length, z.length) * 0.5;
}

const STRONG_FIRST: Category[] = [
  "credential",
  "payment_card",
  "bank_account",
  "government_id",
  "email",
  "ip_address",
  "geolocation",
  "phone",
];

const round = (x: number) => Math.round(Math.min(0.99, Math.max(0.05, x)) * 100) / 100;

/**
 * Decides a column's (or a JSON path's) category from its name signal, comment signal and values.
 */
export function decide(
  name: NameSignal,
  comment: NameSignal,
  stats: ValueStats,
  proseValues: string[],
  /** Values (with repeats) that are prose; `proseValues` may be a capped distinct subset. */
  proseCount = proseValues.length,
): Decision {
  const hint = name.kind === "hint" ? name : comment.kind === "hint" ? comment : undefined;
  const hintSource: "name" | "comment" = name.kind === "hint" ? "name" : "comment";
  const negative = name.kind === "negative";
  const withName = (category: Category, confidence: number, extra: Evidence[] = []): Decision => {
    const evidence = [...valueEvidence(stats, category), ...extra];
    if (hint && hint.category === category) {
      evidence.unshift(nameEvidence(hint, hintSource, category));
    }
    return { category, confidence: round(confidence), evidence };
  };
  const none = (confidence: number, note?: string): Decision => {
    const evidence: Evidence[] = [];
    if (name.kind !== "neutral" || note) {
      evidence.push(nameEvidence(name, "name", hint?.category ?? "none", note));
    }
    return { category: "none", confidence: round(confidence), evidence };
  };

  if (stats.sampled === 0) {
    return hint && hint.strength === "strong"
      ? withName(hint.category, 0.4, [])
      : none(0.5, "no non-null samples");
  }

  // Values confirming a strong name hint decide first (a card number column whose grouped
  // digits also parse as phone numbers is still a card number column).
  const strongHint =
    hint && (hint.strength === "strong" || (hintSource === "comment" && name.kind === "neutral"));
  if (hint && strongHint && share(stats, hint.category, "any") >= 0.6) {
    return withName(hint.category, 0.9 + 0.09 * share(stats, hint.category, "any"));
  }

  // 1. Strong validators decide.
  let best: Category | undefined;
  let bestShare = 0;
  for (const category of STRONG_FIRST) {
    const s = share(stats, category, "strong");
    if (s > bestShare) {
      best = category;
      bestShare = s;
    }
  }
  if (best && (bestShare >= 0.5 || (bestShare >= 0.25 && hint?.category === best))) {
    const agrees = hint?.category === best;
    return withName(best, agrees ? 0.9 + 0.09 * bestShare : 0.72 + 0.25 * bestShare);
  }

  // Free text: judged by embedded entities, whatever the name hints at.
  const prose = proseCount >= stats.sampled * 0.5 && proseValues.length > 0;

  // 2. A name hint, confirmed or refused by the values.
  if (hint) {
    const refused = contradiction(stats);
    const c = hint.category;
    if (refused) {
      return none(0.8, `name suggests ${c} but ${refused}`);
    }
    const weakShare = share(stats, c, "any");
    if (c === "date_of_birth" && strongHint) {
      const compat = compatible(c, stats);
      if (compat >= 0.6) {
        return withName(c, 0.75 + 0.2 * compat);
      }
    } else if (c === "person_name") {
      const threshold = hint.strength === "strong" ? 0.3 : 0.5;
      if (weakShare >= threshold) {
        return withName(c, 0.75 + 0.2 * weakShare);
      }
      if (strongHint && compatible(c, stats) >= 0.7) {
        return withName(c, 0.6);
      }
    } else if (strongHint) {
      if (weakShare >= 0.3 && c !== "payment_card" && c !== "email" && c !== "ip_address") {
        return withName(c, 0.8 + 0.15 * weakShare);
      }
      if (c === "payment_card" && weakShare >= 0.5) {
        return withName(c, 0.8 + 0.15 * weakShare);
      }
      if (c !== "payment_card" && c !== "email" && c !== "ip_address") {
        const compat = compatible(c, stats);
        if (compat >= 0.7) {
          return withName(c, 0.55 + 0.15 * compat);
        }
      }
    }
  }

  // 3. Checksummed values at a dominant share decide whatever the name: a name that sounds
  // harmless (`order_ref`, `legacy_contact_id`) lowers the confidence, it never switches a
  // validated detector off. Luhn with a real issuer range and length passes by chance for a few
  // percent of random numbers, an ABA checksum for one in ten, a bare number as a valid phone
  // for about a third: none reaches these shares by accident.
  const overruled = (category: Category, confidence: number): Decision =>
    negative
      ? withName(category, confidence - 0.08, [
          nameEvidence(
            name,
            "name",
            "none",
            `name suggests no personal data, but values validate as ${category}`,
          ),
        ])
      : withName(category, confidence);
  // One country's identifier validating most of a column: its check digits pass by chance for
  // one number in ten at most, so a dominant share is that identifier.
  for (const hit of stats.hits.values()) {
    if (
      DECISIVE_WEAK_IDS.has(hit.detector.id) &&
      hit.matched / stats.evaluated >= 0.8 &&
      stats.distinct.size >= 3 &&
      !sequential(stats)
    ) {
      return overruled("government_id", 0.7 + 0.2 * (hit.matched / stats.evaluated));
    }
  }
  const card = share(stats, "payment_card", "any");
  if (card >= 0.8 && !sequential(stats)) {
    return overruled("payment_card", 0.6 + 0.3 * card);
  }
  const aba = stats.hits.get("bank_account.aba");
  if (aba && aba.matched / stats.evaluated >= 0.9 && stats.distinct.size >= 3) {
    return overruled("bank_account", 0.7);
  }
  const bare = stats.hits.get("phone.digits");
  if (bare && bare.matched / stats.evaluated >= 0.9 && !sequential(stats)) {
    return overruled("phone", 0.68);
  }
  // 4. Values alone (the name says nothing), weak detectors at a dominant share.
  if (!negative) {
    const full =
      ((stats.hits.get("person.full_name")?.matched ?? 0) +
        (stats.hits.get("person.titled_name")?.matched ?? 0)) /
      stats.evaluated;
    const person = share(stats, "person_name", "any");
    const distinctRatio = stats.distinct.size / stats.sampled;
    if ((full >= 0.5 || (person >= 0.8 && distinctRatio >= 0.3)) && shareOf(stats, isCity) < 0.3) {
      return withName("person_name", 0.55 + 0.35 * person);
    }
    const address = share(stats, "postal_address", "any");
    if (address >= 0.6) {
      return withName("postal_address", 0.6 + 0.3 * address);
    }
    const dob = share(stats, "date_of_birth", "any");
    if (dob >= 0.9 && looksLikeBirthDates([...stats.distinct.keys()])) {
      return withName("date_of_birth", 0.6);
    }
  }
  // 5. Prose.
  if (prose) {
    const p = proseStats(proseValues);
    const scanned = p.values - p.templates;
    const contactShare = scanned ? p.withContact / scanned : 0;
    const anyShare = scanned ? (p.withContact + p.withName) / scanned : 0;
    if (p.templates >= p.values * 0.3) {
      return none(0.85, "values are templates with placeholders");
    }
    // Under an organisation/product name, capitalised words are names of things, not people.
    const clear = contactShare >= CONTACT_SHARE || (!negative && anyShare >= ANY_SHARE);
    // Borderline prose leans to personal data: a few values with an address or a phone (or,
    // under a name that says nothing, a person's name) are enough at a lower confidence.
    const leans =
      (contactShare >= LEAN_CONTACT_SHARE && p.withContact >= LEAN_MIN_VALUES) ||
      (!negative && anyShare >= LEAN_ANY_SHARE && p.withContact + p.withName >= LEAN_MIN_VALUES);
    if (clear || leans) {
      const evidence: Evidence[] = [...p.byCategory.entries()].map(([category, matched]) => ({
        detector: `free_text.${category}`,
        signal: "value",
        category,
        matched,
        sampled: p.values,
        examples: [],
      }));
      evidence.unshift({
        detector: "free_text.embedded_entities",
        signal: "value",
        category: "free_text_pii",
        matched: p.withContact + p.withName,
        sampled: p.values,
        examples: p.examples,
        note: `${Math.round(contactShare * 100)}% of values embed contact details, ${Math.round(anyShare * 100)}% any personal data${clear ? "" : " (borderline: leans to personal data)"}`,
      });
      return {
        category: "free_text_pii",
        confidence: clear
          ? round(0.6 + 0.35 * Math.min(1, anyShare / 0.6))
          : round(0.5 + 0.3 * Math.min(1, anyShare / ANY_SHARE)),
        evidence,
      };
    }
    return none(0.75, `prose: ${Math.round(anyShare * 100)}% of values embed personal data`);
  }

  const anyWeak = [...stats.byCategory.values()].some((c) => c.any >= stats.evaluated * 0.3);
  if (hint) {
    return none(0.6, `name suggests ${hint.category}; values do not confirm it`);
  }
  return none(negative ? 0.9 : anyWeak ? 0.6 : 0.85);
}

export { isProse };
