import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { ensureDemoPartitions } from "../../masking/demo-platform/index.ts";
import { type Config, loadConfig, withDatabase } from "../../schema/config.ts";
import { createAppDb, createOwnerDb, type Db } from "../../schema/postgres.ts";
import { withSessionLock } from "./session-lock.ts";
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

export type TestDatabaseOptions = {
  /**
   * The `asOf` the file will seed the demo platform with (seedDemoPlatform's default is today,
   * startOfTodayUtc()): the database then comes with the demo partitions of that history already
   * made, cloned from a template built once per migration set and `asOf`. Creating those eight
   * hundred partitions takes about ten seconds, the bulk of seeding a small platform. The seed
   * still runs ensureDemoPartitions and finds them there; the database ends up the same.
   */
  demoPartitionsFor?: Date;
};

/** A fresh, migrated database of its own for one test file; `drop()` removes it. */
export async function createTestDatabase(
  label: string,
  options: TestDatabaseOptions = {},
): Promise<TestDatabase> {
  const base = loadConfig({ ...process.env, NODE_ENV: "test" });
  const name = `govern_t_${label.replace(/[^a-z0-9]/gi, "_").toLowerCase()}_${randomBytes(4).toString("hex")}`;
  const admin = createOwnerDb(withDatabase(base, "postgres"), { max: 1 });
  try {
    const template = options.demoPartitionsFor
      ? await demoTemplate(base, admin.db, options.demoPartitionsFor)
      : templateDatabaseName();
    await sql`CREATE DATABASE ${sql.id(name)} TEMPLATE ${sql.id(template)}`.execute(admin.db);
  } finally {
    await admin.db.destroy();
  }
  // A tablespace is cluster-wide: each test database gets its own warm tier, dropped with it.
  const warm = `govern_warm_${randomBytes(6).toString("hex")}`;
  const config: Config = {
    ...withDatabase(base, name),
    tiering: { ...base.tiering, warmTablespace: warm, warmTablespaceDir: join(tmpdir(), warm) },
  };
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
        // A pool's end() resolves once its clients are told to close, before their sockets
        // are: a forced drop then terminates them mid-close, and a pool with no error listener
        // throws that into the test file as an uncaught exception. Let them finish first (a
        // connection the file really left open is still dropped by FORCE after the wait).
        for (let waited = 0; waited < 5_000; waited += 50) {
          const open = await sql<{ n: number }>`
            SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = ${name}`.execute(
            cleanup.db,
          );
          if (!open.rows[0]?.n) {
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await sql`DROP DATABASE IF EXISTS ${sql.id(name)} WITH (FORCE)`.execute(cleanup.db);
        await sql`DROP TABLESPACE IF EXISTS ${sql.id(warm)}`.execute(cleanup.db);
      } finally {
        await cleanup.db.destroy();
        rmSync(config.tiering.warmTablespaceDir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * The migrated template plus the demo partitions for `asOf`, built on first use under a lock
 * (concurrent test files wait for one build) and renamed into place only once complete.
 * test/support/global-setup.ts drops these with the template they were cloned from.
 */
async function demoTemplate(base: Config, admin: Db, asOf: Date): Promise<string> {
  const name = `${templateDatabaseName()}_demo_${asOf.toISOString().slice(0, 10).replaceAll("-", "")}`;
  return withSessionLock(base, name, async () => {
    const exists = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_database WHERE datname = ${name}`.execute(admin);
    if (exists.rows[0]?.n) {
      return name;
    }
    const building = `${name}_building`;
    await sql`DROP DATABASE IF EXISTS ${sql.id(building)} WITH (FORCE)`.execute(admin);
    await sql`CREATE DATABASE ${sql.id(building)} TEMPLATE ${sql.id(templateDatabaseName())}`.execute(
      admin,
    );
    const target = createOwnerDb(withDatabase(base, building), { max: 1 });
    try {
      await ensureDemoPartitions(target.pool, asOf);
    } finally {
      await target.db.destroy();
    }
    // A closed connection's backend may still be exiting, and autovacuum may have connected: a
    // rename needs the database unused, so what is left is terminated.
    for (let i = 0; i < 50; i++) {
      const open = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = ${building}`.execute(admin);
      if (!open.rows[0]?.n) {
        break;
      }
      if (i >= 10) {
        await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${building}`.execute(
          admin,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await sql`ALTER DATABASE ${sql.id(building)} RENAME TO ${sql.id(name)}`.execute(admin);
    await sql`ALTER DATABASE ${sql.id(name)} WITH IS_TEMPLATE true`.execute(admin);
    return name;
  });
}
