import { sql } from "kysely";
import { type Config, withDatabase } from "../../schema/config.ts";
import { migrateToLatest } from "../../schema/migrate.ts";
import { createOwnerDb, type Db } from "../../schema/postgres.ts";
import {
  type CreatedDatasetDatabase,
  createDatasetDatabase,
} from "../provision/dataset-database.ts";

/**
 * The database a synthetic platform is generated into: a new database in the same cluster with
 * the full platform schema (tables, RLS, indexes, views, triggers) applied by our migrations,
 * exactly as `govern migrate` builds the real store. Not `pg_dump --section=pre-data` like a
 * masked clone: that copies every time partition of the source (1,674 relations for the demo,
 * 70 s of DDL under load) which a synthetic platform has no rows for. Nothing but the schema's
 * definition is used; the real store is never read here. The database, its own login role and
 * govern's ownership marker are made as for a masked clone (provision/dataset-database.ts).
 */

const DB_NAME = /^[a-z][a-z0-9_]{0,62}$/;

function assertDatabaseName(name: string): void {
  if (!DB_NAME.test(name)) {
    throw new Error(`not a valid database name: ${name}`);
  }
}

/**
 * Creates the target (refused when a database or role of that name exists: leftovers of an
 * earlier attempt are dropped by the caller first, ownership checked) and applies the schema.
 */
export async function createTargetDatabase(
  deps: { db: Db; config: Config },
  dataset: { id: string },
  databaseName: string,
): Promise<CreatedDatasetDatabase> {
  assertDatabaseName(databaseName);
  const created = await createDatasetDatabase(deps, dataset, databaseName, null);
  const target = createOwnerDb(withDatabase(deps.config, databaseName), { max: 1 });
  // A cancellation may end this session: its error reaches the migration, not the process.
  target.pool.on("error", () => {});
  target.pool.on("connect", (client) => client.on("error", () => {}));
  try {
    await migrateToLatest(target.db, withDatabase(deps.config, databaseName));
  } finally {
    await target.db.destroy();
  }
  return created;
}

/** After the load: materialized views refreshed, statistics gathered. */
export async function finishTargetDatabase(config: Config, databaseName: string): Promise<void> {
  assertDatabaseName(databaseName);
  const target = createOwnerDb(withDatabase(config, databaseName), { max: 1 });
  target.pool.on("error", () => {});
  target.pool.on("connect", (client) => client.on("error", () => {}));
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
