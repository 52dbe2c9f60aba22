import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createJobQueues, type JobQueues } from "../jobs/queues.ts";
import { approveRequest } from "../jobs/retention/approvals.ts";
import { readArchiveRows } from "../jobs/retention/archive.ts";
import { addHold, releaseHold } from "../jobs/retention/holds.ts";
import { keySetHashOf, ledgerKeySetHash } from "../jobs/retention/ledger-hash.ts";
import { planRetention } from "../jobs/retention/planner.ts";
import { getRequest } from "../jobs/retention/requests.ts";
import { seedDemoPlatform } from "../masking/demo-platform/index.ts";
import { loadRetentionSchedule } from "../rules/retention/index.ts";
import type { Config } from "../schema/config.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

/**
 * A real worker process runs the retention execute job and is killed with SIGKILL several times
 * mid-execution; between kills the test inserts new rows matching the policy and places a legal
 * hold on rows of the plan not deleted yet. At the end: the deleted set is the approved set
 * minus the held rows (previewed = deleted + held = ledger + held = archived + held); no row
 * inserted after approval and no held row is gone; once the hold is released, one more run
 * finishes it and previewed = deleted = ledger = archived, by count and by key-set hash.
 */

const ROOT = join(import.meta.dirname, "..");
const id = randomBytes(4).toString("hex");
const prefix = `govern-test-retention-crash-${id}`;
const NOW = new Date();
const AS_OF_SEED = new Date(Date.UTC(NOW.getUTCFullYear() - 9, 0, 1));
const dataDirs: string[] = [];
const children: ChildProcess[] = [];
let database: TestDatabase;
let config: Config;
let pool: pg.Pool;
let redis: Redis;
let queues: JobQueues;
let archiveDir: string;

function startWorkerProcess(slowMs: number): Promise<ChildProcess> {
  const dataDir = join(ROOT, `.data/test-retention-crash-${id}-${dataDirs.length}`);
  dataDirs.push(dataDir);
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(ROOT, "test/support/retention-worker.ts")],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: config.databaseUrl,
        QUEUE_PREFIX: prefix,
        CLICKHOUSE_DATA_DIR: dataDir,
        ARCHIVE_DIR: archiveDir,
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

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
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
  database = await createTestDatabase("retention_crash", { demoPartitionsFor: AS_OF_SEED });
  archiveDir = mkdtempSync(join(tmpdir(), "govern-retention-crash-"));
  config = { ...database.config, queuePrefix: prefix, archiveDir };
  pool = new pg.Pool({ connectionString: config.databaseUrl, max: 3 });
  redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  queues = createJobQueues({ config, db: database.owner, redis });
}, 60_000);

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
  await pool?.end();
  await database?.drop();
  for (const dir of [...dataDirs, archiveDir]) {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("SIGKILLed several times mid-execution, with new matching rows and a hold placed midway: deleted = approved − held, nothing else gone, and after release previewed = deleted = ledger = archived", async () => {
  const report = await seedDemoPlatform(pool, {
    tenants: 1,
    customersPerTenant: 30,
    seed: 83,
    asOf: AS_OF_SEED,
  });
  const tenant = report.tenantIds[0] as string;
  const base = loadRetentionSchedule();
  const schedule = {
    ...base,
    policies: base.policies
      .filter((p) => p.id === "ccpa-interactions-2y")
      .map((p) => ({ ...p, threshold: 10 })),
  };
  const [planned] = await planRetention(database.owner, {
    requestedBy: "alice@compliance.test",
    schedule,
    tenantIds: [tenant],
  });
  const request = planned?.request;
  if (!request) {
    throw new Error("nothing planned");
  }
  const approval = await approveRequest(database.owner, {
    requestId: request.id,
    decider: { name: "bob@compliance.test", role: "compliance_officer" },
    reason: "CCPA: interactions past two years",
  });
  expect(approval.ok).toBe(true);
  const keys = (
    await sql<{ key: string }>`SELECT key FROM governance.retention_request_keys
      WHERE request_id = ${request.id} ORDER BY seq`.execute(database.owner)
  ).rows.map((r) => r.key);
  expect(keys.length).toBeGreaterThan(60);
  const ledgerCount = async () =>
    Number(
      (
        await sql<{ n: number }>`SELECT count(*)::int AS n FROM governance.retention_ledger
          WHERE request_id = ${request.id}`.execute(database.owner)
      ).rows[0]?.n ?? 0,
    );
  const enqueue = () =>
    queues.enqueue(
      "retention",
      { action: "execute", requestId: request.id, actor: "worker", batchSize: 8 },
      "test",
    );

  let jobId = await enqueue();
  // A job killed more often than BullMQ's stall limit is failed: the operator runs it again,
  // which the ledger makes safe.
  const rescueFailed = async () => {
    if ((await queues.get("retention").getJobState(jobId)) === "failed") {
      jobId = await enqueue();
    }
  };
  let worker = await startWorkerProcess(120);
  const inserted: string[] = [];
  let holdId = "";
  let heldCustomer = "";
  let heldAtHold = 0;
  for (let kill_ = 1; kill_ <= 3; kill_ += 1) {
    // Once the hold is placed, its rows can never be done: wait for no more than the rest.
    const target = Math.min(Math.floor((keys.length * kill_) / 5), keys.length - heldAtHold);
    await until(
      async () => {
        await rescueFailed();
        return (await ledgerCount()) >= target ? true : undefined;
      },
      60_000,
      `batches before kill ${kill_}`,
    );
    await kill(worker);
    if (kill_ === 1) {
      // New rows matching the policy, inserted after approval: never in the key set.
      const rows = await sql<{ id: string }>`
        INSERT INTO customer_interactions (tenant_id, customer_id, interaction_type, content, created_at)
        SELECT tenant_id, id, 'call', 'inserted after approval', now() - interval '4 years'
        FROM customers WHERE tenant_id = ${tenant} LIMIT 5
        RETURNING id::text AS id`.execute(database.owner);
      inserted.push(...rows.rows.map((r) => r.id));
    }
    if (kill_ === 2) {
      // A hold on the customer of the plan's last key (keys go in plan position order: not
      // deleted yet).
      const owner = await sql<{ customer_id: string }>`
        SELECT customer_id::text AS customer_id FROM customer_interactions
        WHERE id = ${keys[keys.length - 1] as string}`.execute(database.owner);
      heldCustomer = owner.rows[0]?.customer_id as string;
      holdId = (
        await addHold(database.owner, {
          tenantId: tenant,
          customerId: heldCustomer,
          reason: "litigation hold placed mid-execution",
          createdBy: "carol@legal.test",
        })
      ).id;
      const held = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM customer_interactions
        WHERE customer_id = ${heldCustomer} AND id::text = ANY(${keys})`.execute(database.owner);
      heldAtHold = held.rows[0]?.n ?? 0;
    }
    worker = await startWorkerProcess(kill_ === 3 ? 0 : 120);
  }
  await until(
    async () => {
      await rescueFailed();
      return (await queues.get("retention").getJobState(jobId)) === "completed" ? true : undefined;
    },
    90_000,
    "the execution to finish",
  );

  const heldKeys = (
    await sql<{ id: string }>`SELECT id::text AS id FROM customer_interactions
      WHERE tenant_id = ${tenant} AND customer_id = ${heldCustomer} AND id::text = ANY(${keys})`.execute(
      database.owner,
    )
  ).rows.map((r) => r.id);
  expect(heldKeys.length).toBeGreaterThan(0);
  const blocked = await getRequest(database.owner, request.id);
  expect(blocked?.status).toBe("blocked");
  expect(JSON.stringify(blocked?.blockedBy)).toContain(holdId);

  const remainingOfPlan = async () =>
    (
      await sql<{ id: string }>`SELECT id::text AS id FROM customer_interactions
        WHERE id::text = ANY(${keys})`.execute(database.owner)
    ).rows.map((r) => r.id);
  const ledgerKeys = async () =>
    (
      await sql<{ key: string }>`SELECT key FROM governance.retention_ledger
        WHERE request_id = ${request.id}`.execute(database.owner)
    ).rows.map((r) => r.key);
  const archivedKeys = async () => {
    const parts = await sql<{ path: string; rows: number }>`
      SELECT path, rows FROM governance.retention_archives WHERE request_id = ${request.id}`.execute(
      database.owner,
    );
    const out: string[] = [];
    for (const part of parts.rows) {
      const rows = await readArchiveRows(join(archiveDir, part.path));
      expect(rows.length).toBe(Number(part.rows));
      out.push(...rows.map((r) => String(r.id)));
    }
    return out;
  };

  // Killed three times and blocked by the hold: exactly the held rows of the plan remain.
  expect(new Set(await remainingOfPlan())).toEqual(new Set(heldKeys));
  const ledger = await ledgerKeys();
  expect(new Set(ledger).size).toBe(ledger.length);
  expect(new Set([...ledger, ...heldKeys])).toEqual(new Set(keys));
  const archived = await archivedKeys();
  expect(archived.length).toBe(ledger.length);
  expect(new Set(archived)).toEqual(new Set(ledger));
  // Rows inserted after approval are untouched.
  const survivors = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM customer_interactions WHERE id::text = ANY(${inserted})`.execute(
    database.owner,
  );
  expect(survivors.rows[0]?.n).toBe(inserted.length);

  // Released, one more run finishes the plan: previewed = deleted = ledger = archived.
  await releaseHold(database.owner, { id: holdId, releasedBy: "carol@legal.test" });
  jobId = await enqueue();
  await until(
    async () =>
      (await queues.get("retention").getJobState(jobId)) === "completed" ? true : undefined,
    60_000,
    "the final execution",
  );
  const done = await getRequest(database.owner, request.id);
  expect(done?.status).toBe("done");
  expect(await remainingOfPlan()).toEqual([]);
  const finalLedger = await ledgerKeys();
  const finalArchived = await archivedKeys();
  expect(finalLedger.length).toBe(keys.length);
  expect(finalArchived.length).toBe(keys.length);
  const hash = request.keySetHash;
  expect(await ledgerKeySetHash(database.owner, request.id)).toBe(hash);
  expect(await keySetHashOf(finalArchived.map((k) => ["customer_interactions", k]))).toBe(hash);
  expect(await keySetHashOf(keys.map((k) => ["customer_interactions", k]))).toBe(hash);
  const certificate = await database.owner
    .selectFrom("governance.retention_certificates")
    .select(["body"])
    .where("request_id", "=", request.id)
    .executeTakeFirstOrThrow();
  expect((certificate.body as { keySet: { archived: string } }).keySet.archived).toBe(hash);
  const survivorsAfter = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM customer_interactions WHERE id::text = ANY(${inserted})`.execute(
    database.owner,
  );
  expect(survivorsAfter.rows[0]?.n).toBe(inserted.length);
  // The runs the kills interrupted never count as succeeded: each is failed when its job is
  // taken up again, or still 'running' when BullMQ gave the job up past its stall limit and the
  // test queued a new one (the periodic reconciliation fails those, tested in worker-crash).
  const runs = await database.owner
    .selectFrom("governance.job_runs")
    .select(["status"])
    .where("queue", "=", "retention")
    .execute();
  const interrupted = runs.filter((r) => r.status === "failed" || r.status === "running");
  expect(interrupted.length).toBeGreaterThanOrEqual(2);
  expect(runs.filter((r) => r.status === "succeeded").length).toBe(
    runs.length - interrupted.length,
  );
}, 240_000);
