import { sql } from "kysely";
import { type Config, withDatabase } from "../../schema/config.ts";
import { migrateToLatest } from "../../schema/migrate.ts";
import { createOwnerDb } from "../../schema/postgres.ts";
import { dropDatabase } from "../provision/provision.ts";
import { redactUrl } from "../provision/schema-copy.ts";

/**
 * The database a synthetic platform is generated into: a new database in the same cluster with
 * the full platform schema (tables, RLS, indexes, views, triggers) applied by our migrations,
 * exactly as `govern migrate` builds the real store. Not `pg_dump --section=pre-data` like a
 * masked clone: that copies every time partition of the source (1,674 relations for the demo,
 * 70 s of DDL under load) which a synthetic platform has no rows for. Nothing but the schema's
 * definition is used; the real store is never read here.
 */

const DB_NAME = /^[a-z][a-z0-9_]{0,62}$/;

export { dropDatabase };

function assertDatabaseName(name: string): void {
  if (!DB_NAME.test(name)) {
    throw new Error(`not a valid database name: ${name}`);
  }
}

/** Where to connect, never with a password (the dataset row and the API show it). */
export function databaseUrlFor(config: Config, databaseName: string): string {
  return redactUrl(withDatabase(config, databaseName).databaseUrl);
}

/** Creates (or, after a failed attempt, recreates) the target and applies the full schema. */
export async function createTargetDatabase(config: Config, databaseName: string): Promise<void> {
  assertDatabaseName(databaseName);
  await dropDatabase(config, databaseName);
  const admin = createOwnerDb(withDatabase(config, "postgres"), { max: 1 });
  try {
    await sql`CREATE DATABASE ${sql.id(databaseName)} TEMPLATE template0`.execute(admin.db);
  } finally {
    await admin.db.destroy();
  }
  const target = createOwnerDb(withDatabase(config, databaseName), { max: 1 });
  try {
    await migrateToLatest(target.db, withDatabase(config, databaseName));
  } finally {
    await target.db.destroy();
  }
}

/** After the load: materialized views refreshed, statistics gathered. */
export async function finishTargetDatabase(config: Config, databaseName: string): Promise<void> {
  assertDatabaseName(databaseName);
  const target = createOwnerDb(withDatabase(config, databaseName), { max: 1 });
  try {
    const views = await sql<{ name: string }>`
      SELECT quote_ident(schemaname) || '.' || quote_ident(matviewname) AS name
      FROM pg_matviews WHERE schemaname = 'public'`.execute(target.db);
    for (const v of views.rows) {
      await sql`REFRESH MATERIALIZED VIEW ${sql.raw(v.name)}`.execute(target.db);
    }
    await sql`ANALYZE`.execute(target.db);
  } finally {
    await target.db.destroy();
  }
}

export async function databaseSize(config: Config, databaseName: string): Promise<number> {
  const admin = createOwnerDb(withDatabase(config, "postgres"), { max: 1 });
  try {
    const r = await sql<{ n: string }>`
      SELECT pg_database_size(${databaseName})::text AS n`.execute(admin.db);
    return Number(r.rows[0]?.n ?? 0);
  } finally {
    await admin.db.destroy();
  }
}
