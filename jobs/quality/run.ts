import { qualifiedTable, tableNameOf } from "../../rules/quality/schema.ts";
import type { AnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import type { Db } from "../../schema/postgres.ts";
import { withReader } from "../../schema/tenant.ts";
import { platformTables, platformTenants } from "./catalog.ts";
import { evaluateClickhouse } from "./clickhouse.ts";
import { runCustomSql } from "./custom-sql.ts";
import { applyIncidents, type IncidentChanges } from "./incidents.ts";
import {
  finishRun,
  metricHistory,
  recordHistory,
  saveResults,
  startRun,
} from "./results.repository.ts";
import { listRules } from "./rules.repository.ts";
import { errorResult, evaluateTable, type ScanContext } from "./scan.ts";
import { SqlRejected } from "./sql-guard.ts";
import { type Notify, noNotify, type RuleRecord, type RuleResult, verdict } from "./types.ts";

export type QualityDeps = {
  db: Db;
  analytics?: AnalyticsStore;
  notify?: Notify;
  /** Folder of rule files (default rules/quality). */
  rulesDir?: string;
};

export type RunOptions = {
  table?: string;
  rule?: string;
  /** Rules to evaluate instead of the stored ones (dry-run preview of an edited rule). */
  rules?: RuleRecord[];
  /** Preview: evaluate only; nothing stored, no incident, no alert. */
  dryRun?: boolean;
  triggeredBy?: string;
  sampleSize?: number;
  now?: Date;
  onTable?: (done: number, of: number, table: string) => Promise<void> | void;
};

export type RunReport = {
  runId: string | null;
  results: (RuleResult & { id: string | null })[];
  incidents: IncidentChanges;
};

/** Mean ± k·σ of past metrics taken on the same UTC weekday (at most `runs` of them). */
export function band(
  history: { at: Date; metric: number }[],
  now: Date,
  k: number,
  runs: number,
): { mean: number; sd: number; low: number; high: number; n: number } | null {
  const same = history.filter((h) => h.at.getUTCDay() === now.getUTCDay()).slice(0, runs);
  const points = same.length >= 3 ? same : history.slice(0, runs);
  if (points.length < 3) {
    return null;
  }
  const mean = points.reduce((s, p) => s + p.metric, 0) / points.length;
  const sd = Math.sqrt(points.reduce((s, p) => s + (p.metric - mean) ** 2, 0) / points.length);
  return { mean, sd, low: mean - k * sd, high: mean + k * sd, n: points.length };
}

async function applyBands(db: Db, records: RuleRecord[], results: RuleResult[], now: Date) {
  for (const r of results) {
    const record = records.find((x) => x.rule.id === r.rule);
    const b = record?.rule.check.band;
    if (!b || r.error || typeof r.detail.metric !== "number") {
      continue;
    }
    const history = await metricHistory(db, r.rule, r.tenantId, b.runs);
    const learned = band(history, now, b.k, b.runs);
    const metric = r.detail.metric as number;
    r.detail = { ...r.detail, band: learned ?? "learning" };
    const explicit =
      r.failing > 0 &&
      (r.detail.minRows !== undefined ||
        r.detail.maxRows !== undefined ||
        r.detail.maxAgeHours !== undefined);
    const outside = learned ? metric < learned.low || metric > learned.high : false;
    r.failing = explicit || outside ? 1 : 0;
    Object.assign(r, verdict(r.failing, r.total, r.threshold));
  }
}

async function evaluateCustom(db: Db, record: RuleRecord, ctx: ScanContext): Promise<RuleResult[]> {
  const { rule } = record;
  const table = tableNameOf(rule.table);
  const scopes: (string | null)[] =
    rule.tenants === "all" ? [null] : rule.tenants === "per_tenant" ? ctx.tenants : rule.tenants;
  const results: RuleResult[] = [];
  for (const scope of scopes) {
    const tenants = scope === null ? ctx.tenants : [scope];
    let failing = 0;
    let total = 0;
    try {
      for (const tenantId of tenants) {
        const out = await runCustomSql(db, ctx.tables, {
          sql: rule.sql as string,
          table,
          tenantId,
        });
        failing += out.failing;
        total += out.total;
      }
      const r: RuleResult = {
        ...errorResult(record, ""),
        tenantId: scope,
        error: null,
        failing,
        total,
      };
      results.push({ ...r, ...verdict(failing, total, rule.threshold) });
    } catch (error) {
      const message =
        error instanceof SqlRejected ? `rejected: ${error.message}` : (error as Error).message;
      results.push({ ...errorResult(record, message), tenantId: scope });
    }
  }
  return results;
}

/**
 * Evaluates the enabled rules (optionally one table or one rule): per operational table one
 * aggregate scan, custom SQL per tenant under RLS, ClickHouse checks in ClickHouse; stores the
 * results, writes history to ClickHouse, and opens or resolves incidents (alerting through
 * `notify`). A dry run only evaluates.
 */
export async function runQuality(deps: QualityDeps, options: RunOptions = {}): Promise<RunReport> {
  const { db } = deps;
  const now = options.now ?? new Date();
  let records = options.rules ?? (await listRules(db, deps.rulesDir)).filter((r) => r.rule.enabled);
  if (options.rule) {
    records = records.filter((r) => r.rule.id === options.rule);
  }
  if (options.table) {
    const want = qualifiedTable(options.table);
    records = records.filter((r) => qualifiedTable(r.rule.table) === want);
  }
  const tables = await platformTables(db);
  const directory = await withReader(db, (trx) => platformTenants(trx as unknown as Db));
  const tenants = directory.map((t) => t.id);
  // A preview's one-off rule set would only push a schedule's stored aggregates out.
  const ctx: ScanContext = {
    tables,
    tenants,
    sampleSize: options.sampleSize ?? 10,
    now,
    reuse: !options.dryRun,
  };
  const byTable = new Map<string, RuleRecord[]>();
  for (const record of records) {
    const key = qualifiedTable(record.rule.table);
    byTable.set(key, [...(byTable.get(key) ?? []), record]);
  }
  const runId = options.dryRun ? null : await startRun(db, options.triggeredBy ?? "cli");
  const results: RuleResult[] = [];
  let done = 0;
  try {
    for (const [table, recs] of byTable) {
      if (table.startsWith("clickhouse:")) {
        results.push(...(await evaluateClickhouse(deps, recs, ctx)));
      } else {
        const structured = recs.filter(
          (r) => r.rule.kind !== "custom_sql" && r.rule.kind !== "reconciliation",
        );
        try {
          results.push(...(await evaluateTable(db, table, structured, ctx)));
        } catch (error) {
          results.push(...structured.map((r) => errorResult(r, (error as Error).message)));
        }
        for (const record of recs.filter((r) => r.rule.kind === "custom_sql")) {
          results.push(...(await evaluateCustom(db, record, ctx)));
        }
        const recon = recs.filter((r) => r.rule.kind === "reconciliation");
        if (recon.length) {
          results.push(...(await evaluateClickhouse(deps, recon, ctx)));
        }
      }
      done += 1;
      await options.onTable?.(done, byTable.size, table);
    }
    if (!options.dryRun) {
      await applyBands(db, records, results, now);
    }
  } catch (error) {
    if (runId) {
      await finishRun(db, runId, { rules: records.length, error: (error as Error).message });
    }
    throw error;
  }
  if (!runId) {
    return {
      runId: null,
      results: results.map((r) => ({ ...r, id: null })),
      incidents: { opened: [], resolved: [], stillOpen: [] },
    };
  }
  const ids = await saveResults(db, runId, results);
  await finishRun(db, runId, { rules: records.length });
  await recordHistory(deps.analytics, runId, results, now).catch(() => false);
  const incidents = await applyIncidents(
    db,
    results.map((result, i) => ({ result, id: ids[i] as string })),
    deps.notify ?? noNotify,
    new Map(directory.map((t) => [t.id, t.name])),
  );
  return { runId, results: results.map((r, i) => ({ ...r, id: ids[i] ?? null })), incidents };
}
