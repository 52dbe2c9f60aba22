import { sql } from "kysely";
import { qualifiedTable } from "../../rules/quality/schema.ts";
import { withReader } from "../../schema/tenant.ts";
import type { QualityDeps } from "./run.ts";
import type { ScanContext } from "./scan.ts";
import { errorResult } from "./scan.ts";
import type { RuleRecord, RuleResult } from "./types.ts";
import { verdict } from "./types.ts";

/**
 * Checks on the analytics store, in ClickHouse SQL: native checks of a `clickhouse:db.table`
 * (completeness, validity by range/set/regex, volume) in one aggregate query per table with
 * `countIf`, identifiers passed as `Identifier` parameters; and reconciliation of an ETL
 * aggregate with its source (revenue_daily vs completed payments per tenant and day), naming
 * the tenants and days that differ.
 */
export async function evaluateClickhouse(
  deps: QualityDeps,
  records: RuleRecord[],
  ctx: ScanContext,
): Promise<RuleResult[]> {
  const out: RuleResult[] = [];
  for (const record of records) {
    if (!deps.analytics) {
      out.push(errorResult(record, "no analytics store configured"));
      continue;
    }
    try {
      out.push(
        record.rule.kind === "reconciliation"
          ? await reconcileRevenue(deps, record)
          : await nativeCheck(deps, record, ctx),
      );
    } catch (error) {
      out.push(errorResult(record, (error as Error).message));
    }
  }
  return out;
}

async function nativeCheck(
  deps: QualityDeps,
  record: RuleRecord,
  ctx: ScanContext,
): Promise<RuleResult> {
  const { rule } = record;
  const analytics = deps.analytics as NonNullable<QualityDeps["analytics"]>;
  const [db, table] = rule.table.slice("clickhouse:".length).split(".") as [string, string];
  const c = rule.check;
  const params: Record<string, unknown> = { db, table, col: rule.column ?? "" };
  let pass = "1";
  if (rule.kind === "completeness") {
    pass = "isNotNull({col:Identifier})";
  } else if (rule.kind === "validity") {
    if (c.range) {
      params.min = c.range.min ?? -1e308;
      params.max = c.range.max ?? 1e308;
      pass = c.range.exclusive
        ? "toFloat64({col:Identifier}) > {min:Float64} AND toFloat64({col:Identifier}) < {max:Float64}"
        : "toFloat64({col:Identifier}) >= {min:Float64} AND toFloat64({col:Identifier}) <= {max:Float64}";
    } else if (c.set) {
      params.set = c.set.map(String);
      pass = "has({set:Array(String)}, toString({col:Identifier}))";
    } else if (c.regex) {
      params.re = c.regex;
      pass = "match(toString({col:Identifier}), {re:String})";
    } else {
      throw new Error("this validity check is not available on ClickHouse tables");
    }
  }
  const rows = await analytics.query<{ total: string | number; passing: string | number }>(
    `SELECT count() AS total, countIf(${pass}) AS passing FROM {db:Identifier}.{table:Identifier}`,
    params,
  );
  const total = Number(rows[0]?.total ?? 0);
  const passing = Number(rows[0]?.passing ?? 0);
  const r: RuleResult = {
    ...errorResult(record, ""),
    error: null,
    total,
    failing: total - passing,
  };
  if (rule.kind === "volume") {
    const ok =
      (c.min_rows === undefined || total >= c.min_rows) &&
      (c.max_rows === undefined || total <= c.max_rows);
    r.total = 1;
    r.failing = ok ? 0 : 1;
    r.detail = { metric: total, minRows: c.min_rows, maxRows: c.max_rows };
  }
  void ctx;
  return { ...r, ...verdict(r.failing, r.total, r.threshold), table: qualifiedTable(rule.table) };
}

/** revenue_daily (ClickHouse, FINAL) against completed payments in Postgres, per tenant and day. */
async function reconcileRevenue(deps: QualityDeps, record: RuleRecord): Promise<RuleResult> {
  const analytics = deps.analytics as NonNullable<QualityDeps["analytics"]>;
  const tolerance = record.rule.check.tolerance ?? 0.01;
  const ch = await analytics.query<{ tenant_id: string; day: string; revenue: string }>(
    "SELECT toString(tenant_id) AS tenant_id, toString(day) AS day, toString(revenue) AS revenue FROM revenue_daily FINAL",
  );
  const pg = await withReader(deps.db, async (trx) =>
    sql<{ tenant_id: string; day: string; revenue: string }>`
      SELECT tenant_id::text AS tenant_id, to_char((paid_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day,
             coalesce(sum(amount), 0)::text AS revenue
      FROM public.payments WHERE status = 'completed' AND paid_at IS NOT NULL
      GROUP BY 1, 2`.execute(trx),
  );
  const key = (t: string, d: string) => `${t}|${d}`;
  const a = new Map(ch.map((r) => [key(r.tenant_id, r.day), Number(r.revenue)]));
  const b = new Map(pg.rows.map((r) => [key(r.tenant_id, r.day), Number(r.revenue)]));
  const differing: { tenant_id: string; day: string; clickhouse: number; postgres: number }[] = [];
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(k) ?? 0;
    const y = b.get(k) ?? 0;
    if (Math.abs(x - y) > tolerance) {
      const [tenant_id = "", day = ""] = k.split("|");
      differing.push({ tenant_id, day, clickhouse: x, postgres: y });
    }
  }
  const total = new Set([...a.keys(), ...b.keys()]).size;
  const r: RuleResult = {
    ...errorResult(record, ""),
    error: null,
    total,
    failing: differing.length,
    detail: { differing: differing.slice(0, 50), compared: "revenue_daily vs payments" },
  };
  return { ...r, ...verdict(r.failing, r.total, r.threshold) };
}
