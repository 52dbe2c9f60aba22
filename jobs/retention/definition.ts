import { createHash } from "node:crypto";
import { type RawBuilder, sql } from "kysely";
import {
  subtractPeriod,
  type TClause,
  type TRetentionPolicy,
  type TRetentionSchedule,
} from "../../rules/retention/index.ts";
import { type PlannedTable, planTables, quoteIdent, type SchemaGraph, tableInfo } from "./graph.ts";

/**
 * A request's stable definition: everything needed to compute its candidate set again, with
 * every time already absolute (cutoff, guard dates), so the same definition over the same data
 * always yields the same keys, counts and fingerprint.
 */
export type RequestDefinition = {
  format: 1;
  policyId: string;
  policyVersion: number;
  regulation: TRetentionPolicy["regulation"];
  action: TRetentionPolicy["action"];
  /** The day the plan was made for (00:00 UTC) and the cutoff derived from it. */
  asOf: string;
  cutoff: string;
  root: { table: string; dateColumns: string[]; condition: TClause[] };
  /** Rows kept whatever the policy says: a root row with a younger guarded child stays. */
  guards: {
    table: string;
    column: string;
    dateColumn: string;
    since: string;
    regulation: string;
  }[];
  /** Tables in planning order (parents first); `ord` is the deletion order (children first). */
  tables: PlannedTable[];
  anonymize: Record<string, string> | null;
  threshold: number;
  approvalTtlDays: number;
  driftTolerance: number;
  /** Tables of this plan that hold financial records / that SOX governs. */
  financialTables: string[];
  soxTables: string[];
  /** The policy marks its records financial (approval always needed). */
  financialPolicy: boolean;
};

/** 00:00 UTC of the day of `at`: plans made the same day share a cutoff. */
export function startOfDayUtc(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
}

/** Builds the definition of a plan of `policy` (at `version`) for the day of `asOf`. */
export function buildDefinition(
  graph: SchemaGraph,
  schedule: Pick<TRetentionSchedule, "financialTables" | "soxTables" | "minimumRetention">,
  policy: TRetentionPolicy,
  version: number,
  asOf: Date,
): RequestDefinition {
  const day = startOfDayUtc(asOf);
  const cascade = policy.action !== "anonymize";
  const tables = planTables(graph, policy.table, cascade);
  const rootKey = tableInfo(graph, policy.table).keyColumn;
  const guards: RequestDefinition["guards"] = [];
  if (cascade && rootKey) {
    for (const guard of schedule.minimumRetention) {
      for (const fk of graph.foreignKeys) {
        if (
          fk.child === guard.table &&
          fk.parent === policy.table &&
          guard.table !== policy.table
        ) {
          guards.push({
            table: guard.table,
            column: fk.column,
            dateColumn: guard.dateColumn,
            since: subtractPeriod(day, guard.period).toISOString(),
            regulation: guard.regulation,
          });
        }
      }
    }
  }
  const names = tables.map((t) => t.table);
  return {
    format: 1,
    policyId: policy.id,
    policyVersion: version,
    regulation: policy.regulation,
    action: policy.action,
    asOf: day.toISOString(),
    cutoff: subtractPeriod(day, policy.period).toISOString(),
    root: {
      table: policy.table,
      dateColumns: Array.isArray(policy.dateColumn) ? policy.dateColumn : [policy.dateColumn],
      condition: policy.condition,
    },
    guards,
    tables,
    anonymize: policy.anonymize ?? null,
    threshold: policy.threshold,
    approvalTtlDays: policy.approvalTtlDays,
    driftTolerance: policy.driftTolerance,
    financialTables: names.filter((n) => schedule.financialTables.includes(n)),
    soxTables: names.filter((n) => schedule.soxTables.includes(n)),
    financialPolicy: policy.financial,
  };
}

function column(name: string, alias = "t"): RawBuilder<unknown> {
  return sql.raw(`${alias}.${quoteIdent(name)}`);
}

function clauseSql(clause: TClause, alias = "t"): RawBuilder<unknown> {
  const target = clause.path
    ? sql`(${column(clause.column, alias)} #>> ${clause.path}::text[])`
    : column(clause.column, alias);
  const value = clause.value;
  switch (clause.op) {
    case "eq":
      return sql`${target} = ${value}`;
    case "neq":
      return sql`${target} IS DISTINCT FROM ${value}`;
    case "in":
      return sql`${target} = ANY(${value})`;
    case "not_in":
      return sql`(${target} IS NULL OR NOT (${target} = ANY(${value})))`;
    case "is_null":
      return sql`${target} IS NULL`;
    case "is_not_null":
      return sql`${target} IS NOT NULL`;
    case "contains":
      return sql`${value} = ANY(${target})`;
    case "not_contains":
      return sql`NOT (${value} = ANY(coalesce(${target}, '{}')))`;
  }
}

/**
 * The root predicate over alias `t` (tenant filter not included): aged past the cutoff, the
 * condition holds, and no guarded child is younger than its minimum retention.
 */
export function rootPredicate(definition: RequestDefinition, alias = "t"): RawBuilder<boolean> {
  const dates = definition.root.dateColumns.map((c) => column(c, alias));
  const date = dates.length === 1 ? dates[0] : sql`coalesce(${sql.join(dates)})`;
  const parts: RawBuilder<unknown>[] = [sql`${date} < ${definition.cutoff}::timestamptz`];
  for (const clause of definition.root.condition) {
    parts.push(clauseSql(clause, alias));
  }
  const rootKey = definition.tables.find((t) => t.table === definition.root.table)?.keyColumn;
  for (const guard of definition.guards) {
    if (!rootKey) {
      break;
    }
    parts.push(sql`NOT EXISTS (SELECT 1 FROM ${sql.table(`public.${guard.table}`)} g
      WHERE g.tenant_id = ${sql.raw(alias)}.tenant_id AND ${column(guard.column, "g")} = ${column(rootKey, alias)}
        AND ${column(guard.dateColumn, "g")} >= ${guard.since}::timestamptz)`);
  }
  return sql<boolean>`(${sql.join(parts, sql` AND `)})`;
}

/** JSON with object keys sorted, so equal values always serialize the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonicalJson).join(",")}]`;
  }
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * The fingerprint an approval binds: sha256 over the policy version, cutoff, definition
 * (predicate), counts per table and the key-set hash.
 */
export function planFingerprint(input: {
  policyId: string | null;
  policyVersion: number | null;
  cutoff: string | null;
  definition: unknown;
  counts: Record<string, number>;
  keySetHash: string;
}): string {
  return createHash("sha256").update(canonicalJson(input)).digest("hex");
}
