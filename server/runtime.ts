import { Redis } from "ioredis";
import { sql } from "kysely";
import type pg from "pg";
import { type AnalyticsStore, createAnalyticsStore } from "../schema/analytics/analytics-store.ts";
import { type Config, databaseName, withDatabase } from "../schema/config.ts";
import { createOwnerDb, type Db } from "../schema/postgres.ts";

export type Runtime = {
  config: Config;
  db: Db;
  pool: pg.Pool;
  redis: Redis;
  analytics: AnalyticsStore;
  close: () => Promise<void>;
};

/** Creates the configured database if it does not exist yet (first `npm start` on a machine). */
export async function ensureDatabase(config: Config): Promise<boolean> {
  const name = databaseName(config.databaseUrl);
  const admin = createOwnerDb(withDatabase(config, "postgres"), { max: 1 });
  try {
    const found = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_database WHERE datname = ${name}`.execute(admin.db);
    if (found.rows[0]?.n) {
      return false;
    }
    await sql`CREATE DATABASE ${sql.id(name)}`.execute(admin.db);
    return true;
  } finally {
    await admin.db.destroy();
  }
}

export function connectRedis(config: Config): Redis {
  // BullMQ needs maxRetriesPerRequest: null on the connections it blocks on.
  return new Redis(config.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
}

/** Opens every store a long-running process (server, worker) uses. */
export async function openRuntime(config: Config): Promise<Runtime> {
  const { db, pool } = createOwnerDb(config, { max: 12 });
  const redis = connectRedis(config);
  redis.on("error", () => {}); // surfaced by health checks; ioredis reconnects by itself
  let analytics: AnalyticsStore;
  try {
    analytics = await createAnalyticsStore(config);
  } catch (error) {
    await db.destroy();
    redis.disconnect();
    throw error;
  }
  return {
    config,
    db,
    pool,
    redis,
    analytics,
    close: async () => {
      await analytics.close();
      await redis.quit().catch(() => redis.disconnect());
      await db.destroy();
    },
  };
}
