import { sql } from "kysely";
import type { AnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import type { Db } from "../../schema/postgres.ts";
import type { RuleResult } from "./types.ts";

export async function startRun(db: Db, triggeredBy: string): Promise<string> {
  const row = await db
    .insertInto("governance.quality_runs")
    .values({ triggered_by: triggeredBy })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function finishRun(
  db: Db,
  runId: string,
  outcome: { rules: number; error?: string },
): Promise<void> {
  await db
    .updateTable("governance.quality_runs")
    .set({
      finished_at: sql`now()`,
      status: outcome.error ? "failed" : "succeeded",
      rules: outcome.rules,
      error: outcome.error ?? null,
    })
    .where("id", "=", runId)
    .execute();
}

/** Writes a run's results; returns their ids in order. */
export async function saveResults(db: Db, runId: string, results: RuleResult[]): Promise<string[]> {
  if (!results.length) {
    return [];
  }
  const rows = await db
    .insertInto("governance.quality_results")
    .values(
      results.map((r) => ({
        run_id: runId,
        rule_id: r.rule,
        rule_version: r.version,
        table_name: r.table,
        column_name: r.column,
        tenant_id: r.tenantId,
        kind: r.kind,
        severity: r.severity,
        threshold: r.threshold,
        score: r.score,
        passed: r.passed,
        failing: r.failing,
        total: r.total,
        sample_keys: JSON.stringify(r.sampleKeys),
        detail: JSON.stringify(r.detail),
        error: r.error,
      })),
    )
    .returning("id")
    .execute();
  return rows.map((r) => r.id);
}

/** Past metrics (volume rows, freshness age) of a rule and tenant, newest first. */
export async function metricHistory(
  db: Db,
  rule: string,
  tenantId: string | null,
  runs: number,
): Promise<{ at: Date; metric: number }[]> {
  const rows = await db
    .selectFrom("governance.quality_results")
    .select(["evaluated_at", sql<number | null>`(detail->>'metric')::float8`.as("metric")])
    .where("rule_id", "=", rule)
    .where((eb) =>
      tenantId === null ? eb("tenant_id", "is", null) : eb("tenant_id", "=", tenantId),
    )
    .where("error", "is", null)
    .orderBy("evaluated_at", "desc")
    .limit(runs * 7)
    .execute();
  return rows
    .filter((r) => r.metric !== null)
    .map((r) => ({ at: r.evaluated_at, metric: Number(r.metric) }));
}

/** Trend history in ClickHouse (quality_history): one row per result. Best effort. */
export async function recordHistory(
  analytics: AnalyticsStore | undefined,
  runId: string,
  results: RuleResult[],
  at: Date,
): Promise<boolean> {
  if (!analytics || !results.length) {
    return false;
  }
  await analytics.command(`
    CREATE TABLE IF NOT EXISTS quality_history (
      run_id UUID, rule_id String, table_name String, tenant_id Nullable(UUID),
      evaluated_at DateTime64(3, 'UTC'), score Nullable(Float64), passed Nullable(UInt8),
      failing UInt64, total UInt64, severity LowCardinality(String)
    ) ENGINE = MergeTree ORDER BY (rule_id, evaluated_at)`);
  const values = results
    .map(
      (_, i) =>
        `({run${i}:UUID}, {rule${i}:String}, {table${i}:String}, {tenant${i}:Nullable(UUID)}, ` +
        `{at:DateTime64(3, 'UTC')}, {score${i}:Nullable(Float64)}, {passed${i}:Nullable(UInt8)}, ` +
        `{failing${i}:UInt64}, {total${i}:UInt64}, {severity${i}:String})`,
    )
    .join(", ");
  const params: Record<string, unknown> = { at };
  results.forEach((r, i) => {
    params[`run${i}`] = runId;
    params[`rule${i}`] = r.rule;
    params[`table${i}`] = r.table;
    params[`tenant${i}`] = r.tenantId;
    params[`score${i}`] = r.score;
    params[`passed${i}`] = r.passed === null ? null : r.passed ? 1 : 0;
    params[`failing${i}`] = r.failing;
    params[`total${i}`] = r.total;
    params[`severity${i}`] = r.severity;
  });
  await analytics.command(`INSERT INTO quality_history VALUES ${values}`, params);
  return true;
}
