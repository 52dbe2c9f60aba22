import { runInNewContext } from "node:vm";
import { isValidIBAN } from "ibantools";
import { checkVAT, countries as vatCountries } from "jsvat";
import { stdnum } from "stdnum";
import {
  type TRecognizerDefinition,
  type TRecognizerDefinitionInput,
  ZRecognizerDefinition,
} from "../../schema/contracts/recognizers.ts";
import type {
  ColumnProposal,
  ColumnSample,
  Evidence,
  PathProposal,
} from "../../schema/domain/classification.ts";
import { walkJson } from "./json-paths.ts";
import { SENSITIVITY } from "./scoring.ts";

/**
 * Custom recognizers (issue 21, OpenMetadata/DataHub parity): a steward's pattern, an optional
 * validator from a maintained library (Luhn, ibantools, jsvat, stdnum), context words and a
 * category, applied by every scan and by the offline contract next to the built-in detectors.
 * A definition is checked before it is stored or used: the pattern compiles, is bounded, and is
 * refused when it can backtrack catastrophically (nested or overlapping quantifiers, backrefs),
 * confirmed by running it against adversarial inputs under a time budget.
 */

/** A recognizer ready to run: its definition compiled, with where it came from. */
export type CompiledRecognizer = {
  name: string;
  /** The stored version (0 for a file or a preview: nothing stored yet). */
  version: number;
  definition: TRecognizerDefinition;
  regex: RegExp;
  validate: ((value: string) => boolean) | null;
  context: string[];
};

/** A definition that cannot be used; `problems` name the field and what is wrong. */
export class RecognizerDefinitionError extends Error {
  constructor(readonly problems: { path: string; message: string }[]) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join("; "));
    this.name = "RecognizerDefinitionError";
  }
}

/** Values longer than this are cut before matching: a scan's cost per value stays bounded. */
const MAX_VALUE_CHARS = 1000;
/** How long a pattern may take on an adversarial input of ADVERSARIAL_LENGTH characters. */
const TIME_BUDGET_MS = 50;
const ADVERSARIAL_LENGTH = 3000;

/**
 * Why a pattern could backtrack catastrophically, or null. A structural check in the spirit of
 * safe-regex (star height > 1): a quantified group that contains a quantifier or an alternation
 * (`(a+)+`, `(\w|\d)*`, `(a|ab)*`), and backreferences. Conservative: a few safe patterns are
 * refused too; the steward rewrites them without nesting.
 */
export function backtrackingRisk(pattern: string): string | null {
  if (/\\[1-9]|\\k</.test(pattern)) {
    return "backreferences are not allowed";
  }
  // An unbounded repetition: `*`, `+`, `{n,}`, `{n,m}` (an exact `{n}` and `?` are bounded).
  const repeatsAt = (i: number) => /^(?:[*+]|\{\d+,\d*\})/.test(pattern.slice(i));
  const stack: { repeats: boolean; alternation: boolean }[] = [];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      i += 1;
      continue;
    }
    if (inClass) {
      inClass = c !== "]";
      continue;
    }
    const top = stack[stack.length - 1];
    if (c === "[") {
      inClass = true;
    } else if (c === "(") {
      stack.push({ repeats: false, alternation: false });
    } else if (c === "|") {
      if (top) {
        top.alternation = true;
      }
    } else if (c === ")") {
      const group = stack.pop();
      const repeated = repeatsAt(i + 1);
      if (group && repeated && (group.repeats || group.alternation)) {
        return "a repeated group contains a repetition or an alternation (nested quantifiers can backtrack catastrophically)";
      }
      const parent = stack[stack.length - 1];
      if (parent && group && (group.repeats || repeated)) {
        parent.repeats = true;
      }
    } else if (top && repeatsAt(i) && pattern[i - 1] !== "(") {
      top.repeats = true;
    }
  }
  return null;
}

/** Inputs that make backtracking patterns explode: long runs of one class, then a mismatch. */
function adversarialInputs(): string[] {
  const n = ADVERSARIAL_LENGTH;
  return [
    `${"a".repeat(n)}!`,
    `${"1".repeat(n)}x`,
    `${"a1".repeat(n / 2)}!`,
    `${"a ".repeat(n / 2)}!`,
    `${"a.".repeat(n / 2)}@`,
    `${"-".repeat(n)}x`,
  ];
}

/** Runs the regex over adversarial inputs in a fresh context with a time limit; true when slow. */
function tooSlow(regex: RegExp): boolean {
  try {
    runInNewContext(
      "for (const s of inputs) { r.lastIndex = 0; r.test(s); }",
      { r: new RegExp(regex.source, regex.flags), inputs: adversarialInputs() },
      { timeout: TIME_BUDGET_MS * 4 },
    );
    return false;
  } catch {
    return true;
  }
}

function stdnumValidator(country: string, type: string): ((v: string) => boolean) | null {
  const byCountry = (
    stdnum as Record<string, Record<string, { validate: (v: string) => { isValid: boolean } }>>
  )[country];
  const validator = byCountry?.[type];
  if (!validator || typeof validator.validate !== "function") {
    return null;
  }
  return (v) => {
    try {
      return validator.validate(v).isValid;
    } catch {
      return false;
    }
  };
}

/** Luhn mod 10 over the digits of a value (separators ignored). */
function luhn(value: string): boolean {
  const digits = value.replace(/[\s-]/g, "");
  if (!/^\d{2,}$/.test(digits)) {
    return false;
  }
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) {
        d -= 9;
      }
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** The names stdnum knows for a country (for messages and the console's picker). */
export function stdnumTypes(country: string): string[] {
  const byCountry = (stdnum as Record<string, Record<string, unknown>>)[country];
  return byCountry ? Object.keys(byCountry).sort() : [];
}

/** Countries stdnum has validators for. */
export function stdnumCountries(): string[] {
  return Object.keys(stdnum).sort();
}

function buildValidator(
  v: TRecognizerDefinition["validator"],
  problems: { path: string; message: string }[],
): ((value: string) => boolean) | null {
  if (!v) {
    return null;
  }
  switch (v.kind) {
    case "luhn":
      return luhn;
    case "iban":
      return (value) => isValidIBAN(value.replace(/[\s-]/g, "").toUpperCase());
    case "vat": {
      const list = v.country
        ? vatCountries.filter((c) => c.codes.includes(v.country as string))
        : vatCountries;
      if (list.length === 0) {
        problems.push({
          path: "validator.country",
          message: `jsvat knows no VAT numbers of ${v.country}`,
        });
        return null;
      }
      return (value) => checkVAT(value.replace(/[\s.-]/g, ""), list).isValid;
    }
    case "stdnum": {
      const fn = stdnumValidator(v.country, v.type);
      if (!fn) {
        const types = stdnumTypes(v.country);
        problems.push({
          path: "validator",
          message: types.length
            ? `stdnum has no ${v.type} for ${v.country} (it has ${types.join(", ")})`
            : `stdnum has no validators for ${v.country}`,
        });
      }
      return fn;
    }
  }
}

/**
 * Validates and compiles a definition (as stored, sent or read from a file); throws
 * RecognizerDefinitionError naming every problem.
 */
export function compileRecognizer(
  input: TRecognizerDefinitionInput | unknown,
  version = 0,
): CompiledRecognizer {
  const parsed = ZRecognizerDefinition.safeParse(input);
  if (!parsed.success) {
    throw new RecognizerDefinitionError(
      parsed.error.issues.map((i) => ({
        path: i.path.map(String).join(".") || "(definition)",
        message: i.message,
      })),
    );
  }
  const definition = parsed.data;
  const problems: { path: string; message: string }[] = [];
  let regex: RegExp | null = null;
  try {
    const source = definition.match === "full" ? `^(?:${definition.pattern})$` : definition.pattern;
    regex = new RegExp(source, definition.ignoreCase ? "iu" : "u");
  } catch (error) {
    problems.push({ path: "pattern", message: `does not compile: ${(error as Error).message}` });
  }
  if (regex) {
    const risk = backtrackingRisk(definition.pattern);
    if (risk) {
      problems.push({ path: "pattern", message: risk });
    } else if (tooSlow(regex)) {
      problems.push({
        path: "pattern",
        message: `takes more than ${TIME_BUDGET_MS * 4} ms on a ${ADVERSARIAL_LENGTH}-character input (catastrophic backtracking)`,
      });
    }
    if (regex.test("")) {
      problems.push({ path: "pattern", message: "matches the empty string" });
    }
  }
  const validate = buildValidator(definition.validator, problems);
  if (problems.length > 0 || !regex) {
    throw new RecognizerDefinitionError(problems);
  }
  return {
    name: definition.name,
    version,
    definition,
    regex,
    validate,
    context: definition.contextWords.map((w) => w.toLowerCase()),
  };
}

/** Lower-case words of a column name or comment: snake_case, camelCase, kebab, dotted. */
function words(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** The context word found in the column's name or comment, or null. */
function contextInName(r: CompiledRecognizer, column: ColumnSample): string | null {
  if (r.context.length === 0) {
    return null;
  }
  const tokens = new Set([...words(column.column), ...words(column.comment ?? "")]);
  const joined = [...tokens].join(" ");
  for (const w of r.context) {
    if (tokens.has(w) || (w.length >= 4 && joined.includes(w))) {
      return w;
    }
  }
  return null;
}

export type RecognizerHit = {
  matched: number;
  sampled: number;
  share: number;
  /** The context word seen (column name/comment, or near a match), or null. */
  contextWord: string | null;
  /** Masked matching values, at most five. */
  examples: string[];
  /** Whether the hit is strong enough to apply (share and context requirement met). */
  applies: boolean;
  confidence: number;
};

/** Masks a matched value for evidence: letters and digits starred but the first of a long run. */
export function maskMatch(value: string): string {
  const cut = value.length > 40 ? value.slice(0, 40) : value;
  const masked = cut.replace(/[\p{L}\p{N}]+/gu, (run) => {
    const chars = [...run];
    return chars.length >= 4
      ? `${chars[0]}${"*".repeat(chars.length - 1)}`
      : "*".repeat(chars.length);
  });
  return value.length > 40 ? `${masked}…` : masked;
}

/**
 * Runs one recognizer over a column's (or a JSON path's) sampled values. Only strings and
 * numbers are read; a value counts when the pattern matches and, with a validator, the matched
 * text validates. Confidence grows with the share of matching samples and a context word.
 */
export function evaluateRecognizer(
  r: CompiledRecognizer,
  column: ColumnSample,
  values: unknown[] = column.samples,
): RecognizerHit {
  let sampled = 0;
  let matched = 0;
  let nearWord: string | null = null;
  const examples = new Set<string>();
  for (const raw of values) {
    if (typeof raw !== "string" && typeof raw !== "number") {
      continue;
    }
    const text = String(raw).trim();
    if (text === "") {
      continue;
    }
    sampled += 1;
    const value = text.length > MAX_VALUE_CHARS ? text.slice(0, MAX_VALUE_CHARS) : text;
    const m = r.regex.exec(value);
    if (!m) {
      continue;
    }
    if (r.validate && !r.validate(m[0])) {
      continue;
    }
    matched += 1;
    if (examples.size < 5) {
      examples.add(maskMatch(m[0]));
    }
    if (!nearWord && r.definition.match === "contains" && r.context.length > 0) {
      const around = value
        .slice(Math.max(0, m.index - 40), m.index + m[0].length + 40)
        .toLowerCase();
      nearWord = r.context.find((w) => around.includes(w)) ?? null;
    }
  }
  const share = sampled === 0 ? 0 : matched / sampled;
  const contextWord = contextInName(r, column) ?? nearWord;
  const applies =
    matched > 0 &&
    share >= r.definition.minShare &&
    (!r.definition.requireContext || !!contextWord);
  const confidence = Math.min(0.99, 0.55 + 0.35 * share + (contextWord ? 0.1 : 0));
  return {
    matched,
    sampled,
    share,
    contextWord,
    examples: [...examples],
    applies,
    confidence: Math.round(confidence * 100) / 100,
  };
}

/** The evidence line a recognizer's hit leaves on a proposal. */
export function recognizerEvidence(r: CompiledRecognizer, hit: RecognizerHit): Evidence {
  const v = r.definition.validator;
  const validator = !v
    ? ""
    : v.kind === "stdnum"
      ? `, validated by stdnum ${v.country} ${v.type}`
      : v.kind === "vat"
        ? `, validated by jsvat${v.country ? ` (${v.country})` : ""}`
        : `, validated by ${v.kind}`;
  return {
    detector: `recognizer:${r.name}${r.version ? `@v${r.version}` : ""}`,
    signal: "value",
    category: r.definition.category,
    matched: hit.matched,
    sampled: hit.sampled,
    examples: hit.examples,
    note: `custom recognizer ${r.name}${r.version ? ` v${r.version}` : ""}${validator}${
      hit.contextWord ? `; context word "${hit.contextWord}"` : ""
    }`,
  };
}

type Scored = { category: ColumnProposal["category"]; confidence: number; evidence: Evidence[] };

/**
 * Fuses the recognizers' hits into one proposal: each applying hit adds its evidence; the
 * strongest takes the label when the built-in proposal is `none` or less confident. Below
 * threshold, a hit is evidence only when it matched at least one value (so the steward sees it).
 */
function fuse<T extends Scored>(
  base: T,
  recognizers: CompiledRecognizer[],
  column: ColumnSample,
  values: unknown[],
): T {
  let best: { r: CompiledRecognizer; hit: RecognizerHit } | null = null;
  const evidence: Evidence[] = [];
  for (const r of recognizers) {
    const hit = evaluateRecognizer(r, column, values);
    if (!hit.applies) {
      continue;
    }
    evidence.push(recognizerEvidence(r, hit));
    if (!best || hit.confidence > best.hit.confidence) {
      best = { r, hit };
    }
  }
  if (!best) {
    return base;
  }
  const wins = base.category === "none" || best.hit.confidence > base.confidence;
  return {
    ...base,
    ...(wins
      ? {
          category: best.r.definition.category,
          sensitivity: SENSITIVITY[best.r.definition.category],
          confidence: best.hit.confidence,
        }
      : {}),
    evidence: wins ? [...evidence, ...base.evidence] : [...base.evidence, ...evidence],
  };
}

export type Classifier = (sample: ColumnSample) => ColumnProposal;

/**
 * Wraps a classifier so custom recognizers run after the built-in detectors: on the column's
 * values, and on each JSON path's values for JSON columns (a path a recognizer labels can then
 * label its column when the column had no category).
 */
export function withRecognizers(base: Classifier, recognizers: CompiledRecognizer[]): Classifier {
  if (recognizers.length === 0) {
    return base;
  }
  return (sample) => {
    const proposal = base(sample);
    if (proposal.paths.length === 0) {
      return fuse(proposal, recognizers, sample, sample.samples);
    }
    const documents = sample.samples.map((s) => {
      if (typeof s === "string" && (s.startsWith("{") || s.startsWith("["))) {
        try {
          return JSON.parse(s) as unknown;
        } catch {
          return s;
        }
      }
      return s;
    });
    const byPath = walkJson(documents);
    const paths: PathProposal[] = proposal.paths.map((p) =>
      fuse(
        p,
        recognizers,
        {
          ...sample,
          column:
            p.path
              .split(/[.[\]]+/)
              .filter(Boolean)
              .pop() ?? sample.column,
        },
        byPath.get(p.path) ?? [],
      ),
    );
    const labelled = paths.find(
      (p, i) => p.category !== "none" && p.category !== proposal.paths[i]?.category,
    );
    if (proposal.category === "none" && labelled) {
      return {
        ...proposal,
        category: labelled.category,
        sensitivity: labelled.sensitivity,
        confidence: labelled.confidence,
        evidence: labelled.evidence,
        paths,
      };
    }
    return { ...proposal, paths };
  };
}
