import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startOfTodayUtc } from "../masking/demo-platform/clock.ts";
import { seedDemoPlatform } from "../masking/demo-platform/index.ts";
import { createAnalyticsStore } from "../schema/analytics/analytics-store.ts";
import type { Config } from "../schema/config.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

/**
 * A tiering worker is SIGKILLed several times while it moves business_events partitions (detach,
 * copy, verify, drop), customer_interactions batches and cold months to the archive; then one
 * run goes to the end. Afterwards, checked with plain SQL on each store (not the mover's
 * tallies): every row the hot tables had is in exactly one tier — the multiset of rows across
 * Postgres, the cold tables and the Parquet files equals the one before — no detached partition
 * is left behind, and no move is open.
 */

const ROOT = join(import.meta.dirname, "..");
const id = randomBytes(4).toString("hex");
const AS_OF = startOfTodayUtc();
const RUN_AS_OF = new Date(AS_OF.getTime() - 300 * 86_400_000);
const dataDir = resolve(".data/test-clickhouse", `tier-crash-${id}`);
const archiveDir = join(tmpdir(), `govern-tier-crash-archive-${id}`);
const warmDir = join(tmpdir(), `govern-tier-crash-warm-${id}`);
const warmName = `govern_warm_c_${id}`;
const children: ChildProcess[] = [];

let database: TestDatabase;
let config: Config;
let pool: pg.Pool;

const EVENT_KEY_PG = `tenant_id::text || '|' || (extract(epoch from time) * 1000000)::bigint::text
  || '|' || event_type || '|' || coalesce(event_name, '') || '|' || coalesce(properties::text, '')
  || '|' || coalesce(session_id, '')`;
const EVENT_KEY_CH = `concat(tenant_id, '|', toString(toUnixTimestamp64Micro(_tier_time)), '|',
  event_type, '|', ifNull(event_name, ''), '|', ifNull(properties, ''), '|', ifNull(session_id, ''))`;

function startWorker(): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(ROOT, "test/support/tiering-worker.ts")],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: config.databaseUrl,
        CLICKHOUSE_DATA_DIR: dataDir,
        CLICKHOUSE_DATABASE: "govern_tier_crash",
        ARCHIVE_DIR: archiveDir,
        WARM_TABLESPACE_DIR: warmDir,
        WARM_TABLESPACE: warmName,
        TIER_AS_OF: RUN_AS_OF.toISOString(),
        TIER_TABLES: "business_events,customer_interactions",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  children.push(child);
  let output = "";
  child.stdout?.on("data", (c) => {
    output += c;
  });
  child.stderr?.on("data", (c) => {
    output += c;
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      if (code !== null && code !== 0) {
        process.stderr.write(output);
      }
      resolve(code);
    }),
  );
  return { child, exited };
}

beforeAll(async () => {
  database = await createTestDatabase("tiering_crash", { demoPartitionsFor: AS_OF });
  config = { ...database.config, archiveDir };
  pool = new pg.Pool({ connectionString: config.databaseUrl, max: 4 });
  await seedDemoPlatform(pool, { tenants: 1, customersPerTenant: 10, seed: 23, asOf: AS_OF });
}, 300_000);

afterAll(async () => {
  for (const child of children) {
    child.kill("SIGKILL");
  }
  await pool?.end();
  await database?.drop();
  const admin = new pg.Client({
    connectionString: database.config.databaseUrl.replace(/\/[^/]+$/, "/postgres"),
  });
  await admin.connect();
  await admin.query(`DROP TABLESPACE IF EXISTS ${warmName}`).catch(() => undefined);
  await admin.end();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(archiveDir, { recursive: true, force: true });
  rmSync(warmDir, { recursive: true, force: true });
});

test("SIGKILLed mid-move several times, every row ends in exactly one tier and none is lost", async () => {
  const events = await pool.query<{ k: string }>(
    `SELECT ${EVENT_KEY_PG} AS k FROM business_events`,
  );
  const eventsBefore = events.rows.map((r) => r.k).sort();
  const interactionIds = (
    await pool.query<{ id: string }>("SELECT id::text FROM customer_interactions")
  ).rows
    .map((r) => r.id)
    .sort();

  // Kill it at varied points, each once it is moving: after a new move row appears (mid-copy
  // of a partition, of a batch, or of an archive file), after a varied short delay.
  const movesSoFar = async (to?: string) =>
    (
      await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM governance.tier_moves ${to ? "WHERE to_tier = $1" : ""}`,
        to ? [to] : [],
      )
    ).rows[0]?.n ?? 0;
  for (const [delay, phase] of [
    [150, undefined],
    [700, undefined],
    [50, undefined],
    [1_500, undefined],
    [300, "archive"],
    [100, "archive"],
  ] as const) {
    const seen = await movesSoFar(phase);
    const { child, exited } = startWorker();
    const until = Date.now() + 240_000;
    while ((await movesSoFar(phase)) <= seen && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, delay));
    child.kill("SIGKILL");
    await exited;
  }
  const last = startWorker();
  expect(await last.exited).toBe(0);

  // Postgres: no partition left detached, no move open.
  const orphans = await pool.query<{ n: number }>(`
    SELECT count(*)::int AS n FROM pg_class c
    WHERE c.relname LIKE 'business_events_p%' AND c.relkind = 'r'
      AND NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid)`);
  expect(orphans.rows[0]?.n).toBe(0);
  const open = await pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM governance.tier_moves WHERE state IN ('copying', 'verified')",
  );
  expect(open.rows[0]?.n).toBe(0);
  const kinds = await pool.query<{ to_tier: string; state: string }>(
    "SELECT DISTINCT to_tier, state FROM governance.tier_moves",
  );
  // The kills did interrupt moves (rolled back by the next run), and moves did finish.
  expect(kinds.rows.some((r) => r.state === "rolled_back")).toBe(true);
  expect(kinds.rows.some((r) => r.to_tier === "archive" && r.state === "done")).toBe(true);

  const store = await createAnalyticsStore({
    ...config,
    clickhouse: { ...config.clickhouse, database: "govern_tier_crash", dataDir },
  });
  try {
    const hot = (
      await pool.query<{ k: string }>(`SELECT ${EVENT_KEY_PG} AS k FROM business_events`)
    ).rows.map((r) => r.k);
    const cold = (
      await store.query<{ k: string }>(`SELECT ${EVENT_KEY_CH} AS k FROM tier_business_events_cold`)
    ).map((r) => r.k);
    const archived = (
      await store.query<{ k: string }>(
        `SELECT ${EVENT_KEY_CH} AS k FROM file('${archiveDir}/tiering/business_events/*.parquet', 'Parquet')`,
      )
    ).map((r) => r.k);
    expect(cold.length).toBeGreaterThan(0);
    expect(archived.length).toBeGreaterThan(0);
    const after = [...hot, ...cold, ...archived].sort();
    expect(after.length).toBe(eventsBefore.length);
    expect(after).toEqual(eventsBefore);

    const ciHot = (
      await pool.query<{ id: string }>("SELECT id::text FROM customer_interactions")
    ).rows.map((r) => r.id);
    const ciCold = (
      await store.query<{ id: string }>("SELECT id FROM tier_customer_interactions_cold")
    ).map((r) => r.id);
    expect(ciCold.length).toBeGreaterThan(0);
    expect([...ciHot, ...ciCold].sort()).toEqual(interactionIds);
  } finally {
    await store.close();
  }
}, 900_000);
