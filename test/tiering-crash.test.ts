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
import { narrowTieringDemo } from "./support/tiering-window.ts";

/**
 * A tiering worker is SIGKILLed several times while it moves business_events partitions (detach,
 * copy, verify, drop), customer_interactions batches and cold months to the archive; then one
 * run goes to the end. Afterwards, checked with plain SQL on each store (not the mover's
 * tallies): every row the hot tables had is in exactly one tier — the multiset of rows across
 * Postgres, the cold tables and the Parquet files equals the one before — no detached partition
 * is left behind, and no move is open.
 *
 * Each kill point is a state, not a delay: every write of the worker to governance.tier_moves
 * is gated by a lock the test holds, and the worker is SIGKILLed while blocked at the write that
 * would end a step, with a move of the wanted kind open in the wanted state. The run
 * is narrowed to a few dozen partitions (test/support/tiering-window.ts): the property does not
 * depend on how many partitions a run moves, and four hundred of them took minutes per run.
 */

const ROOT = join(import.meta.dirname, "..");
const id = randomBytes(4).toString("hex");
const AS_OF = startOfTodayUtc();
/** Runs plan as of 300 days ago: interactions of customers no longer active are that old. */
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

type OpenMove = {
  id: string;
  table_name: string;
  to_tier: string;
  state: string;
  partition_name: string | null;
};

/**
 * Runs a worker with every write to governance.tier_moves gated: the test holds a lock that
 * blocks writers (readers pass), waits until the worker is blocked on it, and looks at the open
 * moves. The worker's next write to tier_moves is what ends the step it is in (a move's commit,
 * `verified` or `done`), so a move open while the worker waits there is half done in a known
 * way. When `killHere` says so, the worker is SIGKILLed still waiting; otherwise the lock is
 * released for that one write and taken again. Returns whether it killed (false: the worker
 * finished). Deterministic: no delays, no race between the kill and the worker's progress.
 */
async function gatedRun(killHere: (open: OpenMove[]) => boolean): Promise<boolean> {
  const { child, exited } = startWorker();
  let finished = false;
  void exited.then(() => {
    finished = true;
  });
  const gate = await pool.connect();
  try {
    const me = (await gate.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid;
    for (;;) {
      await gate.query("BEGIN");
      await gate.query("LOCK TABLE governance.tier_moves IN SHARE ROW EXCLUSIVE MODE");
      let blocked = false;
      while (!finished && !blocked) {
        const waiting = await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE backend_type = 'client backend' AND $1 = ANY(pg_blocking_pids(pid))`,
          [me],
        );
        blocked = (waiting.rows[0]?.n ?? 0) > 0;
        if (!blocked) {
          await new Promise((r) => setTimeout(r, 10));
        }
      }
      if (!blocked) {
        await gate.query("ROLLBACK");
        await exited;
        return false;
      }
      const open = await pool.query<OpenMove>(
        `SELECT id::text, table_name, to_tier, state, partition_name
         FROM governance.tier_moves WHERE state IN ('copying', 'verified')`,
      );
      if (killHere(open.rows)) {
        child.kill("SIGKILL");
        await exited;
        await gate.query("ROLLBACK");
        return true;
      }
      await gate.query("ROLLBACK");
    }
  } finally {
    gate.release();
  }
}

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
  await narrowTieringDemo(database.owner, pool, RUN_AS_OF, 50);
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

  // Kill points, in the order a run reaches them. Each is a move of one kind open in one state
  // while the worker is blocked at its next write to tier_moves (see gatedRun): a partition
  // move to cold at its commit (copied and dropped, the transaction not committed), the same
  // again for the next partition after the first was rolled back, a batch of
  // customer_interactions rows at its commit, an archive move with its Parquet file written but
  // not yet marked verified, and one verified whose cold rows are already dropped but not yet
  // marked done.
  // The last point may be a move an earlier kill left open, finished by the next run's recovery.
  const points: [string, (m: OpenMove) => boolean, boolean?][] = [
    ["partition → cold, at commit", (m) => m.to_tier === "cold" && m.partition_name !== null],
    [
      "partition → cold after a rollback, at commit",
      (m) => m.to_tier === "cold" && m.partition_name !== null,
    ],
    [
      "customer_interactions rows → cold, at commit",
      (m) => m.table_name === "customer_interactions" && m.to_tier === "cold",
    ],
    ["cold month → archive, file written", (m) => m.to_tier === "archive" && m.state === "copying"],
    [
      "cold month → archive, cold rows dropped",
      (m) => m.to_tier === "archive" && m.state === "verified",
      true,
    ],
  ];
  const seen: string[] = [];
  const hits: string[] = [];
  for (const [name, matches, again] of points) {
    const killed = await gatedRun((moves) => {
      const m = moves.find((x) => (again || !seen.includes(x.id)) && matches(x));
      if (m && !seen.includes(m.id)) {
        seen.push(m.id);
      }
      return Boolean(m);
    });
    if (killed) {
      hits.push(name);
    }
  }
  expect(hits).toEqual(points.map(([name]) => name));
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
  // Every move the test killed the worker in was finished or undone by a later run.
  const killedIn = await pool.query<{ state: string }>(
    "SELECT state FROM governance.tier_moves WHERE id = ANY($1::uuid[])",
    [seen],
  );
  expect(killedIn.rows.map((r) => r.state).sort()).toEqual(
    seen.map(() => expect.stringMatching(/^(done|rolled_back)$/)),
  );
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
