import { sql } from "kysely";
import { maskValue } from "../../rules/classification/mask.ts";
import { QualityRulesError } from "../../rules/quality/loader.ts";
import { qualifiedTable, type TQualityRule, tableNameOf } from "../../rules/quality/schema.ts";
import type { TResultRow, TRuleOverview, TSamples } from "../../schema/contracts/quality.ts";
import { CATEGORIES, type Category } from "../../schema/domain/classification.ts";
import type { Db } from "../../schema/postgres.ts";
import { withReader } from "../../schema/tenant.ts";
import { platformTables } from "./catalog.ts";
import { guardCustomSql } from "./sql-guard.ts";

/**
 * What routes and CLI commands share beyond the engine: checking a rule against the stores,
 * the rules table with last scores, history for charts, failing-row values masked for the viewer,
 * and the overview figures.
 */

/**
 * Checks a parsed rule against the operational store: table and columns exist, and a custom
 * SQL text passes the gate (throws SqlRejected naming the token). Throws QualityRulesError.
 */
export async function checkRuleTargets(db: Db, rule: TQualityRule): Promise<void> {
  if (rule.table.startsWith("clickhouse:")) {
    return;
  }
  const tables = await platformTables(db);
  const name = tableNameOf(rule.table);
  const table = tables.get(name);
  const problems: string[] = [];
  if (!table) {
    problems.push(`table: public.${name} does not exist`);
  } else {
    const columns = [
      rule.column,
      rule.check.timestamp,
      ...(rule.check.columns ?? []),
      rule.check.compare?.left,
      rule.check.compare?.right,
    ].filter((c): c is string => Boolean(c));
    for (const c of columns) {
      if (!table.columns.has(c)) {
        problems.push(`column: ${name}.${c} does not exist`);
      }
    }
    if (rule.check.reference) {
      const ref = tables.get(rule.check.reference.table);
      if (!ref?.columns.has(rule.check.reference.column)) {
        problems.push(
          `check.reference: ${rule.check.reference.table}.${rule.check.reference.column} does not exist`,
        );
      }
    }
    if (rule.tenants !== "all" && !table.tenant) {
      problems.push(`tenants: public.${name} has no tenant_id; use tenants: all`);
    }
  }
  if (problems.length) {
    throw new QualityRulesError(`rule ${rule.id} does not fit the operational store`, problems);
  }
  if (rule.kind === "custom_sql" && rule.sql) {
    const readable = new Set([...tables].filter(([, t]) => t.customReadable).map(([n]) => n));
    await guardCustomSql(rule.sql, { tables: readable });
  }
}

/** A rule with its last score (worst tenant) and its recent scores, as the API sends it. */
export type RuleOverview = TRuleOverview;

/** The rules with their last score (worst tenant) and recent scores for a sparkline. */
export async function rulesOverview(
  db: Db,
  records: { rule: TQualityRule; version: number; source: string }[],
): Promise<RuleOverview[]> {
  const rows = await sql<{
    rule_id: string;
    run_id: string;
    at: Date;
    score: number | null;
    passed: boolean | null;
    rn: number;
  }>`
    SELECT rule_id, run_id, at, score, passed, rn FROM (
      SELECT rule_id, run_id, max(evaluated_at) AS at, min(score) AS score, bool_and(passed) AS passed,
             row_number() OVER (PARTITION BY rule_id ORDER BY max(evaluated_at) DESC) AS rn
      FROM governance.quality_results WHERE error IS NULL
      GROUP BY rule_id, run_id
    ) s WHERE rn <= 20 ORDER BY rule_id, at`.execute(db);
  const open = await sql<{ rule_id: string; n: number }>`
    SELECT rule_id, count(*)::int AS n FROM governance.quality_incidents
    WHERE status <> 'resolved' GROUP BY rule_id`.execute(db);
  const openBy = new Map(open.rows.map((r) => [r.rule_id, r.n]));
  return records.map(({ rule, version, source }) => {
    const mine = rows.rows.filter((r) => r.rule_id === rule.id);
    const last = mine.at(-1);
    return {
      id: rule.id,
      table: qualifiedTable(rule.table),
      column: rule.column ?? null,
      kind: rule.kind,
      severity: rule.severity,
      threshold: rule.threshold,
      tenants: Array.isArray(rule.tenants) ? `${rule.tenants.length} tenants` : rule.tenants,
      enabled: rule.enabled,
      version,
      source,
      owner: rule.owner ?? null,
      lastScore: last?.score ?? null,
      lastPassed: last?.passed ?? null,
      lastEvaluatedAt: last ? new Date(last.at).toISOString() : null,
      sparkline: mine.map((r) => r.score ?? 0),
      openIncidents: openBy.get(rule.id) ?? 0,
    };
  });
}

/** A stored result as the API lists it. */
export type ResultRow = TResultRow;

/** Results, newest first (a rule's history, or one run's results). */
export async function listResults(
  db: Db,
  filter: { rule?: string; runId?: string; limit?: number },
): Promise<ResultRow[]> {
  let q = db
    .selectFrom("governance.quality_results as r")
    .leftJoin("tenants as t", "t.id", "r.tenant_id")
    .select([
      "r.id",
      "r.run_id",
      "r.rule_id",
      "r.table_name",
      "r.tenant_id",
      "t.business_name",
      "r.score",
      "r.threshold",
      "r.passed",
      "r.severity",
      "r.failing",
      "r.total",
      "r.sample_keys",
      "r.detail",
      "r.error",
      "r.evaluated_at",
    ])
    .orderBy("r.evaluated_at", "desc")
    .limit(filter.limit ?? 200);
  if (filter.rule) {
    q = q.where("r.rule_id", "=", filter.rule);
  }
  if (filter.runId) {
    q = q.where("r.run_id", "=", filter.runId);
  }
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    runId: r.run_id,
    rule: r.rule_id,
    table: r.table_name,
    tenantId: r.tenant_id,
    tenantName: r.business_name ?? null,
    score: r.score,
    threshold: r.threshold,
    passed: r.passed,
    severity: r.severity,
    failing: r.failing,
    total: r.total,
    samples: Array.isArray(r.sample_keys) ? r.sample_keys.length : 0,
    detail: (r.detail ?? {}) as Record<string, unknown>,
    error: r.error,
    evaluatedAt: r.evaluated_at.toISOString(),
  }));
}

/** Failing rows' values, masked for the viewer, as the API sends them. */
export type SampleRows = TSamples;

function asCategory(value: string | null | undefined): Category {
  return (CATEGORIES as readonly string[]).includes(value ?? "") ? (value as Category) : "none";
}

/**
 * The failing rows of one result: keys as stored, values read live (so no raw value is ever
 * stored in governance) and masked by the column's catalog category unless `raw` is asked for
 * by a viewer allowed to (the route checks quality:raw and audits it).
 */
export async function sampleRows(
  db: Db,
  resultId: string,
  options: { raw: boolean },
): Promise<SampleRows | undefined> {
  const result = await db
    .selectFrom("governance.quality_results")
    .select(["table_name", "column_name", "sample_keys"])
    .where("id", "=", resultId)
    .executeTakeFirst();
  if (!result) {
    return undefined;
  }
  const keys = (Array.isArray(result.sample_keys) ? result.sample_keys : []).map(String);
  const tableName = result.table_name.replace(/^public\./, "");
  const tables = await platformTables(db);
  const table = tables.get(tableName);
  const column =
    result.column_name && table?.columns.has(result.column_name) ? result.column_name : null;
  const key = table?.key.length === 1 ? table.key[0] : undefined;
  const catalog = column
    ? await db
        .selectFrom("governance.catalog_effective_columns")
        .select(["effective_category"])
        .where("schema_name", "=", "public")
        .where("table_name", "=", tableName)
        .where("column_name", "=", column)
        .where("json_path", "is", null)
        .where("dropped_at", "is", null)
        .executeTakeFirst()
    : undefined;
  const category = asCategory(catalog?.effective_category);
  if (!table || !key || !keys.length) {
    return { table: result.table_name, column, category, masked: !options.raw, rows: [] };
  }
  const rows = await withReader(db, async (trx) =>
    sql<{ k: string; tenant: string | null; v: string | null }>`
      SELECT ${sql.ref(`t.${key}`)}::text AS k,
             ${table.tenant ? sql`t.tenant_id::text` : sql`NULL::text`} AS tenant,
             ${column ? sql`${sql.ref(`t.${column}`)}::text` : sql`NULL::text`} AS v
      FROM ${sql.table(`public.${tableName}`)} AS t
      WHERE ${sql.ref(`t.${key}`)}::text = ANY(${keys}::text[])`.execute(trx),
  );
  return {
    table: result.table_name,
    column,
    category,
    masked: !options.raw,
    rows: rows.rows.map((r) => ({
      key: r.k,
      tenantId: r.tenant,
      value: r.v === null ? null : options.raw ? r.v : maskValue(r.v, category),
    })),
  };
}

export type QualitySummary = {
  rules: number;
  evaluated: number;
  passing: number;
  failing: number;
  openIncidents: number;
  criticalOpen: number;
  lastRunAt: string | null;
  averageScore: number | null;
};

/** Overview figures: rules, last verdicts, open incidents. */
export async function qualitySummary(db: Db, rules: number): Promise<QualitySummary> {
  const last = await sql<{
    evaluated: number;
    passing: number;
    avg: number | null;
    at: Date | null;
  }>`
    SELECT count(*)::int AS evaluated, count(*) FILTER (WHERE passed)::int AS passing,
           avg(score) AS avg, max(evaluated_at) AS at
    FROM (SELECT DISTINCT ON (rule_id, tenant_id) passed, score, evaluated_at
          FROM governance.quality_results WHERE error IS NULL
          ORDER BY rule_id, tenant_id, evaluated_at DESC) s`.execute(db);
  const inc = await sql<{ open: number; critical: number }>`
    SELECT count(*)::int AS open, count(*) FILTER (WHERE severity = 'critical')::int AS critical
    FROM governance.quality_incidents WHERE status <> 'resolved'`.execute(db);
  const l = last.rows[0];
  return {
    rules,
    evaluated: l?.evaluated ?? 0,
    passing: l?.passing ?? 0,
    failing: (l?.evaluated ?? 0) - (l?.passing ?? 0),
    openIncidents: inc.rows[0]?.open ?? 0,
    criticalOpen: inc.rows[0]?.critical ?? 0,
    lastRunAt: l?.at ? new Date(l.at).toISOString() : null,
    averageScore: l?.avg ?? null,
  };
}

/**
 * Quality score per table and column (DataAsset.quality_score): the mean of the latest scores of
 * the rules on it (over tenants), for the catalog.
 */
export async function qualityScores(db: Db): Promise<Map<string, number>> {
  const rows = await sql<{
    table_name: string;
    column_name: string | null;
    score: number;
    g: number;
  }>`
    SELECT table_name, column_name, avg(score) AS score, GROUPING(column_name) AS g FROM (
      SELECT DISTINCT ON (rule_id, tenant_id) table_name, column_name, score
      FROM governance.quality_results WHERE error IS NULL AND score IS NOT NULL
      ORDER BY rule_id, tenant_id, evaluated_at DESC) s
    GROUP BY GROUPING SETS ((table_name, column_name), (table_name))`.execute(db);
  const out = new Map<string, number>();
  for (const r of rows.rows) {
    if (r.g === 0 && r.column_name === null) {
      continue;
    }
    out.set(r.g === 1 ? r.table_name : `${r.table_name}.${r.column_name}`, Number(r.score));
  }
  return out;
}
