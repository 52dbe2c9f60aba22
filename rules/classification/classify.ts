import type {
  Category,
  ColumnProposal,
  ColumnSample,
  PathProposal,
} from "../../schema/domain/classification.ts";
import { pathName, walkJson } from "./json-paths.ts";
import { commentSignal, type NameSignal, nameSignal } from "./name-signals.ts";
import { collectValues, type Decision, decide, detect, isProse, SENSITIVITY } from "./scoring.ts";

/** Which path category speaks for a JSON column: the most sensitive, then the most identifying. */
const PATH_PRIORITY: Category[] = [
  "government_id",
  "payment_card",
  "bank_account",
  "credential",
  "email",
  "phone",
  "postal_address",
  "date_of_birth",
  "person_name",
  "geolocation",
  "ip_address",
  "free_text_pii",
];

const MAX_PROSE = 96;

/** Documents stored as text parsed; the same array when there is none (see walkJson). */
function parseJsonStrings(samples: unknown[]): unknown[] {
  if (!samples.some((s) => typeof s === "string")) {
    return samples;
  }
  return samples.map((s) => {
    if (typeof s === "string" && (s.startsWith("{") || s.startsWith("["))) {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        return s;
      }
    }
    return s;
  });
}

function decideValues(name: NameSignal, comment: NameSignal, values: unknown[]): Decision {
  const stats = collectValues(values);
  detect(stats);
  // Entity scanning is the costly part of a scan: distinct texts only, at most MAX_PROSE of them
  // (a share estimated on 96 texts is as good as on 1000).
  const prose: string[] = [];
  let proseCount = 0;
  for (const [value, count] of stats.distinct) {
    if (isProse(value)) {
      proseCount += count;
      if (prose.length < MAX_PROSE) {
        prose.push(value);
      }
    }
  }
  return decide(name, comment, stats, prose, proseCount);
}

/** The first name that hints or refuses; a generic key falls back to its qualified form. */
function pathSignal(names: string[]): NameSignal {
  let signal: NameSignal = { kind: "neutral" };
  for (const name of names) {
    signal = nameSignal(name);
    if (signal.kind === "hint" && signal.strength === "strong") {
      return signal;
    }
    if (signal.kind === "negative") {
      return signal;
    }
  }
  const first = nameSignal(names[0] as string);
  return first.kind === "hint" ? first : signal;
}

function hasStructure(samples: unknown[]): boolean {
  for (const s of samples) {
    if (s !== null && typeof s === "object") {
      if (!Array.isArray(s)) {
        return true;
      }
      if (s.some((item) => item !== null && typeof item === "object")) {
        return true;
      }
    }
  }
  return false;
}

/**
 * Proposes a category, sensitivity, confidence and evidence for one column from its name, type,
 * comment and sampled values; JSON columns get one proposal per key path and take the strongest
 * path's category. Pure and synchronous: the scanner calls it once per sampled column.
 */
export function classifyColumn(column: ColumnSample): ColumnProposal {
  const comment = commentSignal(column.comment);
  const isJsonType = /json/i.test(column.type);
  const samples = isJsonType ? parseJsonStrings(column.samples) : column.samples;
  if (!hasStructure(samples)) {
    const d = decideValues(nameSignal(column.column), comment, samples);
    return {
      category: d.category,
      sensitivity: SENSITIVITY[d.category],
      confidence: d.confidence,
      evidence: d.evidence,
      paths: [],
    };
  }
  const paths: PathProposal[] = [];
  for (const [path, values] of walkJson(samples)) {
    const d = decideValues(pathSignal(pathName(column.column, path)), { kind: "neutral" }, values);
    paths.push({
      path,
      category: d.category,
      sensitivity: SENSITIVITY[d.category],
      confidence: d.confidence,
      evidence: d.evidence.map((e) => ({
        ...e,
        note: e.note ? `${path}: ${e.note}` : `path ${path}`,
      })),
    });
  }
  let chosen: PathProposal | undefined;
  for (const category of PATH_PRIORITY) {
    for (const p of paths) {
      if (
        p.category === category &&
        (!chosen || (chosen.category === category && p.confidence > chosen.confidence))
      ) {
        chosen = p;
      }
    }
    if (chosen) {
      break;
    }
  }
  if (!chosen) {
    const confidence = paths.length ? Math.min(...paths.map((p) => p.confidence)) : 0.5;
    return { category: "none", sensitivity: "internal", confidence, evidence: [], paths };
  }
  const evidence = paths
    .filter((p) => p.category !== "none")
    .flatMap((p) => p.evidence)
    .slice(0, 12);
  return {
    category: chosen.category,
    sensitivity: SENSITIVITY[chosen.category],
    confidence: chosen.confidence,
    evidence,
    paths,
  };
}

/** Classifies many columns (same as mapping `classifyColumn`; kept for callers that batch). */
export function classifyColumns(columns: ColumnSample[]): ColumnProposal[] {
  return columns.map(classifyColumn);
}
