import { randomBytes } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { sql } from "kysely";
import { afterAll, beforeAll, expect, test } from "vitest";
import { QUEUE_NAMES } from "../jobs/queues.ts";
import { JOBS } from "../jobs/registry.ts";
import { readSchedule } from "../jobs/schedules.ts";
import { retireTieringQueue } from "../jobs/tiering/retired-queue.ts";
import { up } from "../schema/migrations/2026-12-10-tier-01-job-tier.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

/**
 * The tiering job is `tier` (issue 19): an install upgraded from the `tiering` queue keeps its
 * schedule and run history, and the old queue's scheduler is removed from Redis.
 */

const prefix = `govern-test-tier-rename-${randomBytes(4).toString("hex")}`;
let t: TestDatabase;
let redis: Redis;

beforeAll(async () => {
  t = await createTestDatabase("tier_rename");
  redis = new Redis(t.config.redisUrl, { maxRetriesPerRequest: null });
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) {
    await redis.del(...keys);
  }
  await redis?.quit();
  await t?.drop();
});

test("the job and its queue are named tier, and no queue is named tiering", () => {
  expect(QUEUE_NAMES).toContain("tier");
  expect(QUEUE_NAMES as readonly string[]).not.toContain("tiering");
  expect(JOBS.tier?.queue).toBe("tier");
  expect(JOBS.tier?.defaultCron).toBe("45 2 * * *");
});

test("an upgraded install keeps its tiering schedule and runs under tier", async () => {
  // What an install made before the rename holds: an admin's schedule and a past run.
  await sql`INSERT INTO governance.settings (key, value, updated_by)
    VALUES ('schedule.tiering', '{"cron":"10 4 * * 1","enabled":false}', 'admin@upgrade.test')`.execute(
    t.owner,
  );
  await sql`INSERT INTO governance.job_runs (queue, job_name, status, triggered_by)
    VALUES ('tiering', 'tiering', 'succeeded', 'schedule')`.execute(t.owner);
  await up(t.owner);
  expect(await readSchedule(t.owner, "tier", JOBS.tier?.defaultCron)).toEqual({
    cron: "10 4 * * 1",
    enabled: false,
  });
  const left = await sql<{ key: string }>`
    SELECT key FROM governance.settings WHERE key LIKE 'schedule.tier%'`.execute(t.owner);
  expect(left.rows.map((r) => r.key)).toEqual(["schedule.tier"]);
  const runs = await sql<{ queue: string; job_name: string }>`
    SELECT queue, job_name FROM governance.job_runs WHERE triggered_by = 'schedule'`.execute(
    t.owner,
  );
  expect(runs.rows).toEqual([{ queue: "tier", job_name: "tier" }]);
  // Run again (a schedule saved under tier since): the newer tier row is kept.
  await sql`INSERT INTO governance.settings (key, value) VALUES ('schedule.tiering', '{"cron":"0 0 * * *","enabled":true}')`.execute(
    t.owner,
  );
  await up(t.owner);
  expect((await readSchedule(t.owner, "tier", undefined))?.cron).toBe("10 4 * * 1");
});

test("the retired tiering queue's scheduler is removed from Redis", async () => {
  const old = new Queue("tiering", { connection: redis, prefix });
  await old.upsertJobScheduler("tiering-default", { pattern: "45 2 * * *", tz: "UTC" });
  expect(await old.getJobScheduler("tiering-default")).toBeTruthy();
  expect(await retireTieringQueue(redis, prefix)).toBe(true);
  expect(await old.getJobScheduler("tiering-default")).toBeFalsy();
  expect(await retireTieringQueue(redis, prefix)).toBe(true); // idempotent
  await old.close();
});
