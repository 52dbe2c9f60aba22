import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { sql } from "kysely";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type RunningWorker, startWorker } from "../jobs/worker.ts";
import { type AnalyticsStore, createAnalyticsStore } from "../schema/analytics/analytics-store.ts";
import type { Config } from "../schema/config.ts";
import { silentLogger } from "../schema/logger.ts";
import { createPool } from "../schema/postgres.ts";
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

/** Runs `fn` against a started worker, always closing it and its pool afterwards. */
async function withWorker(fn: (worker: RunningWorker) => Promise<void>): Promise<void> {
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
    await fn(worker);
  } finally {
    await worker.close();
    await pool.end();
  }
}

/** Polls a job until it completes or fails (10 s at most) and returns its last state. */
async function settled(queue: Queue, jobId: string): Promise<string> {
  let state = "";
  for (let i = 0; i < 100 && state !== "completed" && state !== "failed"; i++) {
    await new Promise((r) => setTimeout(r, 100));
    state = await queue.getJobState(jobId);
  }
  return state;
}

test("runs an enqueued job, records the run with its counts, and reports progress", async () => {
  await withWorker(async (worker) => {
    const jobId = await worker.enqueue("partitions", { daysAhead: 3 }, "test");
    const queue = worker.queues.get("partitions") as Queue;
    expect(await settled(queue, jobId)).toBe("completed");
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
  });
});

test("an invalid payload fails the run with the validation reason", async () => {
  await withWorker(async (worker) => {
    const queue = worker.queues.get("partitions") as Queue;
    // A malformed payload is not retried: it would fail the same way every time.
    const job = await queue.add("partitions", { daysAhead: "lots", extra: true });
    expect(await settled(queue, job.id ?? "")).toBe("failed");
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
  });
});

test("restarting the worker never duplicates a schedule", async () => {
  for (let i = 0; i < 2; i++) {
    await withWorker(async () => {});
  }
  const queue = new Queue("etl", { connection: redis, prefix: config.queuePrefix });
  expect(await queue.getJobSchedulersCount()).toBe(1);
  await queue.close();
});
