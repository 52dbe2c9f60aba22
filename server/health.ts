import type { Redis } from "ioredis";
import { sql } from "kysely";
import type { AnalyticsStore } from "../schema/analytics/analytics-store.ts";
import type { Db } from "../schema/postgres.ts";

export type StoreCheck = { ok: boolean; latencyMs: number; version?: string; error?: string };
export type HealthReport = {
  status: "ok" | "degraded";
  checks: { postgres: StoreCheck; redis: StoreCheck; clickhouse: StoreCheck };
};

const TIMEOUT_MS = 3_000;

async function timed(check: () => Promise<string | undefined>): Promise<StoreCheck> {
  const started = performance.now();
  try {
    const version = await Promise.race([
      check(),
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)),
          TIMEOUT_MS,
        ).unref(),
      ),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started), version };
  } catch (error) {
    return {
      ok: false,
      latencyMs: Math.round(performance.now() - started),
      error: (error as Error).message,
    };
  }
}

/** Asks each store govern depends on for a sign of life, in parallel, each bounded in time. */
export async function checkHealth(deps: {
  db: Db;
  redis: Redis;
  analytics: AnalyticsStore;
}): Promise<HealthReport> {
  const [postgres, redis, clickhouse] = await Promise.all([
    timed(async () => {
      const r = await sql<{ v: string }>`SELECT current_setting('server_version') AS v`.execute(
        deps.db,
      );
      return r.rows[0]?.v;
    }),
    timed(async () => {
      if (["reconnecting", "close", "end"].includes(deps.redis.status)) {
        // Said at once: a command would wait in the offline queue until the timeout. A
        // connection still opening (a CLI's `govern health`) is given the timeout.
        throw new Error(`the connection is ${deps.redis.status}`);
      }
      await deps.redis.ping();
      return (await deps.redis.info("server")).match(/redis_version:(\S+)/)?.[1];
    }),
    timed(async () => {
      const result = await deps.analytics.ping();
      if (!result.ok) {
        throw new Error(result.error);
      }
      return result.version;
    }),
  ]);
  const ok = postgres.ok && redis.ok && clickhouse.ok;
  return { status: ok ? "ok" : "degraded", checks: { postgres, redis, clickhouse } };
}
