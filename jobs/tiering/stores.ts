import { chmod, chown, mkdir, readFile } from "node:fs/promises";
import { sql } from "kysely";
import type { AnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import type { Config } from "../../schema/config.ts";
import type { Db } from "../../schema/postgres.ts";
import { chQuoted, type TableInfo } from "./tables.ts";

/** The cold tier's table of `table` in ClickHouse. */
export function coldTable(table: string): string {
  return `tier_${table}_cold`;
}

/**
 * Creates (or widens, when the source gained columns) the cold table: the source's columns as
 * text (Postgres's canonical text of each value, so restore gives back exactly what left), plus
 * tier metadata: the row's date (`_tier_time`, for ranges and partitions), the move that
 * brought it (`_move_id`) and when. Not the ETL's `business_events_cold`, which is a copy of hot
 * rows for analytics: a tier holds each row once.
 */
const ensured = new WeakMap<AnalyticsStore, Map<string, string>>();

export async function ensureColdTable(store: AnalyticsStore, info: TableInfo): Promise<void> {
  // Once per store and column set: a run moves hundreds of partitions of one table.
  const shape = info.columns.map((c) => `${c.name}:${c.notNull}`).join(",");
  const seen = ensured.get(store) ?? new Map<string, string>();
  ensured.set(store, seen);
  if (seen.get(info.table) === shape && (await coldTableExists(store, info.table))) {
    return;
  }
  const name = chQuoted(coldTable(info.table));
  const columns = info.columns.map(
    (c) => `${chQuoted(c.name)} ${c.notNull ? "String" : "Nullable(String)"}`,
  );
  const orderBy = info.columns.some((c) => c.name === "tenant_id" && c.notNull)
    ? "(tenant_id, _tier_time)"
    : "(_tier_time)";
  await store.command(
    `CREATE TABLE IF NOT EXISTS ${name} (${columns.join(", ")},
      _tier_time DateTime64(6, 'UTC'),
      _move_id String,
      _moved_at DateTime('UTC') DEFAULT now()
    ) ENGINE = MergeTree PARTITION BY toYYYYMM(_tier_time) ORDER BY ${orderBy}`,
  );
  for (const c of info.columns) {
    await store.command(
      `ALTER TABLE ${name} ADD COLUMN IF NOT EXISTS ${chQuoted(c.name)} Nullable(String)`,
    );
  }
  seen.set(info.table, shape);
}

/**
 * Whether an analytics table is a cold tier's: its rows are the company's records moved out of
 * Postgres, changed only by the tier engines (retention and erasure reach), never by the
 * analytics store's own erasure, which deletes whole rows mentioning a person.
 */
export function isColdTable(name: string): boolean {
  return /^tier_[a-z_][a-z0-9_]*_cold$/.test(name);
}

export async function coldTableExists(store: AnalyticsStore, table: string): Promise<boolean> {
  const rows = await store.query<{ n: string }>(
    "SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = {t:String}",
    { t: coldTable(table) },
  );
  return Number(rows[0]?.n ?? 0) > 0;
}

// ---------------------------------------------------------------------------------------------
// Warm: a second tablespace.

export type WarmStatus =
  | { available: true; tablespace: string; location: string }
  | { available: false; tablespace: string; reason: string };

/**
 * Makes sure the warm tablespace exists, creating its folder (owned by the Postgres server's OS
 * user, which CREATE TABLESPACE requires) and the tablespace. Never throws: when it cannot be
 * made (no rights to the folder, not a superuser, a remote server), the warm tier is reported
 * unavailable with the reason, and partitions stay hot until they go cold.
 */
export async function ensureWarmTablespace(db: Db, config: Config): Promise<WarmStatus> {
  const name = config.tiering.warmTablespace;
  const existing = await sql<{ location: string }>`
    SELECT pg_tablespace_location(oid) AS location FROM pg_tablespace WHERE spcname = ${name}`.execute(
    db,
  );
  if (existing.rows[0]) {
    return { available: true, tablespace: name, location: existing.rows[0].location };
  }
  const dir = config.tiering.warmTablespaceDir;
  try {
    await mkdir(dir, { recursive: true });
    const owner = await postgresOsUser();
    if (owner) {
      await chown(dir, owner.uid, owner.gid).catch(() => undefined);
    }
    await chmod(dir, 0o700).catch(() => undefined);
    await sql`CREATE TABLESPACE ${sql.id(name)} LOCATION ${sql.lit(dir)}`.execute(db);
    return { available: true, tablespace: name, location: dir };
  } catch (error) {
    // Another process may have created it meanwhile.
    const again = await sql<{ location: string }>`
      SELECT pg_tablespace_location(oid) AS location FROM pg_tablespace WHERE spcname = ${name}`.execute(
      db,
    );
    if (again.rows[0]) {
      return { available: true, tablespace: name, location: again.rows[0].location };
    }
    return {
      available: false,
      tablespace: name,
      reason: `cannot create tablespace ${name} in ${dir}: ${(error as Error).message}`,
    };
  }
}

/** The warm tablespace as it is, creating nothing (for read-only callers such as the plan view). */
export async function warmTablespaceStatus(db: Db, config: Config): Promise<WarmStatus> {
  const name = config.tiering.warmTablespace;
  const existing = await sql<{ location: string }>`
    SELECT pg_tablespace_location(oid) AS location FROM pg_tablespace WHERE spcname = ${name}`.execute(
    db,
  );
  return existing.rows[0]
    ? { available: true, tablespace: name, location: existing.rows[0].location }
    : { available: false, tablespace: name, reason: "not created yet (the next run creates it)" };
}

async function postgresOsUser(): Promise<{ uid: number; gid: number } | undefined> {
  try {
    const passwd = await readFile("/etc/passwd", "utf8");
    const line = passwd.split("\n").find((l) => l.startsWith("postgres:"));
    const [, , uid, gid] = line?.split(":") ?? [];
    return uid && gid ? { uid: Number(uid), gid: Number(gid) } : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Archive: Parquet files with a manifest beside each, in a folder or S3 (archive-store.ts).

import { type ArchiveManifest, archiveStore } from "./archive-store.ts";

export type { ArchiveManifest };

/** The manifests of a table's archive files, wherever the archive is (folder or S3). */
export async function archiveManifests(config: Config, table: string): Promise<ArchiveManifest[]> {
  return archiveStore(config).manifests(table);
}
