/**
 * `npm run bench -- request-detail [tenants] [customersPerTenant] [calls]` (default the demo:
 * 4 tenants x 1,500 customers, 100 calls).
 *
 * The retention request detail endpoint (GET /api/v1/retention/requests/{id}) on the demo
 * platform, planned by every policy as of today: the console opens it on every pushed change
 * while a request executes, so its latency is what a person waits for. Measures, in the same
 * run, each request's first (cold) answer, which computes the masked samples and the rows-by-age
 * histogram over the frozen key set, and then `calls` answers spread over the requests (warm:
 * samples and ages are computed once per key set), p50 and p95, through the real app with a
 * compliance officer's token. The last line is the ratio of the cold p95 over the warm p95.
 */

import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { sql } from "kysely";
import { planRetention } from "../jobs/retention/planner.ts";
import { seedDemoPlatform } from "../masking/demo-platform/index.ts";
import { createAnalyticsStore } from "../schema/analytics/analytics-store.ts";
import { loadConfig, withDatabase } from "../schema/config.ts";
import { insertUser } from "../schema/governance/console-users.repository.ts";
import { silentLogger } from "../schema/logger.ts";
import { migrateToLatest } from "../schema/migrate.ts";
import { createOwnerDb } from "../schema/postgres.ts";
import { newApp } from "../server/app.ts";
import { hashPassword } from "../server/auth/passwords.ts";
import { createApiToken } from "../server/auth/principal.ts";

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
};

export async function main(args: string[]): Promise<void> {
  const tenants = Number(args[0] ?? 4);
  const customers = Number(args[1] ?? 1_500);
  const calls = Number(args[2] ?? 100);
  if (![tenants, customers, calls].every((n) => Number.isInteger(n) && n > 0)) {
    console.error("usage: npm run bench -- request-detail [tenants] [customersPerTenant] [calls]");
    process.exit(2);
  }
  const base = loadConfig();
  const id = randomBytes(3).toString("hex");
  const name = `govern_bench_detail_${id}`;
  const dataDir = mkdtempSync(join(tmpdir(), "govern-bench-detail-"));
  const config = {
    ...withDatabase(base, name),
    queuePrefix: `govern-bench-detail-${id}`,
    clickhouse: { ...base.clickhouse, url: undefined, dataDir },
  };
  const admin = createOwnerDb(withDatabase(base, "postgres"), { max: 1 });
  await sql`CREATE DATABASE ${sql.id(name)}`.execute(admin.db);
  const { db, pool } = createOwnerDb(config, { max: 6 });
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  const analytics = await createAnalyticsStore(config);
  try {
    await migrateToLatest(db, config);
    const t0 = performance.now();
    await seedDemoPlatform(pool, { tenants, customersPerTenant: customers, seed: 1 });
    console.log(
      `request-detail: demo of ${tenants} x ${customers} customers seeded in ${Math.round(performance.now() - t0)} ms`,
    );
    const t1 = performance.now();
    const planned = await planRetention(db, { requestedBy: "planner@bench.test" });
    const ids = planned.map((p) => p.request.id);
    console.log(
      `request-detail: ${ids.length} requests planned (${planned.reduce((n, p) => n + p.request.totalRows, 0).toLocaleString("en-US")} rows) in ${Math.round(performance.now() - t1)} ms`,
    );
    if (ids.length === 0) {
      throw new Error("the planner found nothing to plan on this demo");
    }
    const user = await insertUser(db, {
      email: "officer@bench.test",
      displayName: "Bench officer",
      role: "compliance_officer",
      passwordHash: await hashPassword("bench officer password"),
    });
    const { token } = await createApiToken(db, user.id, "bench");
    const app = newApp({ config, db, redis, analytics, logger: silentLogger });
    const get = async (requestId: string) => {
      const started = performance.now();
      const response = await app.request(`/api/v1/retention/requests/${requestId.slice(0, 8)}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      await response.arrayBuffer();
      if (response.status !== 200) {
        throw new Error(`GET ${requestId}: ${response.status}`);
      }
      return performance.now() - started;
    };
    const cold: number[] = [];
    for (const requestId of ids) {
      cold.push(await get(requestId));
    }
    const warm: number[] = [];
    const t2 = performance.now();
    for (let i = 0; i < calls; i++) {
      warm.push(await get(ids[i % ids.length] as string));
    }
    const seconds = (performance.now() - t2) / 1000;
    const fmt = (n: number) => n.toFixed(1);
    console.log(
      `request-detail: first answer per request (cold) p50 ${fmt(percentile(cold, 50))} ms, p95 ${fmt(percentile(cold, 95))} ms, max ${fmt(Math.max(...cold))} ms over ${cold.length}`,
    );
    console.log(
      `request-detail: ${calls} answers (warm) p50 ${fmt(percentile(warm, 50))} ms, p95 ${fmt(percentile(warm, 95))} ms, max ${fmt(Math.max(...warm))} ms`,
    );
    console.log(
      `request-detail: ratio ${(percentile(cold, 95) / percentile(warm, 95)).toFixed(2)} (cold p95 over warm p95), ${Math.round(calls / seconds)} requests/s`,
    );
  } finally {
    await analytics.close();
    const keys = await redis.keys(`${config.queuePrefix}:*`);
    if (keys.length) {
      await redis.del(...keys);
    }
    await redis.quit();
    await db.destroy();
    await sql`DROP DATABASE IF EXISTS ${sql.id(name)} WITH (FORCE)`.execute(admin.db);
    await admin.db.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
