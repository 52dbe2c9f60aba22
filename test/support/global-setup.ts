import { sql } from "kysely";
import { type Config, loadConfig, withDatabase } from "../../schema/config.ts";
import { migrateToLatest } from "../../schema/migrate.ts";
import { createOwnerDb, type Db } from "../../schema/postgres.ts";
import { withSessionLock } from "./session-lock.ts";
import { templateCheckoutTag, templateDatabaseName } from "./template.ts";

/**
 * Migrates one template database per migration set; every test file then clones it
 * (CREATE DATABASE ... TEMPLATE), which takes a fraction of a second instead of a migration run.
 */
export default async function setup(): Promise<void> {
  const config = loadConfig({ ...process.env, NODE_ENV: "test" });
  const admin = createOwnerDb(withDatabase(config, "postgres"), { max: 1 });
  try {
    // Concurrent test runs on one cluster build the template once, one after the other.
    await withSessionLock(config, "govern-test-template", () => buildTemplate(config, admin.db));
  } finally {
    await admin.db.destroy();
  }
}

async function buildTemplate(config: Config, admin: Db): Promise<void> {
  const template = templateDatabaseName();
  const exists = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_database WHERE datname = ${template}`.execute(admin);
  if (exists.rows[0]?.n) {
    return;
  }
  const building = `${template}_building`;
  await sql`DROP DATABASE IF EXISTS ${sql.id(building)} WITH (FORCE)`.execute(admin);
  await sql`CREATE DATABASE ${sql.id(building)}`.execute(admin);
  const target = createOwnerDb(withDatabase(config, building), { max: 1 });
  try {
    await migrateToLatest(target.db, withDatabase(config, building));
  } finally {
    await target.db.destroy();
  }
  // Renamed only once complete, so an interrupted build is never taken for a template.
  await sql`ALTER DATABASE ${sql.id(building)} RENAME TO ${sql.id(template)}`.execute(admin);
  await sql`ALTER DATABASE ${sql.id(template)} WITH IS_TEMPLATE true`.execute(admin);
  // This checkout's older templates and the demo templates cloned from them; never another
  // checkout's (its tests may be cloning them right now).
  const tag = templateCheckoutTag();
  const stale = await sql<{ datname: string }>`
    SELECT datname FROM pg_database
    WHERE (datname LIKE ${`govern\\_template\\_%\\_${tag}`}
        OR datname LIKE ${`govern\\_template\\_%\\_${tag}\\_demo\\_%`})
      AND datname <> ${template} AND datname NOT LIKE ${`${template}\\_demo\\_%`}`.execute(admin);
  for (const { datname } of stale.rows) {
    await sql`ALTER DATABASE ${sql.id(datname)} WITH IS_TEMPLATE false`.execute(admin);
    await sql`DROP DATABASE IF EXISTS ${sql.id(datname)}`.execute(admin).catch(() => {});
  }
}
