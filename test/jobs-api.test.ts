import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createJobQueues, type JobQueues, QUEUE_NAMES } from "../jobs/queues.ts";
import { JOBS } from "../jobs/registry.ts";
import { schedulerId } from "../jobs/schedules.ts";
import { startWorker } from "../jobs/worker.ts";
import { type AnalyticsStore, createAnalyticsStore } from "../schema/analytics/analytics-store.ts";
import type { Config } from "../schema/config.ts";
import type { Role } from "../schema/domain/permissions.ts";
import { insertUser } from "../schema/governance/console-users.repository.ts";
import { silentLogger } from "../schema/logger.ts";
import { createPool } from "../schema/postgres.ts";
import { newApp } from "../server/app.ts";
import { createApiToken } from "../server/auth/principal.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

/**
 * The jobs API against real Redis and Postgres. The app runs without a worker in its process
 * (like `govern serve`): it reads and feeds the queues through BullMQ with the same prefix.
 */

const id = randomBytes(4).toString("hex");
const dataDir = join(import.meta.dirname, `../.data/test-jobs-api-${id}`);
let t: TestDatabase;
let config: Config;
let redis: Redis;
let analytics: AnalyticsStore;
let queues: JobQueues;
let app: ReturnType<typeof newApp>;
const tokens = {} as Record<Role, string>;

async function call(path: string, role?: Role, init: { method?: string; body?: unknown } = {}) {
  const headers = new Headers();
  if (role) {
    headers.set("authorization", `Bearer ${tokens[role]}`);
  }
  if (init.body !== undefined) {
    headers.set("content-type", "application/json");
  }
  return app.request(path, {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

/** A worker running only the partitions job (no ETL schedule firing mid-test). */
async function runWorker() {
  const pool = createPool(config.databaseUrl, { max: 2 });
  const worker = await startWorker(
    { config, db: t.owner, pool, analytics, redis, logger: silentLogger },
    { jobs: { partitions: JOBS.partitions } },
  );
  return {
    worker,
    stop: async () => {
      await worker.close();
      await pool.end();
    },
  };
}

type Run = Record<string, unknown> & { status: string; queueJobId: string };

beforeAll(async () => {
  t = await createTestDatabase("jobsapi");
  config = {
    ...t.config,
    queuePrefix: `govern-test-jobs-api-${id}`,
    clickhouse: { ...t.config.clickhouse, dataDir },
  };
  redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  analytics = await createAnalyticsStore(config);
  queues = createJobQueues({ config, db: t.owner, redis });
  app = newApp({ config, db: t.owner, redis, analytics, logger: silentLogger });
  for (const role of ["steward", "compliance_officer", "engineer", "admin"] as const) {
    const user = await insertUser(t.owner, {
      email: `${role}@jobs.test`,
      displayName: role,
      role,
      passwordHash: "unused",
    });
    tokens[role] = (await createApiToken(t.owner, user.id, "test")).token;
  }
});

afterAll(async () => {
  await queues?.close();
  await analytics?.close();
  const keys = await redis.keys(`${config.queuePrefix}:*`);
  if (keys.length) {
    await redis.del(...keys);
  }
  await redis?.quit();
  await t?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("GET /api/v1/jobs", () => {
  test("lists every queue with whether it has a job, its schedule, the real scheduler and its counts", async () => {
    const response = await call("/api/v1/jobs", "steward");
    expect(response.status).toBe(200);
    const body = (await response.json()) as { queues: Record<string, unknown>[] };
    expect(body.queues.map((q) => q.queue)).toEqual([...QUEUE_NAMES]);
    expect(body.queues.find((q) => q.queue === "partitions")).toEqual({
      queue: "partitions",
      defined: true,
      // The run form's fields, read from the job's zod payload.
      payload: [
        {
          name: "daysAhead",
          kind: "integer",
          options: null,
          minimum: 1,
          maximum: 366,
          maxItems: null,
          required: false,
          description: null,
        },
      ],
      schedule: { cron: "15 * * * *", enabled: true },
      // No worker has applied it yet: configured, but not in the queue.
      scheduler: { state: "missing", pattern: null, nextRunAt: null },
      counts: { waiting: 0, active: 0, completed: 0, failed: 0, delayed: 0 },
    });
    // Lineage runs twenty minutes after the hourly catalog scan.
    expect(body.queues.find((q) => q.queue === "lineage")).toMatchObject({
      defined: true,
      schedule: { cron: "20 * * * *", enabled: true },
    });
    // A queue without an engine yet (if any is left) is listed, undefined and unscheduled.
    const undefinedQueue = QUEUE_NAMES.find((q) => !JOBS[q]);
    if (undefinedQueue) {
      expect(body.queues.find((q) => q.queue === undefinedQueue)).toMatchObject({
        defined: false,
        schedule: null,
      });
    }
  });

  test("needs a session or token", async () => {
    expect((await call("/api/v1/jobs")).status).toBe(401);
    expect((await call("/api/v1/jobs/runs")).status).toBe(401);
  });
});

describe("running and cancelling jobs", () => {
  test("an admin triggers a job; its run succeeds with progress 100, counts and an audit event", async () => {
    const { stop } = await runWorker();
    try {
      const response = await call("/api/v1/jobs/partitions/run", "admin", {
        method: "POST",
        body: { payload: { daysAhead: 3 } },
      });
      expect(response.status).toBe(202);
      const { jobId } = (await response.json()) as { jobId: string };
      let run: Run | undefined;
      for (let i = 0; i < 100 && run?.status !== "succeeded"; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const page = (await (
          await call("/api/v1/jobs/runs?queue=partitions", "engineer")
        ).json()) as { items: Run[] };
        run = page.items.find((r) => r.queueJobId === jobId);
      }
      expect(run).toMatchObject({
        queue: "partitions",
        jobName: "partitions",
        status: "succeeded",
        progress: 100,
        attempt: 1,
        triggeredBy: "admin@jobs.test",
        error: null,
        durationMs: expect.any(Number),
        startedAt: expect.any(String),
        finishedAt: expect.any(String),
      });
      expect((run?.counts as Record<string, number> | undefined)?.business_events).toBeGreaterThan(
        0,
      );
      const audit = await t.owner
        .selectFrom("governance.audit_events")
        .select(["actor", "action", "target", "summary"])
        .where("action", "in", ["job.partitions.succeeded", "job.partitions.run"])
        .orderBy("id")
        .execute();
      expect(audit.map((a) => [a.actor, a.action])).toEqual([
        ["admin@jobs.test", "job.partitions.run"],
        ["worker", "job.partitions.succeeded"],
      ]);
      expect(audit[1]?.summary).toMatchObject({ durationMs: expect.any(Number) });
      // A finished job cannot be cancelled.
      const cancel = await call("/api/v1/jobs/partitions/cancel", "admin", {
        method: "POST",
        body: { jobId },
      });
      expect(cancel.status).toBe(409);
      expect(await cancel.json()).toMatchObject({ error: { code: "conflict" } });
    } finally {
      await stop();
    }
  });

  test("cancels a waiting job: it leaves the queue and its run is recorded as cancelled", async () => {
    // No worker runs now, so the job waits.
    const response = await call("/api/v1/jobs/etl/run", "admin", { method: "POST" });
    expect(response.status).toBe(202);
    const { jobId } = (await response.json()) as { jobId: string };
    const waiting = (await (await call("/api/v1/jobs/runs?status=queued", "admin")).json()) as {
      items: Run[];
    };
    expect(waiting.items.map((r) => r.queueJobId)).toContain(jobId);
    expect(waiting.items.find((r) => r.queueJobId === jobId)?.progress).toBe(0);
    const cancel = await call("/api/v1/jobs/etl/cancel", "admin", {
      method: "POST",
      body: { jobId },
    });
    expect(cancel.status).toBe(200);
    expect(await queues.get("etl").getJob(jobId)).toBeUndefined();
    const runs = (await (await call("/api/v1/jobs/runs?queue=etl", "admin")).json()) as {
      items: Run[];
    };
    expect(runs.items.find((r) => r.queueJobId === jobId)?.status).toBe("cancelled");
    const again = await call("/api/v1/jobs/etl/cancel", "admin", {
      method: "POST",
      body: { jobId },
    });
    expect(again.status).toBe(404);
  });

  test("rejects an invalid payload (400) and enqueues nothing", async () => {
    const before = await queues.counts("partitions");
    for (const payload of [
      { daysAhead: "lots" },
      { daysAhead: 3, extra: true },
      { daysAhead: 0 },
    ]) {
      const response = await call("/api/v1/jobs/partitions/run", "admin", {
        method: "POST",
        body: { payload },
      });
      expect(response.status, JSON.stringify(payload)).toBe(400);
      expect(await response.json()).toMatchObject({
        error: { code: "invalid_request", details: [{ path: expect.stringMatching(/^payload/) }] },
      });
    }
    expect(await queues.counts("partitions")).toEqual(before);
    const unknownField = await call("/api/v1/jobs/partitions/run", "admin", {
      method: "POST",
      body: { payload: {}, priority: 1 },
    });
    expect(unknownField.status).toBe(400);
  });

  test("an unknown queue, or one without a handler, is a 400", async () => {
    const withoutHandler = QUEUE_NAMES.filter((q) => !JOBS[q]);
    for (const queue of ["nope", ...withoutHandler, "PARTITIONS"]) {
      const run = await call(`/api/v1/jobs/${queue}/run`, "admin", { method: "POST", body: {} });
      expect(run.status, queue).toBe(400);
      expect(await run.json()).toMatchObject({ error: { code: "invalid_request" } });
      const schedule = await call(`/api/v1/jobs/${queue}/schedule`, "admin", {
        method: "PUT",
        body: { cron: "0 * * * *", enabled: true },
      });
      expect(schedule.status, queue).toBe(400);
    }
  });

  test("only admins run, cancel and schedule jobs", async () => {
    for (const role of ["steward", "engineer", "compliance_officer"] as const) {
      const run = await call("/api/v1/jobs/partitions/run", role, { method: "POST", body: {} });
      expect(run.status, role).toBe(403);
      const cancel = await call("/api/v1/jobs/partitions/cancel", role, {
        method: "POST",
        body: { jobId: "x" },
      });
      expect(cancel.status, role).toBe(403);
      const schedule = await call("/api/v1/jobs/partitions/schedule", role, {
        method: "PUT",
        body: { cron: "0 * * * *", enabled: true },
      });
      expect(schedule.status, role).toBe(403);
    }
    expect(
      (await call("/api/v1/jobs/partitions/run", undefined, { method: "POST", body: {} })).status,
    ).toBe(401);
  });

  test("lists runs paged and filtered, rejecting bad filters", async () => {
    const page = (await (
      await call("/api/v1/jobs/runs?pageSize=1&sort=asc", "steward")
    ).json()) as {
      items: Run[];
      total: number;
    };
    expect(page.items).toHaveLength(1);
    expect(page.total).toBeGreaterThanOrEqual(2);
    for (const query of ["pageSize=500", "status=exploded", "queue=nope", "x=1"]) {
      expect((await call(`/api/v1/jobs/runs?${query}`, "admin")).status, query).toBe(400);
    }
  });
});

describe("PUT /api/v1/jobs/{queue}/schedule", () => {
  const scheduler = () => queues.get("partitions").getJobScheduler(schedulerId("partitions"));

  test("stores the cron in settings and BullMQ; restarted workers keep it, never duplicated", async () => {
    const response = await call("/api/v1/jobs/partitions/schedule", "admin", {
      method: "PUT",
      body: { cron: "0 3 * * *", enabled: true },
    });
    expect(response.status).toBe(200);
    const setting = await t.owner
      .selectFrom("governance.settings")
      .select(["value", "updated_by"])
      .where("key", "=", "schedule.partitions")
      .executeTakeFirstOrThrow();
    expect(setting).toEqual({
      value: { cron: "0 3 * * *", enabled: true },
      updated_by: "admin@jobs.test",
    });
    expect((await scheduler())?.pattern).toBe("0 3 * * *");
    for (let i = 0; i < 2; i++) {
      const { stop } = await runWorker();
      await stop();
    }
    expect(await queues.get("partitions").getJobSchedulersCount()).toBe(1);
    expect((await scheduler())?.pattern).toBe("0 3 * * *");
    const listed = (await (await call("/api/v1/jobs", "admin")).json()) as {
      queues: { queue: string; schedule: unknown; scheduler: Record<string, unknown> }[];
    };
    const partitions = listed.queues.find((q) => q.queue === "partitions");
    expect(partitions?.schedule).toEqual({ cron: "0 3 * * *", enabled: true });
    expect(partitions?.scheduler).toMatchObject({ state: "scheduled", pattern: "0 3 * * *" });
  });

  test("disabling removes the scheduler, and a restarted worker does not bring it back", async () => {
    const response = await call("/api/v1/jobs/partitions/schedule", "admin", {
      method: "PUT",
      body: { cron: "0 3 * * *", enabled: false },
    });
    expect(response.status).toBe(200);
    expect(await queues.get("partitions").getJobSchedulersCount()).toBe(0);
    const { stop } = await runWorker();
    await stop();
    expect(await queues.get("partitions").getJobSchedulersCount()).toBe(0);
  });

  test("rejects invalid cron expressions and unknown fields with 400", async () => {
    for (const body of [
      { cron: "* * *", enabled: true },
      { cron: "61 * * * *", enabled: true },
      { cron: "*/5 * * * * *", enabled: true },
      { cron: "not a cron at all", enabled: true },
      { cron: "0 3 * * *", enabled: "yes" },
      { cron: "0 3 * * *", enabled: true, tz: "Europe/Paris" },
    ]) {
      const response = await call("/api/v1/jobs/partitions/schedule", "admin", {
        method: "PUT",
        body,
      });
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
  });
});
