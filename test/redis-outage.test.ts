import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { Redis } from "ioredis";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { defineJob } from "../jobs/job-definition.ts";
import { runPartitionsJob } from "../jobs/partitions/partitions.handler.ts";
import { createJobQueues, QUEUE_TIMEOUT_MS } from "../jobs/queues.ts";
import { JOBS, ZPartitionsPayload } from "../jobs/registry.ts";
import { saveSchedule } from "../jobs/schedules.ts";
import { type RunningWorker, startWorker } from "../jobs/worker.ts";
import { createDataset, getDataset, updateDataset } from "../masking/datasets.repository.ts";
import { dropDataset } from "../masking/provision/lifecycle.ts";
import { type AnalyticsStore, createAnalyticsStore } from "../schema/analytics/analytics-store.ts";
import type { Config } from "../schema/config.ts";
import { insertUser } from "../schema/governance/console-users.repository.ts";
import { silentLogger } from "../schema/logger.ts";
import { createPool } from "../schema/postgres.ts";
import { newApp } from "../server/app.ts";
import { createApiToken } from "../server/auth/principal.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

/**
 * An outage loses nothing. A Redis of this file's own (its own port, no persistence: a restart
 * comes back empty) is frozen, killed and restarted under a running govern (API and worker in
 * one process, like `npm start`), and under a worker process killed mid-run. Checked from the
 * outside: HTTP answers and their timing, the job_runs and job_ledger tables, the partitions
 * that exist, and what BullMQ holds.
 */

const ROOT = join(import.meta.dirname, "..");
const id = randomBytes(4).toString("hex");
const prefix = `govern-test-outage-${id}`;
const dataDirs: string[] = [];
const children: ChildProcess[] = [];
let port: number;
let redisServer: ChildProcess | undefined;
let t: TestDatabase;
let config: Config;
let redis: Redis;
let analytics: AnalyticsStore;
let pool: ReturnType<typeof createPool>;
let worker: RunningWorker | undefined;
let app: ReturnType<typeof newApp>;
let adminToken: string;
/** Delay before each partition: makes a run last long enough to pull Redis from under it. */
let slowMs = 0;

const slowPartitions = defineJob({
  queue: "partitions",
  payload: ZPartitionsPayload,
  run: async ({ db, runId, progress }, payload) =>
    runPartitionsJob(db, {
      runId,
      window: { daysBack: 1, daysAhead: payload.daysAhead ?? 35 },
      progress,
      beforeEach: () => new Promise((resolve) => setTimeout(resolve, slowMs)),
    }),
  defaultCron: "15 * * * *",
  lost: { resume: () => true },
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** A Redis without persistence on this file's port: every start is an empty Redis. */
function startRedis(): Promise<void> {
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  redisServer = child;
  let output = "";
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (chunk) => {
      output += chunk;
      if (output.includes("Ready to accept connections")) {
        resolve();
      }
    });
    child.once("exit", (code) => reject(new Error(`redis-server exited (${code}):\n${output}`)));
  });
}

async function killRedis(): Promise<void> {
  const child = redisServer;
  if (!child || child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
  redisServer = undefined;
}

function startWorkerProcess(): Promise<ChildProcess> {
  const dataDir = join(ROOT, `.data/test-outage-${id}-${dataDirs.length}`);
  dataDirs.push(dataDir);
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(ROOT, "test/support/slow-partitions-worker.ts")],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: config.databaseUrl,
        REDIS_URL: config.redisUrl,
        QUEUE_PREFIX: prefix,
        CLICKHOUSE_DATA_DIR: dataDir,
        SLOW_MS: "150",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  children.push(child);
  let output = "";
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (chunk) => {
      output += chunk;
      if (output.includes("worker ready")) {
        resolve(child);
      }
    });
    child.stderr?.on("data", (chunk) => {
      output += chunk;
    });
    child.once("exit", (code) => reject(new Error(`worker exited (${code}):\n${output}`)));
  });
}

/** The in-process worker (partitions, slowed; masking for the dataset's cleanup) and the app. */
async function startGovern(): Promise<void> {
  worker = await startWorker(
    { config, db: t.owner, pool, analytics, redis, logger: silentLogger },
    {
      jobs: { partitions: slowPartitions, masking: JOBS.masking },
      lockDuration: 2_000,
      stalledInterval: 1_000,
      checkInterval: 1_000,
      queuedGraceMs: 1_000,
    },
  );
  app = newApp({
    config,
    db: t.owner,
    redis,
    analytics,
    logger: silentLogger,
    enqueue: worker.enqueue,
    jobs: worker.queues,
  });
}

async function until<T>(probe: () => Promise<T | undefined>, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) {
      return value;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** An API call as a console admin; returns the status, the body and how long it took. */
async function call(path: string, init: { method?: string; body?: unknown } = {}) {
  const started = performance.now();
  const response = await app.request(path, {
    method: init.method ?? "GET",
    headers: {
      authorization: `Bearer ${adminToken}`,
      ...(init.body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const body = (await response.json()) as Record<string, unknown> & {
    error?: { code: string; message: string };
  };
  return { status: response.status, body, ms: performance.now() - started };
}

const runs = () =>
  t.owner
    .selectFrom("governance.job_runs")
    .select(["id", "queue", "queue_job_id", "status", "error", "started_at", "triggered_by"])
    .where("queue", "=", "partitions")
    .orderBy("queued_at")
    .execute();

const ledgerKeys = async () =>
  (
    await t.owner
      .selectFrom("governance.job_ledger")
      .select("ledger_key")
      .where("queue", "=", "partitions")
      .execute()
  ).map((r) => r.ledger_key);

/** Each ledgered effect once: no key twice, and one existing partition per key. */
async function expectEachEffectOnce(): Promise<void> {
  const keys = await ledgerKeys();
  expect(new Set(keys).size).toBe(keys.length);
  const { rows } = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent IN ('business_events'::regclass, 'business_metrics'::regclass)`.execute(
    t.owner,
  );
  const existing = new Set(rows.map((r) => r.name));
  for (const key of keys) {
    expect(existing.has(key.replace(/^partitions:/, "")), key).toBe(true);
  }
}

const jobStates = async () => {
  const listed = await call("/api/v1/jobs");
  if (listed.status !== 200) {
    return undefined;
  }
  const queues = listed.body.queues as { queue: string; scheduler: { state: string } }[];
  return Object.fromEntries(queues.map((q) => [q.queue, q.scheduler.state]));
};

beforeAll(async () => {
  port = await freePort();
  await startRedis();
  t = await createTestDatabase("outage");
  const dataDir = join(ROOT, `.data/test-outage-${id}-app`);
  dataDirs.push(dataDir);
  config = {
    ...t.config,
    redisUrl: `redis://127.0.0.1:${port}`,
    queuePrefix: prefix,
    clickhouse: { ...t.config.clickhouse, dataDir },
  };
  redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  redis.on("error", () => {});
  analytics = await createAnalyticsStore(config);
  pool = createPool(config.databaseUrl, { max: 2 });
  const admin = await insertUser(t.owner, {
    email: "admin@outage.test",
    displayName: "admin",
    role: "admin",
    passwordHash: "unused",
  });
  adminToken = (await createApiToken(t.owner, admin.id, "test")).token;
  // The expiry sweep's schedule stays off: only the partitions schedule is under test.
  await saveSchedule(t.owner, "masking", { cron: "*/30 * * * *", enabled: false }, "test");
  await startGovern();
}, 60_000);

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
    }
  }
  redisServer?.kill("SIGCONT");
  await worker?.close();
  await killRedis();
  redis?.disconnect();
  await analytics?.close();
  await pool?.end();
  await t?.drop();
  for (const dir of dataDirs) {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

describe("Redis outage", () => {
  test("while Redis hangs, job routes answer 503 once the queue's 1 s timeout is up, and a run that could not be queued never runs, even when its job reaches Redis afterwards", async () => {
    expect(await until(jobStates, 10_000, "the jobs list")).toMatchObject({
      partitions: "scheduled",
      masking: "off",
    });
    redisServer?.kill("SIGSTOP");
    try {
      const listed = await call("/api/v1/jobs");
      expect(listed.status).toBe(503);
      expect(listed.body.error?.code).toBe("unavailable");
      expect(listed.ms).toBeLessThan(QUEUE_TIMEOUT_MS + 1_500);
      const run = await call("/api/v1/jobs/partitions/run", {
        method: "POST",
        body: { payload: { daysAhead: 3 } },
      });
      expect(run.status).toBe(503);
      expect(run.body.error?.message).toMatch(/Redis/);
      // A frozen Redis is found out by the queue's timeout (QUEUE_TIMEOUT_MS, 1 s); the run's
      // Postgres writes come on top, which on a loaded machine took up to a second more.
      expect(run.ms).toBeLessThan(QUEUE_TIMEOUT_MS + 1_500);
      // The run history is Postgres's: still listed.
      expect((await call("/api/v1/jobs/runs")).status).toBe(200);
      console.info("503 answers while Redis hangs (ms):", {
        list: Math.round(listed.ms),
        run: Math.round(run.ms),
      });
    } finally {
      redisServer?.kill("SIGCONT");
    }
    const [refused, ...others] = await runs();
    expect(others).toEqual([]);
    expect(refused).toMatchObject({ status: "failed", started_at: null });
    expect(refused?.error).toMatch(/^not queued: /);

    // The add was written to the frozen Redis before the caller gave up: Redis now runs it.
    // The worker must find the run given up and skip the job.
    const jobId = refused?.queue_job_id as string;
    const state = await until(
      async () => {
        const s = await worker?.queues.jobState("partitions", jobId);
        return s === "completed" || s === "failed" ? s : undefined;
      },
      10_000,
      "the late job to be handled",
    ).catch(() => "never arrived");
    console.info(`the refused run's job, after Redis resumed: ${state}`);
    if (state !== "never arrived") {
      expect(state).toBe("completed");
      const job = await worker?.queues.get("partitions").getJob(jobId);
      expect(job?.returnvalue).toEqual({ skipped: "given up before it started" });
    }
    expect(await runs()).toEqual([refused]);
    expect(await ledgerKeys()).toEqual([]);
  }, 60_000);

  test("Redis killed mid-run: requests fail fast with 503, a Redis back empty gets its schedules back by itself, and the run, held by its live worker, finishes once", async () => {
    slowMs = 250;
    const started = await call("/api/v1/jobs/partitions/run", {
      method: "POST",
      body: { payload: { daysAhead: 40 } },
    });
    expect(started.status).toBe(202);
    const jobId = started.body.jobId as string;
    await until(
      async () => ((await ledgerKeys()).length >= 5 ? true : undefined),
      30_000,
      "the run to be under way",
    );

    await killRedis();
    const timings: Record<string, number> = {};
    for (const [name, path, init] of [
      ["list", "/api/v1/jobs", {}],
      ["run", "/api/v1/jobs/partitions/run", { method: "POST", body: {} }],
      [
        "schedule",
        "/api/v1/jobs/partitions/schedule",
        { method: "PUT", body: { cron: "15 * * * *", enabled: true } },
      ],
      ["cancel", "/api/v1/jobs/partitions/cancel", { method: "POST", body: { jobId } }],
    ] as const) {
      const answer = await call(path, init);
      expect(answer.status, name).toBe(503);
      expect(answer.body.error?.code, name).toBe("unavailable");
      expect(answer.ms, name).toBeLessThan(2_000);
      timings[name] = Math.round(answer.ms);
    }
    console.info("503 answers while Redis is down (ms):", timings);
    const health = await call("/api/v1/health");
    expect(health.body.status).toBe("degraded");

    // The run goes on (its work is Postgres's) while Redis is away, and is still running when
    // Redis comes back empty: its job is gone, but its worker holds it, so it is not lost.
    const running = (await runs()).find((r) => r.queue_job_id === jobId);
    expect(running?.status).toBe("running");
    const restarted = performance.now();
    await startRedis();
    const states = await until(
      async () => {
        const s = await jobStates();
        return s?.partitions === "scheduled" ? s : undefined;
      },
      15_000,
      "the schedule to come back",
    );
    console.info(
      `schedule back ${Math.round(performance.now() - restarted)} ms after Redis restarted empty`,
    );
    expect(states).toMatchObject({ partitions: "scheduled", masking: "off" });
    const listed = await call("/api/v1/jobs");
    const partitions = (listed.body.queues as Record<string, unknown>[]).find(
      (q) => q.queue === "partitions",
    );
    expect(partitions?.scheduler).toMatchObject({ state: "scheduled", pattern: "15 * * * *" });

    expect(await worker?.queues.jobState("partitions", jobId)).toBe("missing");
    const finished = await until(
      async () => {
        const run = (await runs()).find((r) => r.queue_job_id === jobId);
        return run?.status === "succeeded" || run?.status === "failed" ? run : undefined;
      },
      30_000,
      "the run to end",
    );
    expect(finished.status).toBe("succeeded");

    // A few checks later: nothing queued during the outage ran, nothing is left running, and
    // the run was neither taken for lost nor resumed.
    await new Promise((r) => setTimeout(r, 3_000));
    const after = await runs();
    expect(after.filter((r) => r.error?.startsWith("lost"))).toEqual([]);
    expect(after.filter((r) => r.status === "queued" || r.status === "running")).toEqual([]);
    expect(after.filter((r) => r.status === "succeeded").map((r) => r.queue_job_id)).toEqual([
      jobId,
    ]);
    await expectEachEffectOnce();
    expect((await ledgerKeys()).length).toBeGreaterThanOrEqual(42);
  }, 90_000);

  test("a scheduler removed behind govern's back is re-created by the periodic check", async () => {
    await redis.flushall();
    expect(await until(jobStates, 5_000, "the jobs list")).toBeDefined();
    const states = await until(
      async () => {
        const s = await jobStates();
        return s?.partitions === "scheduled" ? s : undefined;
      },
      10_000,
      "the periodic check to re-create the schedule",
    );
    expect(states.partitions).toBe("scheduled");
  }, 30_000);

  test("a worker killed mid-run while Redis loses its data: the run becomes failed: lost and is resumed, each effect once; a lost dataset build becomes droppable", async () => {
    await worker?.close();
    worker = undefined;
    const before = new Set((await runs()).map((r) => r.id));
    const child = await startWorkerProcess();
    const jobId = await startedRun();
    const startKeys = (await ledgerKeys()).length;
    await until(
      async () => ((await ledgerKeys()).length >= startKeys + 3 ? true : undefined),
      30_000,
      "the child's run to be under way",
    );
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    await killRedis();
    await startRedis();

    // A masked dataset whose build was running when the same happened.
    const dataset = await createDataset(t.owner, {
      name: `lost-${id}`,
      kind: "masked",
      owner: "engineer@outage.test",
    });
    if (!dataset) {
      throw new Error("dataset not created");
    }
    await updateDataset(t.owner, dataset.id, { status: "running", startedAt: new Date() });
    await t.owner
      .insertInto("governance.job_runs")
      .values({
        queue: "masking",
        job_name: "masking",
        queue_job_id: `lost-${id}`,
        status: "running",
        payload: JSON.stringify({
          action: "provision",
          datasetId: dataset.id,
          name: dataset.name,
          requestedBy: "engineer@outage.test",
        }),
        triggered_by: "engineer@outage.test",
        started_at: new Date(),
      })
      .execute();

    const lostRun = (await runs()).find((r) => r.queue_job_id === jobId);
    expect(lostRun?.status).toBe("running");
    slowMs = 20;
    await startGovern(); // reconciles at start

    const resumed = await until(
      async () => {
        const all = (await runs()).filter((r) => !before.has(r.id) && r.queue_job_id !== jobId);
        return all.find((r) => r.status === "succeeded");
      },
      60_000,
      "the resumed run to succeed",
    );
    const lost = (await runs()).find((r) => r.id === lostRun?.id);
    expect(lost?.status).toBe("failed");
    expect(lost?.error).toMatch(/^lost: /);
    expect(resumed.triggered_by).toBe(lostRun?.triggered_by);
    const audited = await t.owner
      .selectFrom("governance.audit_events")
      .select(["action", "summary"])
      .where("action", "=", "job.partitions.failed")
      .execute();
    expect(audited.map((a) => (a.summary as { error?: string }).error)).toContainEqual(
      expect.stringMatching(/^lost: /),
    );
    const all = await runs();
    expect(all.filter((r) => r.status === "queued" || r.status === "running")).toEqual([]);
    await expectEachEffectOnce();

    const failedDataset = await getDataset(t.owner, dataset.id);
    expect(failedDataset?.status).toBe("failed");
    expect(failedDataset?.error).toMatch(/^lost: /);
    const masking = await t.owner
      .selectFrom("governance.job_runs")
      .select(["status", "error"])
      .where("queue", "=", "masking")
      .execute();
    expect(masking).toEqual([{ status: "failed", error: expect.stringMatching(/^lost: /) }]);
    expect((await dropDataset({ db: t.owner, config }, dataset.id)).status).toBe("dropped");
  }, 120_000);
});

/** Starts a slow partitions run (days ahead far enough to need new partitions) via the queue. */
async function startedRun(): Promise<string> {
  const queues = createJobQueues({ config, db: t.owner, redis });
  try {
    return await queues.enqueue("partitions", { daysAhead: 80 }, "admin@outage.test");
  } finally {
    await queues.close();
  }
}
