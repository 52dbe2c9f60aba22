import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { sql } from "kysely";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startWorker } from "../jobs/worker.ts";
import { type AnalyticsStore, createAnalyticsStore } from "../schema/analytics/analytics-store.ts";
import type { Config } from "../schema/config.ts";
import { createPool } from "../schema/postgres.ts";
import { silentLogger } from "../server/logger.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

let t: TestDatabase;
let config: Config;
let redis: Redis;
let analytics: AnalyticsStore;
const id = randomBytes(4).toString("hex");
const dataDir = join(import.meta.dirname, `../.data/test-worker-${id}`);

beforeAll(async () => {
  t = await createTestDatabase("worker");
  config = {
    ...t.config,
    queuePrefix: `govern-test-worker-${id}`,
    clickhouse: { ...t.config.clickhouse, dataDir },
  };
  redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  analytics = await createAnalyticsStore(config);
});

afterAll(async () => {
  await analytics?.close();
  const keys = await redis.keys(`${config.queuePrefix}:*`);
  if (keys.length) {
    await redis.del(...keys);
  }
  await redis.quit();
  await t?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

test("runs an enqueued job, records the run with its counts, and reports progress", async () => {
  const pool = createPool(config.databaseUrl, { max: 2 });
  const worker = await startWorker({
    config,
    db: t.owner,
    pool,
    analytics,
    redis,
    logger: silentLogger,
  });
  try {
    const jobId = await worker.enqueue("partitions", { daysAhead: 3 }, "test");
    const queue = worker.queues.get("partitions") as Queue;
    let state = "";
    for (let i = 0; i < 100 && state !== "completed" && state !== "failed"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      state = await queue.getJobState(jobId);
    }
    expect(state).toBe("completed");
    expect((await queue.getJob(jobId))?.progress).toBe(100);
    const runs = await sql<{
      status: string;
      counts: Record<string, number>;
      triggered_by: string;
      duration_ms: number;
    }>`
      SELECT status, counts, triggered_by, duration_ms FROM governance.job_runs WHERE queue = 'partitions'`.execute(
      t.owner,
    );
    expect(runs.rows).toHaveLength(1);
    expect(runs.rows[0]).toMatchObject({ status: "succeeded", triggered_by: "test" });
    expect(runs.rows[0]?.counts.business_events).toBeGreaterThan(0);
  } finally {
    await worker.close();
    await pool.end();
  }
});

test("an invalid payload fails the run with the validation reason", async () => {
  const pool = createPool(config.databaseUrl, { max: 2 });
  const worker = await startWorker({
    config,
    db: t.owner,
    pool,
    analytics,
    redis,
    logger: silentLogger,
  });
  try {
    const queue = worker.queues.get("partitions") as Queue;
    // A malformed payload is not retried: it would fail the same way every time.
    const job = await queue.add("partitions", { daysAhead: "lots", extra: true });
    let state = "";
    for (let i = 0; i < 100 && state !== "failed" && state !== "completed"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      state = await queue.getJobState(job.id ?? "");
    }
    expect(state).toBe("failed");
    expect((await queue.getJob(job.id ?? ""))?.failedReason).toMatch(
      /invalid payload: .*daysAhead/,
    );
    const runs = await sql<{ status: string; error: string }>`
      SELECT status, error FROM governance.job_runs WHERE queue_job_id = ${job.id ?? ""}`.execute(
      t.owner,
    );
    expect(runs.rows).toEqual([
      { status: "failed", error: expect.stringMatching(/extra|daysAhead/) },
    ]);
  } finally {
    await worker.close();
    await pool.end();
  }
});

test("restarting the worker never duplicates a schedule", async () => {
  for (let i = 0; i < 2; i++) {
    const pool = createPool(config.databaseUrl, { max: 2 });
    const worker = await startWorker({
      config,
      db: t.owner,
      pool,
      analytics,
      redis,
      logger: silentLogger,
    });
    await worker.close();
    await pool.end();
  }
  const queue = new Queue("etl", { connection: redis, prefix: config.queuePrefix });
  expect(await queue.getJobSchedulersCount()).toBe(1);
  await queue.close();
});
