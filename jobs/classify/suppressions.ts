import { SENSITIVITY } from "../../rules/classification/index.ts";
import type { Category, Evidence } from "../../schema/domain/classification.ts";
import type { SuppressionRow } from "../../schema/governance/suppressions.repository.ts";
import type { TableDef } from "./catalog-types.ts";
import type { ColumnObservation } from "./catalog-write.ts";

/**
 * Applies stewards' suppressions to a table's fresh proposals, before they are written: the same
 * false positive does not come back on re-scan. A `column` suppression replaces its category on
 * that column (or JSON path) with the steward's decision; an `all_tables` one replaces it with
 * `none` wherever the suppressed detector is what speaks for that category. The proposal keeps
 * the detectors' evidence and starts with a `steward` line naming the suppression and the
 * decision that created it, which is what the evidence panel shows.
 */

export type SuppressionIndex = {
  byColumn: Map<string, SuppressionRow[]>;
  global: SuppressionRow[];
};

function key(store: string, schema: string, table: string, column: string, path: string): string {
  return [store, schema, table, column, path].join("\u0000");
}

export function indexSuppressions(rows: SuppressionRow[]): SuppressionIndex {
  const index: SuppressionIndex = { byColumn: new Map(), global: [] };
  for (const row of rows) {
    if (row.scope === "all_tables") {
      index.global.push(row);
      continue;
    }
    const k = key(
      row.store ?? "",
      row.schema_name ?? "",
      row.table_name ?? "",
      row.column_name ?? "",
      row.json_path ?? "",
    );
    const list = index.byColumn.get(k) ?? [];
    list.push(row);
    index.byColumn.set(k, list);
  }
  return index;
}

function day(at: Date | string): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** The evidence line saying a suppression applied and which decision created it. */
export function suppressionEvidence(s: SuppressionRow): Evidence {
  const where = s.scope === "all_tables" ? ` (detector ${s.detector} on every table)` : "";
  const event = s.review_event_id ? `, review event #${s.review_event_id}` : "";
  const why = s.comment ? `: "${s.comment.slice(0, 120)}"` : "";
  return {
    detector: `suppression#${s.id}`,
    signal: "steward",
    category: s.replacement_category as Category,
    matched: 0,
    sampled: 0,
    examples: [],
    note: `${s.category} suppressed${where}: ${s.created_by} ${s.decision === "overridden" ? `overrode it with ${s.replacement_category}` : "rejected it"} on ${day(s.created_at)}${event}${why}`,
  };
}

/** Which live suppression, if any, applies to one observation's proposal. */
function matching(
  index: SuppressionIndex,
  table: TableDef,
  obs: ColumnObservation,
): SuppressionRow | undefined {
  const category = obs.proposal.category;
  if (category === "none") {
    return undefined;
  }
  const own = index.byColumn
    .get(key(table.store, table.schema, table.name, obs.column.name, obs.jsonPath))
    ?.find((s) => s.category === category);
  if (own) {
    return own;
  }
  // Across tables: only where the suppressed detector is among those speaking for the category
  // and no validated detector of another name disagrees (the leading one decides).
  const speaking = obs.proposal.evidence.filter((e) => e.category === category);
  return index.global.find(
    (s) =>
      s.category === category &&
      speaking.length > 0 &&
      speaking.some((e) => e.detector === s.detector) &&
      speaking
        .filter((e) => e.signal === "value")
        .every(
          (e) =>
            e.detector === s.detector ||
            e.matched <= (speaking.find((x) => x.detector === s.detector)?.matched ?? 0),
        ),
  );
}

/** Rewrites the observations a suppression applies to; returns how many it changed. */
export function applySuppressions(
  index: SuppressionIndex,
  table: TableDef,
  observations: ColumnObservation[],
): number {
  if (index.byColumn.size === 0 && index.global.length === 0) {
    return 0;
  }
  let changed = 0;
  for (const obs of observations) {
    const s = matching(index, table, obs);
    if (!s) {
      continue;
    }
    const replacement = s.replacement_category as Category;
    obs.proposal = {
      category: replacement,
      sensitivity: SENSITIVITY[replacement],
      confidence: Math.max(obs.proposal.confidence, 0.9),
      evidence: [
        suppressionEvidence(s),
        ...obs.proposal.evidence.map((e) =>
          e.category === s.category ? { ...e, note: `suppressed: ${e.note ?? e.detector}` } : e,
        ),
      ],
    };
    changed += 1;
  }
  return changed;
}
