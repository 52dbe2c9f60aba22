import type { TQualityRule } from "../../rules/quality/schema.ts";
import type { PlatformTable } from "./catalog.ts";

/**
 * Which columns the one-scan SELECT groups by, so that their rules run once per distinct value
 * instead of once per row.
 *
 * A predicate on a text column costs PostgreSQL a function call per row (a regex ~420 ns, a set
 * of four ~190 ns, a length ~80 ns, a numeric range ~130 ns, a count(col) ~30 ns: CPU per row
 * measured by `npm run bench -- quality` on PostgreSQL 15). Grouping the scan by the column
 * instead costs one hash probe per row (~160 ns, paid once however many columns, and already
 * paid when results are per tenant) plus ~95 ns per key column; the predicates then run over the
 * few groups. It pays only for columns with few values (status, currency, method) carrying
 * costly rules, which is what this weighs, with the planner's own distinct estimate (pg_stats).
 * A column without statistics is never grouped, and a wrong estimate costs time, never a result:
 * the counts are the same either way.
 */

const COST = { regex: 420, set: 190, length: 80, range: 130, notNull: 30 } as const;
const HASH_PROBE = 160;
const PER_KEY = 95;
/** More groups than this and the grouped plan stops being a small hash table. */
const MAX_GROUPS = 20_000;
/** A column with more distinct values than this is not a category. */
const MAX_DISTINCT = 1_000;
/** Rows per distinct value at least: a group must spare its rule many evaluations. */
const MIN_ROWS_PER_VALUE = 10;

/** The per-row cost of a rule that depends on its column's value only, else null. */
export function valueRuleCost(rule: TQualityRule): number | null {
  if (!rule.column || rule.path) {
    return null;
  }
  const c = rule.check;
  if (rule.kind === "completeness") {
    return COST.notNull;
  }
  if (rule.kind === "validity") {
    if (c.regex !== undefined) {
      return COST.regex;
    }
    if (c.set !== undefined) {
      return COST.set;
    }
    if (c.length !== undefined) {
      return COST.length;
    }
    if (c.range !== undefined) {
      return COST.range;
    }
    return null;
  }
  if (rule.kind === "consistency" && c.allowed !== undefined) {
    return COST.set;
  }
  return null;
}

/**
 * The columns worth grouping by: `costs` is the per-row cost of the value rules on each column,
 * `tenantGroups` the number of tenants when the scan is grouped by tenant anyway (else 0).
 */
export function valueColumns(
  table: PlatformTable,
  costs: Map<string, number>,
  tenantGroups: number,
): string[] {
  const limit = Math.min(MAX_DISTINCT, (table.rows ?? 0) / MIN_ROWS_PER_VALUE);
  const candidates = [...costs]
    .map(([column, cost]) => ({ column, cost, distinct: table.columns.get(column)?.distinct }))
    .filter(
      (c): c is { column: string; cost: number; distinct: number } =>
        typeof c.distinct === "number" &&
        c.distinct >= 1 &&
        c.distinct <= limit &&
        c.cost > PER_KEY,
    )
    .sort((x, y) => y.cost - x.cost);
  const chosen: string[] = [];
  let groups = Math.max(1, tenantGroups);
  let saved = 0;
  for (const c of candidates) {
    // NULL is a group of its own.
    const next = groups * (Math.ceil(c.distinct) + 1);
    if (next > MAX_GROUPS) {
      continue;
    }
    groups = next;
    chosen.push(c.column);
    saved += c.cost - PER_KEY;
  }
  const probe = tenantGroups > 0 ? 0 : HASH_PROBE;
  return saved > probe ? chosen : [];
}
