import { sql } from "kysely";
import { loadConfig, withDatabase } from "../../schema/config.ts";
import { migrateToLatest } from "../../schema/migrate.ts";
import { createOwnerDb } from "../../schema/postgres.ts";
import { templateDatabaseName } from "./template.ts";

/**
 * Migrates one template database per migration set; every test file then clones it
 * (CREATE DATABASE ... TEMPLATE), which takes a fraction of a second instead of a migration run.
 */
export default async function setup(): Promise<void> {
  const config = loadConfig({ ...process.env, NODE_ENV: "test" });
  const template = templateDatabaseName();
  const admin = createOwnerDb(withDatabase(config, "postgres"), { max: 1 });
  try {
    // Concurrent test runs on one cluster build the template once, one after the other.
    await sql`SELECT pg_advisory_lock(hashtext('govern-test-template'))`.execute(admin.db);
    const exists = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_database WHERE datname = ${template}`.execute(admin.db);
    if (exists.rows[0]?.n) {
      return;
    }
    const building = `${template}_building`;
    await sql`DROP DATABASE IF EXISTS ${sql.id(building)} WITH (FORCE)`.execute(admin.db);
    await sql`CREATE DATABASE ${sql.id(building)}`.execute(admin.db);
    const target = createOwnerDb(withDatabase(config, building), { max: 1 });
    try {
      await migrateToLatest(target.db, withDatabase(config, building));
    } finally {
      await target.db.destroy();
    }
    // Renamed only once complete, so an interrupted build is never taken for a template.
    await sql`ALTER DATABASE ${sql.id(building)} RENAME TO ${sql.id(template)}`.execute(admin.db);
    await sql`ALTER DATABASE ${sql.id(template)} WITH IS_TEMPLATE true`.execute(admin.db);
    const stale = await sql<{ datname: string }>`
      SELECT datname FROM pg_database
      WHERE datname LIKE 'govern\_template\_%' AND datname <> ${template}`.execute(admin.db);
    for (const { datname } of stale.rows) {
      await sql`ALTER DATABASE ${sql.id(datname)} WITH IS_TEMPLATE false`.execute(admin.db);
      await sql`DROP DATABASE IF EXISTS ${sql.id(datname)}`.execute(admin.db).catch(() => {});
    }
  } finally {
    await admin.db.destroy();
  }
}
