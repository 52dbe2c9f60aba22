import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { saveTieringPolicy } from "../../jobs/tiering/policies.ts";
import { startOfTodayUtc } from "../../masking/demo-platform/clock.ts";
import { seedDemoPlatform } from "../../masking/demo-platform/index.ts";
import {
  type AnalyticsStore,
  createAnalyticsStore,
  migrateAnalytics,
} from "../../schema/analytics/analytics-store.ts";
import type { Config } from "../../schema/config.ts";
import type { Db } from "../../schema/postgres.ts";
import { createTestDatabase, type TestDatabase } from "./database.ts";

/**
 * A seeded demo platform (two tenants) whose tables can be tiered: its own database, an embedded
 * ClickHouse (the cold tier) in a data folder of its own, an archive folder, and a tiering policy
 * saved for each table given. `close` removes all of them.
 */
export type TieredPlatform = {
  database: TestDatabase;
  config: Config;
  pool: pg.Pool;
  store: AnalyticsStore;
  tenantIds: string[];
  archiveDir: string;
  close: () => Promise<void>;
};

export async function openTieredPlatform(options: {
  /** Names the test database, the ClickHouse database and the folders. */
  name: string;
  customersPerTenant: number;
  seed: number;
  tables: string[];
  policy: (table: string) => string;
  actor: string;
}): Promise<TieredPlatform> {
  const id = randomBytes(4).toString("hex");
  const dataDir = resolve(".data/test-clickhouse", `${options.name}-${id}`);
  const archiveDir = join(tmpdir(), `govern-${options.name}-${id}`);
  const name = options.name.replaceAll("-", "_");
  const database = await createTestDatabase(name, { demoPartitionsFor: startOfTodayUtc() });
  const config: Config = {
    ...database.config,
    archiveDir,
    clickhouse: { ...database.config.clickhouse, database: `govern_${name}`, dataDir },
  };
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 6 });
  const seeded = await seedDemoPlatform(pool, {
    tenants: 2,
    customersPerTenant: options.customersPerTenant,
    seed: options.seed,
  });
  const store = await createAnalyticsStore(config);
  await migrateAnalytics(store);
  for (const table of options.tables) {
    await saveTieringPolicy(database.owner, {
      table,
      body: options.policy(table),
      actor: options.actor,
    });
  }
  return {
    database,
    config,
    pool,
    store,
    tenantIds: seeded.tenantIds,
    archiveDir,
    close: async () => {
      await store.close();
      await pool.end();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(archiveDir, { recursive: true, force: true });
    },
  };
}

/** Call interactions of a customer, one per age in days. */
export async function insertInteractions(
  db: Db,
  tenantId: string,
  customerId: string,
  ages: number[],
): Promise<void> {
  for (const days of ages) {
    await sql`INSERT INTO customer_interactions (tenant_id, customer_id, interaction_type, created_at)
      VALUES (${tenantId}, ${customerId}, 'call', now() - make_interval(days => ${days}))`.execute(
      db,
    );
  }
}
