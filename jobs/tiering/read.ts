import { sql } from "kysely";
import type { Tier } from "../../rules/tiering/schema.ts";
import type { AnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import type { Config } from "../../schema/config.ts";
import type { Db } from "../../schema/postgres.ts";
import { archiveStore } from "./archive-store.ts";
import { openMoveIds, openMoves } from "./moves.ts";
import { currentTieringPolicies } from "./policies.ts";
import { filesSource, liveArchiveFiles } from "./restore.ts";
import { coldTable, coldTableExists } from "./stores.ts";
import { chQuoted, pgSelectList, quoted, tableInfo } from "./tables.ts";

/**
 * Reading across tiers, and what each tier holds. A unit in flight is read where it came from:
 * the cold rows and archive files of open moves are left out, and detached partitions being
 * moved are read from Postgres. So a reader sees each row once whatever the mover is doing.
 */

export type TierRow = { tier: Tier; row: Record<string, string | null> };

export type TierQuery = { table: string; tenantId?: string | null; from: Date; to: Date };

export async function queryAcrossTiers(
  deps: { db: Db; config: Config; analytics: AnalyticsStore },
  q: TierQuery,
  limit = 100_000,
): Promise<{ rows: TierRow[]; counts: Record<Tier, number> }> {
  const info = await tableInfo(deps.db, q.table);
  const policy = (await currentTieringPolicies(deps.db)).find((p) => p.policy.table === q.table);
  if (!info || !policy) {
    throw new Error(`no tiering policy for table ${q.table}`);
  }
  const date = quoted(policy.policy.date_column);
  const counts: Record<Tier, number> = { hot: 0, warm: 0, cold: 0, archive: 0 };
  const rows: TierRow[] = [];
  // Hot and warm: the table itself, plus partitions detached by open moves.
  const relations = [`public.${quoted(q.table)}`];
  for (const move of await openMoves(deps.db)) {
    if (move.table === q.table && move.spec.partition && move.from !== "cold") {
      const exists = await sql<{ r: string | null }>`
        SELECT to_regclass(${`public.${move.spec.partition.name}`})::text AS r`.execute(deps.db);
      const attached = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_inherits WHERE inhrelid = to_regclass(${`public.${move.spec.partition.name}`})`.execute(
        deps.db,
      );
      if (exists.rows[0]?.r && !attached.rows[0]?.n) {
        relations.push(`public.${quoted(move.spec.partition.name)}`);
      }
    }
  }
  const names = info.columns.map((c) => c.name);
  for (const relation of relations) {
    const result = await sql<{ values: (string | null)[]; tablespace: string | null }>`
      SELECT ARRAY[${sql.raw(pgSelectList(info))}] AS values,
             (SELECT ts.spcname FROM pg_class c LEFT JOIN pg_tablespace ts ON ts.oid = c.reltablespace
              WHERE c.oid = t.tableoid) AS tablespace
      FROM ${sql.raw(relation)} t
      WHERE t.${sql.raw(date)} >= ${q.from} AND t.${sql.raw(date)} < ${q.to}
        ${q.tenantId ? sql`AND t.tenant_id = ${q.tenantId}::uuid` : sql``}
      LIMIT ${limit}`.execute(deps.db);
    for (const r of result.rows) {
      const tier: Tier = r.tablespace === deps.config.tiering.warmTablespace ? "warm" : "hot";
      counts[tier] += 1;
      rows.push({ tier, row: Object.fromEntries(names.map((n, i) => [n, r.values[i] ?? null])) });
    }
  }
  const where = `_tier_time >= {from:DateTime64(6)} AND _tier_time < {to:DateTime64(6)}${
    q.tenantId ? " AND tenant_id = {tenant:String}" : ""
  }`;
  const params = { from: q.from, to: q.to, ...(q.tenantId ? { tenant: q.tenantId } : {}) };
  const select = names.map(chQuoted).join(", ");
  if (await coldTableExists(deps.analytics, q.table)) {
    const open = await openMoveIds(deps.db, q.table);
    const cold = await deps.analytics.query<Record<string, string | null>>(
      `SELECT ${select} FROM {t:Identifier} WHERE ${where} AND NOT has({open:Array(String)}, _move_id) LIMIT ${limit}`,
      { ...params, t: coldTable(q.table), open },
    );
    for (const row of cold) {
      counts.cold += 1;
      rows.push({ tier: "cold", row });
    }
  }
  const files = (await liveArchiveFiles(deps, q.table)).filter(
    (m) => !(m.from && m.to && (new Date(m.to) <= q.from || new Date(m.from) >= q.to)),
  );
  if (files.length) {
    const { source, params: fp } = filesSource(
      deps.config,
      files.map((f) => f.file),
    );
    const archived = await deps.analytics.query<Record<string, string | null>>(
      `SELECT ${select} FROM ${source} WHERE ${where} LIMIT ${limit}`,
      { ...params, ...fp },
    );
    for (const row of archived) {
      counts.archive += 1;
      rows.push({ tier: "archive", row });
    }
  }
  return { rows, counts };
}

export type TierUsage = { rows: number; bytes: number };
export type TableStatus = { table: string; tiers: Record<Tier, TierUsage> };

/**
 * What each tier holds per table, read from the stores: Postgres relation sizes and row counts
 * per tablespace (detached partitions in flight included), ClickHouse `system.parts` and a count
 * of the cold table, and the archive files' sizes and manifests.
 */
export async function tierStatus(deps: {
  db: Db;
  config: Config;
  analytics: AnalyticsStore;
}): Promise<{ tables: TableStatus[] }> {
  const tables: TableStatus[] = [];
  const warmName = deps.config.tiering.warmTablespace;
  for (const entry of await currentTieringPolicies(deps.db)) {
    const table = entry.policy.table;
    const info = await tableInfo(deps.db, table);
    if (!info) {
      continue;
    }
    const tiers: Record<Tier, TierUsage> = {
      hot: { rows: 0, bytes: 0 },
      warm: { rows: 0, bytes: 0 },
      cold: { rows: 0, bytes: 0 },
      archive: { rows: 0, bytes: 0 },
    };
    // The table, its partitions, and partitions of it detached by an open move.
    const detached = (await openMoves(deps.db))
      .filter((m) => m.table === table && m.spec.partition && m.from !== "cold")
      .map((m) => m.spec.partition?.name as string);
    const rels = await sql<{ rel: string; tablespace: string | null; bytes: string }>`
      SELECT c.oid::regclass::text AS rel, ts.spcname AS tablespace,
             pg_total_relation_size(c.oid)::text AS bytes
      FROM pg_class c LEFT JOIN pg_tablespace ts ON ts.oid = c.reltablespace
      WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace
        AND (c.oid = to_regclass(${`public.${table}`})
             OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = to_regclass(${`public.${table}`}))
             OR c.relname = ANY(${detached}::text[]))`.execute(deps.db);
    for (const rel of rels.rows) {
      const tier: Tier = rel.tablespace === warmName ? "warm" : "hot";
      const n = await sql<{
        n: string;
      }>`SELECT count(*)::text AS n FROM ${sql.raw(rel.rel)}`.execute(deps.db);
      tiers[tier].rows += Number(n.rows[0]?.n ?? 0);
      tiers[tier].bytes += Number(rel.bytes);
    }
    if (await coldTableExists(deps.analytics, table)) {
      const parts = await deps.analytics.query<{ bytes: string }>(
        `SELECT toString(sum(bytes_on_disk)) AS bytes FROM system.parts
         WHERE database = currentDatabase() AND table = {t:String} AND active`,
        { t: coldTable(table) },
      );
      const open = await openMoveIds(deps.db, table);
      const count = await deps.analytics.query<{ n: string }>(
        "SELECT toString(count()) AS n FROM {t:Identifier} WHERE NOT has({open:Array(String)}, _move_id)",
        { t: coldTable(table), open },
      );
      tiers.cold = { rows: Number(count[0]?.n ?? 0), bytes: Number(parts[0]?.bytes ?? 0) };
    }
    // Object sizes from one listing of the store; rows from the manifests of complete files.
    const open = new Set(await openMoveIds(deps.db, table));
    const archive = archiveStore(deps.config);
    const sizes = await archive.sizes(table);
    for (const m of await archive.manifests(table)) {
      const size = sizes.get(m.file);
      if (!open.has(m.moveId) && size !== undefined) {
        tiers.archive.bytes += size;
        tiers.archive.rows += m.rows;
      }
    }
    tables.push({ table: `public.${table}`, tiers });
  }
  return { tables };
}

/** Records today's status for the console's storage-over-time chart (one row per table/tier). */
export async function snapshotStatus(
  db: Db,
  status: { tables: TableStatus[] },
  at = new Date(),
): Promise<void> {
  const rows = status.tables.flatMap((t) =>
    Object.entries(t.tiers).map(([tier, u]) => ({
      taken_at: at,
      table_name: t.table,
      tier,
      rows: u.rows,
      bytes: u.bytes,
    })),
  );
  if (rows.length) {
    await db
      .insertInto("governance.tier_snapshots")
      .values(rows)
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}
