import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { sql } from "kysely";
import type pg from "pg";
import type { TClause } from "../../rules/retention/schema.ts";
import type { AnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import type { Config } from "../../schema/config.ts";
import type { Db } from "../../schema/postgres.ts";
import { archiveStore } from "./archive-store.ts";
import { chTally } from "./copy.ts";
import { currentTieringPolicies } from "./policies.ts";
import { countInFile, liveArchiveFiles, rewriteArchiveFiles } from "./restore.ts";
import { withTieringLock } from "./run.ts";
import { coldTable, coldTableExists } from "./stores.ts";
import { chQuoted, type TableInfo, tableInfo } from "./tables.ts";

/**
 * Retention reaching the cold and archive tiers. The retention planner and executor see only
 * Postgres; rows that tiering moved out are still the company's data and fall under the same
 * policy. When an approved retention request of a table is carried out, the rows of its tenant
 * in cold and in the archive that match the request's definition (older than its cutoff by the
 * policy's date columns, and its conditions) are deleted there too: cold rows by a ClickHouse
 * DELETE, archive files rewritten without them (new file, new manifest, old file removed).
 * For archive-then-delete policies the rows are first written to the request's retention
 * archive, like the hot rows the executor archived. Under the tiering lock, so no move is half
 * way; a tenant under a legal hold on the table is left alone (the executor refuses it anyway).
 */

export type RetentionScope = {
  requestId: string;
  tenantId: string;
  action: string;
  cutoff: string;
  root: { table: string; dateColumns: string[]; condition: TClause[] };
};

export type TierDeletion = {
  table: string;
  cold: number;
  archive: number;
  /** Rows of cold and archive written to the request's retention archive first. */
  archivedTo: string | null;
  /** Why nothing was done (no tiering policy, a hold), when nothing was. */
  skipped?: string;
};

type Deps = { db: Db; pool: pg.Pool; config: Config; analytics: AnalyticsStore };

/** A ClickHouse predicate (over text columns as Postgres printed them) of the request's rows. */
export function retentionWhere(
  info: TableInfo,
  scope: RetentionScope,
  tieringDateColumn: string | null,
): { where: string; params: Record<string, unknown> } {
  const names = new Set(info.columns.map((c) => c.name));
  const params: Record<string, unknown> = {
    rtenant: scope.tenantId,
    rcutoff: new Date(scope.cutoff),
  };
  const dates = scope.root.dateColumns.filter((c) => names.has(c));
  // The tier's own date column is `_tier_time` (exact); others are parsed from their text.
  const date =
    dates.length === 1 && dates[0] === tieringDateColumn
      ? "_tier_time"
      : `coalesce(${dates
          .map((c) => `parseDateTime64BestEffortOrNull(${chQuoted(c)}, 6, 'UTC')`)
          .join(", ")})`;
  const parts = ["tenant_id = {rtenant:String}", `${date} < {rcutoff:DateTime64(6)}`];
  scope.root.condition.forEach((clause, i) => {
    parts.push(clauseSql(info, clause, `rc${i}`, params));
  });
  return { where: parts.join(" AND "), params };
}

/** Postgres's text of a scalar, as the cold tier stores it. */
function pgText(value: unknown): string {
  return typeof value === "boolean" ? (value ? "t" : "f") : String(value);
}

function clauseSql(
  info: TableInfo,
  clause: TClause,
  param: string,
  params: Record<string, unknown>,
): string {
  if (!info.columns.some((c) => c.name === clause.column)) {
    return "0"; // a column the table does not have: match nothing rather than everything
  }
  const column = clause.path
    ? `JSONExtractString(ifNull(${chQuoted(clause.column)}, ''), ${clause.path
        .map((_, i) => `{${param}_p${i}:String}`)
        .join(", ")})`
    : chQuoted(clause.column);
  clause.path?.forEach((p, i) => {
    params[`${param}_p${i}`] = p;
  });
  const values = Array.isArray(clause.value) ? clause.value.map(pgText) : [];
  if (clause.value !== undefined && !Array.isArray(clause.value)) {
    params[param] = pgText(clause.value);
  } else {
    params[param] = values;
  }
  switch (clause.op) {
    case "eq":
      return `${column} = {${param}:String}`;
    case "neq":
      return `(${column} IS NULL OR ${column} != {${param}:String})`;
    case "in":
      return `has({${param}:Array(String)}, ${column})`;
    case "not_in":
      return `(${column} IS NULL OR NOT has({${param}:Array(String)}, ${column}))`;
    case "is_null":
      return `(${column} IS NULL OR ${column} = '')`;
    case "is_not_null":
      return `(${column} IS NOT NULL AND ${column} != '')`;
    case "contains":
      return `position(ifNull(${column}, ''), {${param}:String}) > 0`;
    case "not_contains":
      return `position(ifNull(${column}, ''), {${param}:String}) = 0`;
  }
}

/** Deletes the request's rows from cold and the archive; returns what went, per table. */
export async function deleteRetainedFromTiers(
  deps: Deps,
  scope: RetentionScope,
): Promise<TierDeletion[]> {
  const table = scope.root.table;
  const policy = (await currentTieringPolicies(deps.db)).find((p) => p.policy.table === table);
  const info = await tableInfo(deps.db, table);
  if (!info) {
    return [];
  }
  const held = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM governance.legal_holds
    WHERE released_at IS NULL AND (tenant_id IS NULL OR tenant_id = ${scope.tenantId}::uuid)
      AND (table_name IS NULL OR table_name = ${table})`.execute(deps.db);
  if ((held.rows[0]?.n ?? 0) > 0) {
    return [{ table, cold: 0, archive: 0, archivedTo: null, skipped: "legal hold" }];
  }
  return withTieringLock(deps.pool, async () => {
    const { where, params } = retentionWhere(info, scope, policy?.policy.date_column ?? null);
    const cold = (await coldTableExists(deps.analytics, table))
      ? (await chTally(deps.analytics, info, chQuoted(coldTable(table)), where, params)).rows
      : 0;
    const files: string[] = [];
    for (const m of await liveArchiveFiles(deps, table)) {
      if ((await countInFile(deps, m.file, where, params)) > 0) {
        files.push(m.file);
      }
    }
    if (cold === 0 && files.length === 0) {
      return [{ table, cold: 0, archive: 0, archivedTo: null }];
    }
    let archivedTo: string | null = null;
    if (scope.action === "archive_then_delete") {
      archivedTo = await keepInRetentionArchive(deps, info, scope, where, params, files, cold > 0);
    }
    if (cold > 0) {
      await deps.analytics.command(
        `DELETE FROM {t:Identifier} WHERE ${where} SETTINGS lightweight_deletes_sync = 2`,
        { ...params, t: coldTable(table) },
      );
    }
    const archive = files.length
      ? await rewriteArchiveFiles(deps, info, files, where, params, scope.requestId)
      : 0;
    return [{ table, cold, archive, archivedTo }];
  });
}

/**
 * Writes the rows about to leave cold and the archive to a Parquet file in the request's
 * retention archive folder (`<ARCHIVE_DIR>/retention/<request>/tiers-<table>.parquet`).
 */
async function keepInRetentionArchive(
  deps: Deps,
  info: TableInfo,
  scope: RetentionScope,
  where: string,
  params: Record<string, unknown>,
  files: string[],
  fromCold: boolean,
): Promise<string> {
  const dir = join(deps.config.archiveDir, "retention", scope.requestId);
  await mkdir(dir, { recursive: true });
  const out = join(dir, `tiers-${info.table}.parquet`);
  const columns = info.columns.map((c) => chQuoted(c.name)).join(", ");
  const archive = archiveStore(deps.config);
  let allParams = { ...params };
  const sources: string[] = [];
  if (fromCold) {
    sources.push(`SELECT ${columns} FROM ${chQuoted(coldTable(info.table))} WHERE ${where}`);
  }
  files.forEach((f, i) => {
    const s = archive.source(f, `ra${i}`);
    allParams = { ...allParams, ...s.params };
    sources.push(`SELECT ${columns} FROM ${s.sql} WHERE ${where}`);
  });
  await deps.analytics.command(
    `INSERT INTO FUNCTION file({rout:String}, 'Parquet') ${sources.join(" UNION ALL ")} SETTINGS engine_file_truncate_on_insert = 1`,
    { ...allParams, rout: out },
  );
  return out;
}

/**
 * The retention executor's `finish` hook: deletes the request's rows from cold and the archive
 * and returns what the certificate records (`tiers`).
 */
export async function retentionTiersFinish(
  deps: Deps,
  request: {
    id: string;
    tenantId: string;
    definition: {
      action: string;
      cutoff: string;
      root: { table: string; dateColumns: string[]; condition: TClause[] };
    };
  },
): Promise<Record<string, unknown>> {
  const deleted = await deleteRetainedFromTiers(deps, {
    requestId: request.id,
    tenantId: request.tenantId,
    action: request.definition.action,
    cutoff: request.definition.cutoff,
    root: request.definition.root,
  });
  return { tiers: deleted };
}
