import { sql } from "kysely";
import { subtractPeriod } from "../../rules/retention/schema.ts";
import type { Tier, TTieringPolicy } from "../../rules/tiering/schema.ts";
import type { AnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import type { Config } from "../../schema/config.ts";
import type { Db } from "../../schema/postgres.ts";
import { frozenTenants, pgBlockedRow, tableBlocker } from "./guards.ts";
import { openMoveIds } from "./moves.ts";
import { currentTieringPolicies } from "./policies.ts";
import {
  coldTable,
  coldTableExists,
  ensureWarmTablespace,
  type WarmStatus,
  warmTablespaceStatus,
} from "./stores.ts";
import { partitionsOf, quoted, type TableInfo, tableInfo } from "./tables.ts";

/**
 * The plan of a tiering run: which units move where. Partitioned tables move by whole partition
 * (hot → warm: a tablespace change; hot/warm → cold: detach, copy, verify, drop); other tables
 * move their rows past the warm age to cold in batches; cold rows past the cold age go to the
 * archive, a month per file. Units that must not move are listed with the reason.
 */

export type PlannedMove = {
  table: string;
  from: Tier;
  to: Tier;
  rows: number;
  partition: string | null;
  /** rows: the batch mover's cutoff; archive: the month's range. */
  before?: string;
  monthFrom?: string;
  monthTo?: string;
};

export type SkippedUnit = { table: string; partition: string | null; reason: string };

export type TierPlan = {
  asOf: string;
  warm: WarmStatus;
  moves: PlannedMove[];
  skipped: SkippedUnit[];
};

export async function planTiering(
  deps: { db: Db; config: Config; analytics: AnalyticsStore },
  options: {
    asOf?: Date;
    tables?: string[];
    only?: "archive";
    readOnly?: boolean;
    /** A draft policy planned in place of its table's current one (the editor's dry run). */
    draft?: TTieringPolicy;
  } = {},
): Promise<TierPlan> {
  const asOf = options.asOf ?? new Date();
  const warm = options.readOnly
    ? await warmTablespaceStatus(deps.db, deps.config)
    : await ensureWarmTablespace(deps.db, deps.config);
  const moves: PlannedMove[] = [];
  const skipped: SkippedUnit[] = [];
  for (const entry of await currentTieringPolicies(deps.db)) {
    const policy =
      options.draft && options.draft.table === entry.policy.table ? options.draft : entry.policy;
    if (!policy.enabled || (options.tables && !options.tables.includes(policy.table))) {
      continue;
    }
    const info = await tableInfo(deps.db, policy.table);
    if (!info) {
      skipped.push({ table: policy.table, partition: null, reason: "no such table" });
      continue;
    }
    const blocker = await tableBlocker(deps.db, policy);
    if (blocker) {
      skipped.push({ table: policy.table, partition: null, reason: blocker });
      continue;
    }
    if (options.only === "archive") {
      // only the cold → archive step (after this run's moves to cold)
    } else if (info.partitioned) {
      await planPartitions(deps.db, info, policy, asOf, warm, moves, skipped);
    } else if (info.key) {
      await planRows(deps.db, info, policy, asOf, moves);
    } else {
      skipped.push({ table: policy.table, partition: null, reason: "no single-column key" });
      continue;
    }
    await planArchive(deps, info, policy, asOf, moves, skipped);
  }
  return { asOf: asOf.toISOString(), warm, moves, skipped };
}

async function planPartitions(
  db: Db,
  info: TableInfo,
  policy: TTieringPolicy,
  asOf: Date,
  warm: WarmStatus,
  moves: PlannedMove[],
  skipped: SkippedUnit[],
): Promise<void> {
  const hotCutoff = subtractPeriod(asOf, policy.tiers.hot);
  const warmCutoff = subtractPeriod(asOf, policy.tiers.warm);
  const warmName = warm.available ? warm.tablespace : null;
  for (const part of await partitionsOf(db, info.table)) {
    if (part.to.getTime() > hotCutoff.getTime()) {
      continue;
    }
    const from: Tier = warmName && part.tablespace === warmName ? "warm" : "hot";
    const to: Tier | null =
      part.to.getTime() <= warmCutoff.getTime()
        ? "cold"
        : from === "hot" && warmName
          ? "warm"
          : null;
    if (!to) {
      continue;
    }
    const counts = await sql<{ rows: number; blocked: number }>`
      SELECT count(*)::int AS rows,
             count(*) FILTER (WHERE ${sql.raw(pgBlockedRow(info, policy))})::int AS blocked
      FROM ${sql.table(`public.${part.name}`)} t`.execute(db);
    const row = counts.rows[0] ?? { rows: 0, blocked: 0 };
    if (row.blocked > 0) {
      skipped.push({
        table: info.table,
        partition: part.name,
        reason: `${row.blocked} row(s) under a legal hold or an open erasure request`,
      });
      continue;
    }
    moves.push({ table: info.table, from, to, rows: row.rows, partition: part.name });
  }
}

async function planRows(
  db: Db,
  info: TableInfo,
  policy: TTieringPolicy,
  asOf: Date,
  moves: PlannedMove[],
): Promise<void> {
  // Warm is a tablespace: it cannot hold some rows of a table. Rows stay hot until the warm age.
  const cutoff = subtractPeriod(asOf, policy.tiers.warm);
  const result = await sql<{ rows: number }>`
    SELECT count(*)::int AS rows FROM ${sql.table(`public.${info.table}`)} t
    WHERE t.${sql.raw(quoted(policy.date_column))} < ${cutoff}
      AND NOT ${sql.raw(pgBlockedRow(info, policy))}`.execute(db);
  const rows = result.rows[0]?.rows ?? 0;
  if (rows > 0) {
    moves.push({
      table: info.table,
      from: "hot",
      to: "cold",
      rows,
      partition: null,
      before: cutoff.toISOString(),
    });
  }
}

async function planArchive(
  deps: { db: Db; analytics: AnalyticsStore },
  info: TableInfo,
  policy: TTieringPolicy,
  asOf: Date,
  moves: PlannedMove[],
  skipped: SkippedUnit[],
): Promise<void> {
  if (!(await coldTableExists(deps.analytics, info.table))) {
    return;
  }
  const cutoff = subtractPeriod(asOf, policy.tiers.cold);
  const frozen = await frozenTenants(deps.db, info.table);
  const open = await openMoveIds(deps.db, info.table);
  const months = await deps.analytics.query<{ month: string; rows: string; frozen: string }>(
    `SELECT toString(toStartOfMonth(_tier_time)) AS month,
            countIf(NOT has({frozen:Array(String)}, tenant_id)) AS rows,
            countIf(has({frozen:Array(String)}, tenant_id)) AS frozen
     FROM {t:Identifier}
     WHERE _tier_time < {cutoff:DateTime64(6)} AND NOT has({open:Array(String)}, _move_id)
     GROUP BY month ORDER BY month`,
    { t: coldTable(info.table), frozen: frozen.tenants, cutoff, open },
  );
  for (const m of months) {
    if (frozen.all) {
      skipped.push({
        table: info.table,
        partition: null,
        reason: "a legal hold covers every tenant",
      });
      return;
    }
    if (Number(m.frozen) > 0) {
      skipped.push({
        table: info.table,
        partition: `cold ${m.month.slice(0, 7)}`,
        reason: `${m.frozen} row(s) under a legal hold or an open erasure request stay cold`,
      });
    }
    if (Number(m.rows) === 0) {
      continue;
    }
    const start = new Date(`${m.month}T00:00:00Z`);
    const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
    moves.push({
      table: info.table,
      from: "cold",
      to: "archive",
      rows: Number(m.rows),
      partition: null,
      monthFrom: start.toISOString(),
      monthTo: new Date(Math.min(end.getTime(), cutoff.getTime())).toISOString(),
    });
  }
}
