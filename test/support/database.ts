import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { type Config, loadConfig, withDatabase } from "../../schema/config.ts";
import { createAppDb, createOwnerDb, type Db } from "../../schema/postgres.ts";
import { templateDatabaseName } from "./template.ts";

export type TestDatabase = {
  name: string;
  config: Config;
  /** Owner connection (migrations, fixtures, governance). */
  owner: Db;
  /** govern_app login: a member of application_role, subject to RLS. */
  app: Db;
  drop: () => Promise<void>;
};

/** A fresh, migrated database of its own for one test file; `drop()` removes it. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const base = loadConfig({ ...process.env, NODE_ENV: "test" });
  const name = `govern_t_${label.replace(/[^a-z0-9]/gi, "_").toLowerCase()}_${randomBytes(4).toString("hex")}`;
  const admin = createOwnerDb(withDatabase(base, "postgres"), { max: 1 });
  try {
    await sql`CREATE DATABASE ${sql.id(name)} TEMPLATE ${sql.id(templateDatabaseName())}`.execute(
      admin.db,
    );
  } finally {
    await admin.db.destroy();
  }
  const config = withDatabase(base, name);
  const owner = createOwnerDb(config).db;
  const app = createAppDb(config).db;
  return {
    name,
    config,
    owner,
    app,
    drop: async () => {
      await owner.destroy();
      await app.destroy();
      const cleanup = createOwnerDb(withDatabase(base, "postgres"), { max: 1 });
      try {
        await sql`DROP DATABASE IF EXISTS ${sql.id(name)} WITH (FORCE)`.execute(cleanup.db);
      } finally {
        await cleanup.db.destroy();
      }
    },
  };
}
