import { sql } from "kysely";
import { type Config, withDatabase } from "../../schema/config.ts";
import { migrateToLatest } from "../../schema/migrate.ts";
import { createOwnerDb } from "../../schema/postgres.ts";

/**
 * The database a synthetic platform is generated into: a new database in the same cluster with
 * the full schema (tables, RLS, indexes, views) applied by our migrations, exactly as `govern
 * migrate` builds the real store. The names are checked before they reach DDL.
 */

const DB_NAME = /^[a-z][a-z0-9_-]{0,62}$/;

export function assertDatabaseName(name: string): void {
  if (!DB_NAME.test(name)) {
    throw new Error(`not a valid database name: ${name}`);
  }
}

/** Where to connect, never with a password (the dataset row and the API show it). */
export function databaseUrlFor(config: Config, databaseName: string): string {
  const url = new URL(withDatabase(config, databaseName).databaseUrl);
  url.password = "";
  return url.toString();
}

/** Creates (or, after a failed attempt, recreates) the target and applies the full schema. */
export async function createMigratedDatabase(config: Config, databaseName: string): Promise<void> {
  assertDatabaseName(databaseName);
  await dropDatabase(config, databaseName);
  const admin = createOwnerDb(withDatabase(config, "postgres"), { max: 1 });
  try {
    await sql`CREATE DATABASE ${sql.id(databaseName)}`.execute(admin.db);
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

export async function dropDatabase(config: Config, databaseName: string): Promise<void> {
  assertDatabaseName(databaseName);
  const admin = createOwnerDb(withDatabase(config, "postgres"), { max: 1 });
  try {
    await sql`DROP DATABASE IF EXISTS ${sql.id(databaseName)} WITH (FORCE)`.execute(admin.db);
  } finally {
    await admin.db.destroy();
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
