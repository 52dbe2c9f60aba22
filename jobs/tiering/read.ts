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
 * What each tier holds per table, read from the stores: Postgres relation sizes per tablespace
 * (detached partitions in flight included), ClickHouse `system.parts`, the archive's object
 * sizes. Rows are exact by default (the CLI contract), counted in one statement per store: one
 * UNION ALL of `count(*)` over every relation, one `count()` per cold table grouped, one read
 * of the Parquet footers of every live file. With `exact: false` (the console's refresh) they
 * are the stores' own estimates: `pg_class.reltuples` (exact count only for relations never
 * analyzed), `system.parts` rows, the manifests' row counts.
 */
export async function tierStatus(
  deps: { db: Db; config: Config; analytics: AnalyticsStore },
  options: { exact?: boolean } = {},
): Promise<{ tables: TableStatus[]; exact: boolean }> {
  const exact = options.exact ?? true;
  const warmName = deps.config.tiering.warmTablespace;
  const open = await openMoves(deps.db);
  const entries: { table: string; tiers: Record<Tier, TierUsage> }[] = [];
  const relations: { table: string; rel: string; tier: Tier; estimate: number }[] = [];
  for (const entry of await currentTieringPolicies(deps.db)) {
    const table = entry.policy.table;
    if (!(await tableInfo(deps.db, table))) {
      continue;
    }
    const tiers: Record<Tier, TierUsage> = {
      hot: { rows: 0, bytes: 0 },
      warm: { rows: 0, bytes: 0 },
      cold: { rows: 0, bytes: 0 },
      archive: { rows: 0, bytes: 0 },
    };
    entries.push({ table, tiers });
    // The table, its partitions, and partitions of it detached by an open move.
    const detached = open
      .filter((m) => m.table === table && m.spec.partition && m.from !== "cold")
      .map((m) => m.spec.partition?.name as string);
    const rels = await sql<{
      rel: string;
      tablespace: string | null;
      bytes: string;
      reltuples: number;
    }>`
      SELECT c.oid::regclass::text AS rel, ts.spcname AS tablespace,
             pg_total_relation_size(c.oid)::text AS bytes, c.reltuples::float8 AS reltuples
      FROM pg_class c LEFT JOIN pg_tablespace ts ON ts.oid = c.reltablespace
      WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace
        AND (c.oid = to_regclass(${`public.${table}`})
             OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = to_regclass(${`public.${table}`}))
             OR c.relname = ANY(${detached}::text[]))`.execute(deps.db);
    for (const rel of rels.rows) {
      const tier: Tier = rel.tablespace === warmName ? "warm" : "hot";
      tiers[tier].bytes += Number(rel.bytes);
      relations.push({ table, rel: rel.rel, tier, estimate: Number(rel.reltuples) });
    }
  }
  // Postgres rows: one statement for every relation that needs an exact count.
  const counted = relations.filter((r) => exact || r.estimate < 0);
  const counts = new Map<string, number>();
  if (counted.length) {
    const union = counted
      .map((r, i) => `SELECT ${i} AS i, count(*)::bigint AS n FROM ${r.rel}`)
      .join(" UNION ALL ");
    const result = await sql<{ i: number; n: string }>`${sql.raw(union)}`.execute(deps.db);
    for (const row of result.rows) {
      counts.set((counted[row.i] as (typeof counted)[number]).rel, Number(row.n));
    }
  }
  const byTable = new Map(entries.map((e) => [e.table, e.tiers]));
  for (const r of relations) {
    const tiers = byTable.get(r.table) as Record<Tier, TierUsage>;
    tiers[r.tier].rows += counts.get(r.rel) ?? Math.max(0, Math.round(r.estimate));
  }
  // Cold: bytes (and estimated rows) from system.parts, exact rows in one grouped count.
  const coldNames = entries.map((e) => coldTable(e.table));
  const parts = await deps.analytics.query<{ table: string; bytes: string; rows: string }>(
    `SELECT table, toString(sum(bytes_on_disk)) AS bytes, toString(sum(rows)) AS rows
     FROM system.parts WHERE database = currentDatabase() AND active AND has({t:Array(String)}, table)
     GROUP BY table`,
    { t: coldNames },
  );
  const openIds = open.map((m) => m.id);
  const present = parts.map((p) => p.table);
  const exactCold = new Map<string, number>();
  if (exact && present.length) {
    const union = present
      .map(
        (_t, i) =>
          `SELECT {c${i}:String} AS t, toString(count()) AS n FROM {c${i}:Identifier} WHERE NOT has({open:Array(String)}, _move_id)`,
      )
      .join(" UNION ALL ");
    const rows = await deps.analytics.query<{ t: string; n: string }>(union, {
      open: openIds,
      ...Object.fromEntries(present.map((t, i) => [`c${i}`, t])),
    });
    for (const r of rows) {
      exactCold.set(r.t, Number(r.n));
    }
  }
  for (const e of entries) {
    const p = parts.find((x) => x.table === coldTable(e.table));
    if (p) {
      e.tiers.cold = {
        rows: exactCold.get(p.table) ?? Number(p.rows),
        bytes: Number(p.bytes),
      };
    }
  }
  // Archive: object sizes from one listing; rows from the Parquet files themselves (their
  // footers, one statement) or, estimated, from the manifests.
  const openSet = new Set(openIds);
  const archive = archiveStore(deps.config);
  const live: { table: string; file: string; rows: number }[] = [];
  for (const e of entries) {
    const sizes = await archive.sizes(e.table);
    for (const m of await archive.manifests(e.table)) {
      const size = sizes.get(m.file);
      if (!openSet.has(m.moveId) && size !== undefined) {
        e.tiers.archive.bytes += size;
        live.push({ table: e.table, file: m.file, rows: m.rows });
      }
    }
  }
  const fileRows = new Map<string, number>();
  if (exact && live.length) {
    let params: Record<string, unknown> = {};
    const union = live
      .map((f, i) => {
        const source = archive.source(f.file, `a${i}`);
        params = { ...params, ...source.params };
        return `SELECT ${i} AS i, toString(count()) AS n FROM ${source.sql}`;
      })
      .join(" UNION ALL ");
    for (const r of await deps.analytics.query<{ i: number | string; n: string }>(union, params)) {
      fileRows.set((live[Number(r.i)] as (typeof live)[number]).file, Number(r.n));
    }
  }
  for (const f of live) {
    (byTable.get(f.table) as Record<Tier, TierUsage>).archive.rows +=
      fileRows.get(f.file) ?? f.rows;
  }
  return {
    tables: entries.map((e) => ({ table: `public.${e.table}`, tiers: e.tiers })),
    exact,
  };
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
