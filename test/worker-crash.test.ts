import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { sql } from "kysely";
import { afterAll, beforeAll, expect, test } from "vitest";
import { withLedger } from "../jobs/ledger.ts";
import { createJobQueues, type JobQueues } from "../jobs/queues.ts";
import type { Config } from "../schema/config.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

/**
 * BullMQ delivers at least once: a worker killed with SIGKILL mid-job leaves the job to be
 * retried by the next worker. The retry must finish the work without doing any of it twice.
 */

const ROOT = join(import.meta.dirname, "..");
const id = randomBytes(4).toString("hex");
const prefix = `govern-test-crash-${id}`;
const dataDirs: string[] = [];
const children: ChildProcess[] = [];
let t: TestDatabase;
let config: Config;
let redis: Redis;
let queues: JobQueues;

function startWorkerProcess(slowMs: number): Promise<ChildProcess> {
  const dataDir = join(ROOT, `.data/test-crash-${id}-${dataDirs.length}`);
  dataDirs.push(dataDir);
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(ROOT, "test/support/slow-partitions-worker.ts")],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: config.databaseUrl,
        QUEUE_PREFIX: prefix,
        CLICKHOUSE_DATA_DIR: dataDir,
        SLOW_MS: String(slowMs),
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

async function until<T>(probe: () => Promise<T | undefined>, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) {
      return value;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  t = await createTestDatabase("crash");
  config = { ...t.config, queuePrefix: prefix };
  redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  queues = createJobQueues({ config, db: t.owner, redis });
});

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
    }
  }
  await queues?.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) {
    await redis.del(...keys);
  }
  await redis?.quit();
  await t?.drop();
  for (const dir of dataDirs) {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a job killed with SIGKILL mid-run is finished by the restarted worker, its effects exactly once", async () => {
  const first = await startWorkerProcess(150);
  const jobId = await queues.enqueue("partitions", { daysAhead: 40 }, "test");
  const ledgerCount = async () =>
    Number(
      (
        await t.owner
          .selectFrom("governance.job_ledger")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );
  await until(async () => ((await ledgerCount()) >= 5 ? true : undefined), 30_000, "progress");
  const killed = new Promise((resolve) => first.once("exit", resolve));
  first.kill("SIGKILL");
  await killed;
  const doneBeforeKill = await ledgerCount();

  const runsOf = () =>
    t.owner
      .selectFrom("governance.job_runs")
      .select(["id", "status", "error", "attempt"])
      .where("queue_job_id", "=", jobId)
      .orderBy("started_at")
      .execute();
  expect((await runsOf()).map((r) => r.status)).toEqual(["running"]);

  await startWorkerProcess(0);
  await until(
    async () =>
      (await queues.get("partitions").getJobState(jobId)) === "completed" ? true : undefined,
    60_000,
    "the retried job to complete",
  );

  // Recorded once as failed (the killed run), then succeeded (the retry).
  const runs = await runsOf();
  expect(runs.map((r) => r.status)).toEqual(["failed", "succeeded"]);
  expect(runs[0]?.error).toMatch(/worker stopped/);
  expect(runs[1]?.attempt).toBe(2);

  // Every partition of the window is in the ledger exactly once, split between the two runs:
  // the retry skipped what the killed run had committed.
  const ledger = await t.owner
    .selectFrom("governance.job_ledger")
    .select(["ledger_key", "run_id"])
    .where("queue", "=", "partitions")
    .execute();
  const keys = ledger.map((l) => l.ledger_key);
  expect(new Set(keys).size).toBe(keys.length);
  const byRun = (runId: string | undefined) => ledger.filter((l) => l.run_id === runId).length;
  // A dead client's open transaction is rolled back: what the killed run left is what it committed.
  expect(byRun(runs[0]?.id)).toBe(doneBeforeKill);
  expect(byRun(runs[1]?.id)).toBe(ledger.length - byRun(runs[0]?.id));
  expect(byRun(runs[1]?.id)).toBeGreaterThan(0);

  // ...and the ledger matches the partitions that exist, one to one.
  const existing = await partitionNames();
  for (const key of keys) {
    expect(existing).toContain(key.replace(/^partitions:/, ""));
  }
  expect(keys.length).toBeGreaterThanOrEqual(42);

  const audit = await t.owner
    .selectFrom("governance.audit_events")
    .select("action")
    .where("actor", "=", "worker")
    .orderBy("id")
    .execute();
  expect(audit.map((a) => a.action)).toEqual(["job.partitions.failed", "job.partitions.succeeded"]);
}, 120_000);

async function partitionNames(): Promise<string[]> {
  const result = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent IN ('business_events'::regclass, 'business_metrics'::regclass)`.execute(
    t.owner,
  );
  return result.rows.map((r) => r.name);
}

test("withLedger: concurrent attempts at one key apply the effect once; a failed effect leaves no key", async () => {
  let applied = 0;
  const attempt = () =>
    withLedger(t.owner, { key: "test:concurrent", queue: "partitions" }, async (trx) => {
      applied += 1;
      await sql`SELECT pg_sleep(0.05)`.execute(trx);
      return applied;
    });
  const outcomes = await Promise.all([attempt(), attempt(), attempt()]);
  expect(outcomes.filter((o) => o.applied)).toHaveLength(1);
  expect(applied).toBe(1);

  await expect(
    withLedger(t.owner, { key: "test:fails", queue: "partitions" }, async () => {
      throw new Error("effect failed");
    }),
  ).rejects.toThrow("effect failed");
  // The key was rolled back with the effect, so the retry does the work.
  const retry = await withLedger(
    t.owner,
    { key: "test:fails", queue: "partitions" },
    async () => 7,
  );
  expect(retry).toEqual({ applied: true, result: 7 });
});
