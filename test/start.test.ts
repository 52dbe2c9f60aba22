import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { Redis } from "ioredis";
import { sql } from "kysely";
import { afterAll, beforeAll, expect, test } from "vitest";
import { loadConfig, withDatabase } from "../schema/config.ts";
import { createOwnerDb } from "../schema/postgres.ts";

/** `govern start` end to end: a fresh database, the demo platform, API and worker on one port. */

const ROOT = join(import.meta.dirname, "..");
const id = randomBytes(4).toString("hex");
const database = `govern_t_start_${id}`;
const dataDir = join(ROOT, `.data/test-start-${id}`);
const prefix = `govern-test-start-${id}`;
const base = loadConfig({ ...process.env, NODE_ENV: "test" });
let child: ChildProcess;
let port = 0;
let output = "";

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function waitFor<T>(probe: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) {
      return value;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out after ${ms} ms; output so far:\n${output}`);
}

beforeAll(async () => {
  port = await freePort();
  child = spawn("node", [join(ROOT, "bin/govern.js"), "start"], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: withDatabase(base, database).databaseUrl,
      CLICKHOUSE_DATA_DIR: dataDir,
      ARCHIVE_DIR: join(dataDir, "archive"),
      PORT: String(port),
      QUEUE_PREFIX: prefix,
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill("SIGKILL");
  }
  const admin = createOwnerDb(withDatabase(base, "postgres"), { max: 1 });
  await sql`DROP DATABASE IF EXISTS ${sql.id(database)} WITH (FORCE)`.execute(admin.db);
  await admin.db.destroy();
  const redis = new Redis(base.redisUrl);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) {
    await redis.del(...keys);
  }
  await redis.quit();
  rmSync(dataDir, { recursive: true, force: true });
});

test("answers /api/v1/health with every store ok, serves the demo, runs jobs, stops on SIGTERM", async () => {
  // A fresh database: every migration, the demo's partitions and 6,000 customers come first,
  // which took over two minutes while the rest of the suite ran beside it on two cores.
  const health = await waitFor(async () => {
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/health`);
    return response.status === 200
      ? ((await response.json()) as Record<string, unknown>)
      : undefined;
  }, 200_000);
  expect(health).toMatchObject({
    status: "ok",
    checks: { postgres: { ok: true }, redis: { ok: true }, clickhouse: { ok: true } },
  });
  // The server answers as soon as it listens; the banner follows the startup audit row.
  await waitFor(
    async () =>
      output.includes(`govern is running at http://127.0.0.1:${port}`) ? true : undefined,
    30_000,
  );

  const missing = await fetch(`http://127.0.0.1:${port}/api/v1/nothing-here`);
  expect(missing.status).toBe(404);
  expect(await missing.json()).toMatchObject({ error: { code: "not_found" } });
  expect(missing.headers.get("content-security-policy")).toContain("default-src 'self'");

  const owner = createOwnerDb(withDatabase(base, database), { max: 1 });
  try {
    const tenants = await sql<{ n: number }>`SELECT count(*)::int AS n FROM tenants`.execute(
      owner.db,
    );
    expect(tenants.rows[0]?.n).toBe(4);
    const runs = await waitFor(async () => {
      const r = await sql<{ queue: string; status: string }>`
        SELECT queue, status FROM governance.job_runs WHERE status = 'succeeded' ORDER BY queue`.execute(
        owner.db,
      );
      const queues = new Set(r.rows.map((row) => row.queue));
      return queues.has("etl") && queues.has("partitions") ? r.rows : undefined;
    }, 90_000);
    expect(runs.length).toBeGreaterThanOrEqual(2);
  } finally {
    await owner.db.destroy();
  }

  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  child.kill("SIGTERM");
  expect(await exited).toBe(0);
}, 360_000);
