import { randomBytes, randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createJobQueues, type JobQueues, QueueUnavailableError } from "../jobs/queues.ts";
import { abandonNotQueued, openRunLocks, reconcileRuns } from "../jobs/reconcile.ts";
import { JOBS } from "../jobs/registry.ts";
import { createDataset, getDataset } from "../masking/datasets.repository.ts";
import type { Config } from "../schema/config.ts";
import { silentLogger } from "../schema/logger.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

/**
 * Reconciling runs against the queue, case by case, on the shared Redis under a prefix of this
 * file's own: which runs are lost (no live job, no live worker), and what becomes of them —
 * resumed when the job is idempotent (retention), cleaned up otherwise (a synthetic dataset).
 */

const id = randomBytes(4).toString("hex");
let t: TestDatabase;
let config: Config;
let redis: Redis;
let queues: JobQueues;
const jobs = { retention: JOBS.retention, synth: JOBS.synth };

beforeAll(async () => {
  t = await createTestDatabase("reconcile");
  config = { ...t.config, queuePrefix: `govern-test-reconcile-${id}` };
  redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  queues = createJobQueues({ config, db: t.owner, redis });
  expect(await queues.waitUntilAvailable(5_000)).toBe(true);
});

afterAll(async () => {
  await queues?.close();
  const keys = await redis.keys(`${config.queuePrefix}:*`);
  if (keys.length) {
    await redis.del(...keys);
  }
  await redis?.quit();
  await t?.drop();
});

const reconcile = (queuedGraceMs = 30_000) =>
  reconcileRuns({ config, db: t.owner, queues, jobs, logger: silentLogger }, { queuedGraceMs });

async function insertRun(run: {
  queue: string;
  status: "queued" | "running";
  payload: Record<string, unknown>;
  queueJobId?: string;
  queuedAt?: Date;
}): Promise<{ id: string; queueJobId: string }> {
  const queueJobId = run.queueJobId ?? randomUUID();
  const row = await t.owner
    .insertInto("governance.job_runs")
    .values({
      queue: run.queue,
      job_name: run.queue,
      queue_job_id: queueJobId,
      status: run.status,
      payload: JSON.stringify(run.payload),
      triggered_by: "officer@reconcile.test",
      started_at: run.status === "running" ? new Date() : null,
      queued_at: run.queuedAt ?? new Date(),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { id: row.id, queueJobId };
}

const runOf = (runId: string) =>
  t.owner
    .selectFrom("governance.job_runs")
    .select(["status", "error", "payload", "triggered_by", "queue_job_id"])
    .where("id", "=", runId)
    .executeTakeFirstOrThrow();

test("a running retention run with no job and no live worker is failed as lost and resumed: the same payload queued again, for the same person", async () => {
  const payload = { action: "execute", requestId: randomUUID(), actor: "officer@reconcile.test" };
  const run = await insertRun({ queue: "retention", status: "running", payload });
  const report = await reconcile();
  expect(report.checked).toBe(true);
  const mine = report.lost.find((l) => l.runId === run.id);
  expect(mine).toMatchObject({ queue: "retention", outcome: "resumed" });
  expect(await runOf(run.id)).toMatchObject({
    status: "failed",
    error: expect.stringMatching(/^lost: the queue lost the job while it ran/),
  });
  const resumed = await t.owner
    .selectFrom("governance.job_runs")
    .select(["status", "payload", "triggered_by"])
    .where("queue_job_id", "=", mine?.jobId ?? "")
    .executeTakeFirstOrThrow();
  expect(resumed).toEqual({ status: "queued", payload, triggered_by: "officer@reconcile.test" });
  expect(await queues.jobState("retention", mine?.jobId ?? "")).toBe("waiting");
  // Once lost, never twice: the next check leaves both alone (the new job is waiting).
  expect((await reconcile()).lost).toEqual([]);
});

test("a run whose worker is alive is not lost, even with its job gone from the queue", async () => {
  const run = await insertRun({
    queue: "retention",
    status: "running",
    payload: { action: "plan" },
  });
  const locks = await openRunLocks(config.databaseUrl, silentLogger);
  try {
    await locks.hold("retention", run.queueJobId);
    expect((await reconcile()).lost.map((l) => l.runId)).not.toContain(run.id);
    expect((await runOf(run.id)).status).toBe("running");
  } finally {
    await locks.close(); // the worker dies: its lock goes with its connection
  }
  expect((await reconcile()).lost.map((l) => l.runId)).toContain(run.id);
});

test("a queued run whose job is waiting is left alone; one whose job is missing is lost only after the grace", async () => {
  const jobId = await queues.enqueue("retention", { action: "plan" }, "officer@reconcile.test");
  const waiting = await t.owner
    .selectFrom("governance.job_runs")
    .select("id")
    .where("queue_job_id", "=", jobId)
    .executeTakeFirstOrThrow();
  const young = await insertRun({ queue: "retention", status: "queued", payload: {} });
  const report = await reconcile(60_000);
  const lostIds = report.lost.map((l) => l.runId);
  expect(lostIds).not.toContain(waiting.id);
  expect(lostIds).not.toContain(young.id);
  expect((await reconcile(0)).lost.map((l) => l.runId)).toEqual([young.id]);
  expect((await runOf(young.id)).error).toMatch(/^lost: the queue lost the job before it started/);
  expect((await runOf(waiting.id)).status).toBe("queued");
});

test("a lost synthetic dataset build is not resumed: the dataset moves to failed, with the reason", async () => {
  const dataset = await createDataset(t.owner, {
    name: `synth-${id}`,
    kind: "synthetic",
    owner: "engineer@reconcile.test",
  });
  if (!dataset) {
    throw new Error("dataset not created");
  }
  const run = await insertRun({
    queue: "synth",
    status: "queued",
    payload: { datasetId: dataset.id, requestedBy: "engineer@reconcile.test" },
    queuedAt: new Date(Date.now() - 120_000),
  });
  const report = await reconcile();
  expect(report.lost.find((l) => l.runId === run.id)).toMatchObject({ outcome: "abandoned" });
  const failed = await getDataset(t.owner, dataset.id);
  expect(failed?.status).toBe("failed");
  expect(failed?.error).toMatch(/^lost: /);
  const synthRuns = await t.owner
    .selectFrom("governance.job_runs")
    .select("status")
    .where("queue", "=", "synth")
    .execute();
  expect(synthRuns).toEqual([{ status: "failed" }]);
});

test("a queue that cannot be reached is not reconciled at all", async () => {
  const closed = createJobQueues({ config, db: t.owner, redis });
  await closed.close();
  const run = await insertRun({ queue: "retention", status: "running", payload: {} });
  const report = await reconcileRuns(
    { config, db: t.owner, queues: closed, jobs, logger: silentLogger },
    { queuedGraceMs: 0 },
  );
  expect(report).toEqual({ checked: false, lost: [] });
  expect((await runOf(run.id)).status).toBe("running");
  await reconcile(); // leaves nothing running for the next test file's eyes
});

test("a dataset build that could not be queued (Redis down) fails its dataset at once, and leaves no queued run", async () => {
  const dataset = await createDataset(t.owner, {
    name: `refused-${id}`,
    kind: "synthetic",
    owner: "engineer@reconcile.test",
  });
  if (!dataset) {
    throw new Error("dataset not created");
  }
  const down = createJobQueues({
    config,
    db: t.owner,
    redis,
    onNotQueued: (name, payload, reason) =>
      abandonNotQueued({ config, db: t.owner }, JOBS[name], payload, reason),
  });
  await down.waitUntilAvailable(5_000);
  await down.close(); // from now on, as while Redis is down
  const started = performance.now();
  await expect(
    down.enqueue("synth", { datasetId: dataset.id, requestedBy: "engineer@reconcile.test" }, "x"),
  ).rejects.toBeInstanceOf(QueueUnavailableError);
  expect(performance.now() - started).toBeLessThan(1_000);
  const failed = await getDataset(t.owner, dataset.id);
  expect(failed?.status).toBe("failed");
  expect(failed?.error).toMatch(/^not queued: /);
  const queued = await t.owner
    .selectFrom("governance.job_runs")
    .select("id")
    .where("status", "=", "queued")
    .where("queue", "=", "synth")
    .execute();
  expect(queued).toEqual([]);
});
