import { randomBytes } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { addHold, releaseHold } from "../jobs/retention/holds.ts";
import { eraseFromTiers, personInTiers } from "../jobs/tiering/erasure-reach.ts";
import { openMoves } from "../jobs/tiering/moves.ts";
import { planTiering } from "../jobs/tiering/planner.ts";
import { queryAcrossTiers, tierStatus } from "../jobs/tiering/read.ts";
import { runRestore, runTiering } from "../jobs/tiering/run.ts";
import { archiveManifests, coldTable } from "../jobs/tiering/stores.ts";
import { startOfTodayUtc } from "../masking/demo-platform/clock.ts";
import { seedDemoPlatform } from "../masking/demo-platform/index.ts";
import {
  type AnalyticsStore,
  createAnalyticsStore,
  migrateAnalytics,
} from "../schema/analytics/analytics-store.ts";
import type { Config } from "../schema/config.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { NARROW, narrowTieringDemo } from "./support/tiering-window.ts";

/**
 * The demo run of issue 19: business_events partitions go warm, cold and to the archive,
 * customer_interactions rows go cold by age while active customers' rows stay hot; counts and
 * checksums reconcile across tiers (computed here with plain SQL, independently of the mover's
 * own tallies), a cross-tier query returns exactly the rows the hot table had, a legal hold
 * keeps a tenant's rows where they are, a restore brings a range back, and an erasure after
 * archiving leaves the person in no tier.
 */

const id = randomBytes(4).toString("hex");
const AS_OF = startOfTodayUtc();
/**
 * Runs plan as of 300 days ago, on the demo narrowed to the 50 days of business_events before
 * that and to policies of days (test/support/tiering-window.ts): ~45 partitions to move instead
 * of ~400, and still every tier reached.
 */
const RUN_AS_OF = new Date(AS_OF.getTime() - 300 * 86_400_000);
const KEEP_DAYS = 50;
const dataDir = resolve(".data/test-clickhouse", `tiering-${id}`);
const archiveDir = join(tmpdir(), `govern-tier-archive-${id}`);
const warmDir = join(tmpdir(), `govern-tier-warm-${id}`);
const warmName = `govern_warm_t_${id}`;

let database: TestDatabase;
let config: Config;
let pool: pg.Pool;
let store: AnalyticsStore;
let tenants: string[];

/** Every row of a table as canonical text, sorted: the reference the tiers must add up to. */
async function snapshot(table: string, dateColumn: string): Promise<string[]> {
  const result = await pool.query<{ r: string }>(
    `SELECT row_to_json(x)::text AS r FROM (SELECT * FROM public.${table}) x`,
  );
  void dateColumn;
  return result.rows.map((r) => r.r).sort();
}

beforeAll(async () => {
  database = await createTestDatabase("tiering", { demoPartitionsFor: AS_OF });
  config = {
    ...database.config,
    archiveDir,
    tiering: {
      ...database.config.tiering,
      warmTablespace: warmName,
      warmTablespaceDir: warmDir,
    },
  };
  pool = new pg.Pool({ connectionString: config.databaseUrl, max: 6 });
  const seeded = await seedDemoPlatform(pool, {
    tenants: 2,
    customersPerTenant: 12,
    seed: 19,
    asOf: AS_OF,
  });
  tenants = seeded.tenantIds;
  await narrowTieringDemo(database.owner, pool, RUN_AS_OF, KEEP_DAYS);
  store = await createAnalyticsStore({
    ...config,
    clickhouse: { database: "govern_tier_test", dataDir },
  });
  await migrateAnalytics(store);
}, 300_000);

afterAll(async () => {
  await store?.close();
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

function deps() {
  return { db: database.owner, pool, config, analytics: store, requestedBy: "admin@example.test" };
}

describe("the demo run", () => {
  let eventsBefore: string[];
  let eventCount: number;
  let interactionsBefore: number;

  test("plans partitions to warm and cold and old interactions to cold, leaving active customers hot", async () => {
    eventCount = Number((await pool.query("SELECT count(*) FROM business_events")).rows[0].count);
    interactionsBefore = Number(
      (await pool.query("SELECT count(*) FROM customer_interactions")).rows[0].count,
    );
    const plan = await planTiering(deps(), {
      asOf: RUN_AS_OF,
      tables: ["business_events", "customer_interactions"],
    });
    expect(plan.warm.available).toBe(true);
    const ev = plan.moves.filter((m) => m.table === "business_events");
    expect(ev.some((m) => m.to === "warm")).toBe(true);
    expect(ev.some((m) => m.to === "cold")).toBe(true);
    const ci = plan.moves.find((m) => m.table === "customer_interactions");
    expect(ci?.to).toBe("cold");
    expect(ci?.partition).toBeNull();
  });

  test("a run moves old business_events partitions to cold and older ones to the archive; rows reconcile", async () => {
    eventsBefore = await snapshot("business_events", "time");
    const report = await runTiering(deps(), {
      asOf: RUN_AS_OF,
      tables: ["business_events", "customer_interactions"],
    });
    const tos = new Set(report.moves.filter((m) => m.table === "business_events").map((m) => m.to));
    expect([...tos].sort()).toEqual(["archive", "cold", "warm"]);
    expect(report.rolledBack).toEqual([]);
    for (const move of report.moves) {
      expect(Object.keys(move).sort()).toEqual(["from", "partition", "rows", "table", "to"]);
    }
    // Count in each store by itself: Postgres, the cold table, the Parquet files.
    const hot = Number((await pool.query("SELECT count(*) FROM business_events")).rows[0].count);
    const cold = Number(
      (
        await store.query<{ n: string }>(
          `SELECT toString(count()) AS n FROM ${coldTable("business_events")}`,
        )
      )[0]?.n,
    );
    const files = (await archiveManifests(config, "business_events")).map((m) => m.file);
    expect(files.length).toBeGreaterThan(0);
    const archived = Number(
      (
        await store.query<{ n: string }>(
          `SELECT toString(count()) AS n FROM file('${join(archiveDir, "tiering/business_events")}/*.parquet', 'Parquet')`,
        )
      )[0]?.n,
    );
    expect(hot).toBeGreaterThan(0);
    expect(cold).toBeGreaterThan(0);
    expect(archived).toBeGreaterThan(0);
    expect(hot + cold + archived).toBe(eventCount);
    expect(await openMoves(database.owner)).toEqual([]);
  }, 600_000);

  test("a cross-tier query returns exactly the rows the hot table had", async () => {
    const all = await queryAcrossTiers(deps(), {
      table: "business_events",
      from: new Date("2000-01-01"),
      to: new Date("2100-01-01"),
    });
    expect(all.counts.cold).toBeGreaterThan(0);
    expect(all.counts.archive).toBeGreaterThan(0);
    // Compare as Postgres renders the rows: load the tier rows into a scratch table.
    await pool.query("CREATE TABLE public.tier_check (LIKE public.business_events)");
    try {
      const cols = Object.keys(all.rows[0]?.row ?? {});
      for (let i = 0; i < all.rows.length; i += 1000) {
        const chunk = all.rows.slice(i, i + 1000);
        const values: unknown[] = [];
        const tuples = chunk.map((r, j) => {
          const ps = cols.map((c, k) => {
            values.push(r.row[c]);
            return `$${j * cols.length + k + 1}`;
          });
          return `(${ps.join(", ")})`;
        });
        await pool.query(
          `INSERT INTO public.tier_check (${cols.map((c) => `"${c}"`).join(", ")}) VALUES ${tuples.join(", ")}`,
          values,
        );
      }
      const after = await snapshot("tier_check", "time");
      expect(after.length).toBe(eventsBefore.length);
      expect(after).toEqual(eventsBefore);
    } finally {
      await pool.query("DROP TABLE public.tier_check");
    }
  }, 300_000);

  test("customer_interactions rows of active customers stay hot; the rest moved went cold", async () => {
    const active = await pool.query(
      `SELECT count(*)::int AS n FROM customer_interactions ci JOIN customers c
         ON c.tenant_id = ci.tenant_id AND c.id = ci.customer_id
       WHERE c.last_interaction_at >= now() - interval '90 days'
         AND ci.created_at < $1::timestamptz - $2::interval`,
      [RUN_AS_OF, `${NARROW.ciWarm} days`],
    );
    const hot = Number(
      (await pool.query("SELECT count(*) FROM customer_interactions")).rows[0].count,
    );
    const cold = Number(
      (
        await store.query<{ n: string }>(
          `SELECT toString(count()) AS n FROM ${coldTable("customer_interactions")}`,
        )
      )[0]?.n,
    );
    expect(cold).toBeGreaterThan(0);
    expect(hot + cold).toBe(interactionsBefore);
    // Old rows still hot are exactly the active customers' ones (no hold, no erasure here).
    const oldHot = await pool.query(
      "SELECT count(*)::int AS n FROM customer_interactions WHERE created_at < $1::timestamptz - $2::interval",
      [RUN_AS_OF, `${NARROW.ciWarm} days`],
    );
    expect(oldHot.rows[0].n).toBe(active.rows[0].n);
  });

  test("status counts each tier from its store", async () => {
    const status = await tierStatus(deps());
    const ev = status.tables.find((t) => t.table === "public.business_events");
    expect(ev).toBeDefined();
    const sum =
      (ev?.tiers.hot.rows ?? 0) +
      (ev?.tiers.warm.rows ?? 0) +
      (ev?.tiers.cold.rows ?? 0) +
      (ev?.tiers.archive.rows ?? 0);
    expect(sum).toBe(eventCount);
    expect(ev?.tiers.warm.rows).toBeGreaterThan(0);
    expect(ev?.tiers.cold.bytes).toBeGreaterThan(0);
    expect(ev?.tiers.archive.bytes).toBeGreaterThan(0);
  });

  test("a restore brings a tenant's range back to hot, verified, and the tiers still add up", async () => {
    const tenant = tenants[0] as string;
    // From the oldest kept day to two days before the warm age: archived and cold rows.
    const from = new Date(RUN_AS_OF.getTime() - KEEP_DAYS * 86_400_000);
    const to = new Date(RUN_AS_OF.getTime() - (NARROW.warm + 2) * 86_400_000);
    const before = await queryAcrossTiers(deps(), {
      table: "business_events",
      tenantId: tenant,
      from,
      to,
    });
    const inRange = before.rows.length;
    expect(inRange).toBeGreaterThan(0);
    expect(before.counts.archive).toBeGreaterThan(0);
    expect(before.counts.cold).toBeGreaterThan(0);
    const outcomes = await runRestore(deps(), {
      table: "business_events",
      tenantId: tenant,
      from,
      to,
    });
    expect(outcomes.reduce((s, o) => s + o.rows, 0)).toBe(inRange);
    const hot = await pool.query(
      "SELECT count(*)::int AS n FROM business_events WHERE tenant_id = $1 AND time >= $2 AND time < $3",
      [tenant, from, to],
    );
    expect(hot.rows[0].n).toBe(inRange);
    const after = await queryAcrossTiers(deps(), {
      table: "business_events",
      tenantId: tenant,
      from,
      to,
    });
    expect(after.counts.cold + after.counts.archive).toBe(0);
    const total = await tierStatus(deps());
    const ev = total.tables.find((t) => t.table === "public.business_events");
    const sum = Object.values(ev?.tiers ?? {}).reduce((s, u) => s + u.rows, 0);
    expect(sum).toBe(eventCount);
  }, 300_000);
});

describe("holds and erasure", () => {
  test("a legal hold on a tenant keeps its rows where they are", async () => {
    const tenant = tenants[1] as string;
    const hold = await addHold(database.owner, {
      tenantId: tenant,
      reason: "litigation",
      owner: "legal@example.test",
      createdBy: "officer@example.test",
    });
    try {
      const heldBefore = await pool.query(
        "SELECT count(*)::int AS n FROM communications WHERE tenant_id = $1",
        [tenant],
      );
      const report = await runTiering(deps(), { asOf: RUN_AS_OF, tables: ["communications"] });
      const heldAfter = await pool.query(
        "SELECT count(*)::int AS n FROM communications WHERE tenant_id = $1",
        [tenant],
      );
      expect(heldAfter.rows[0].n).toBe(heldBefore.rows[0].n);
      const coldOfHeld = await store.query<{ n: string }>(
        `SELECT toString(count()) AS n FROM ${coldTable("communications")} WHERE tenant_id = {t:String}`,
        { t: tenant },
      );
      expect(Number(coldOfHeld[0]?.n ?? 0)).toBe(0);
      // The other tenant's old rows did move.
      expect(report.moves.some((m) => m.table === "communications" && m.to === "cold")).toBe(true);
    } finally {
      await releaseHold(database.owner, {
        id: hold.id,
        releasedBy: "officer@example.test",
        reason: "settled",
      });
    }
  }, 300_000);

  test("an erasure after archiving leaves the person in no tier", async () => {
    // A customer with archived business events.
    const found = await store.query<{ tenant_id: string; customer_id: string }>(
      `SELECT tenant_id, customer_id FROM file('${join(archiveDir, "tiering/business_events")}/*.parquet', 'Parquet')
       WHERE customer_id IS NOT NULL LIMIT 1`,
    );
    const person = found[0];
    expect(person).toBeDefined();
    const subject = {
      tenantId: person?.tenant_id as string,
      customerId: person?.customer_id as string,
      identifiers: [],
    };
    const before = await personInTiers(deps(), subject);
    expect((before.business_events?.archive ?? 0) > 0).toBe(true);
    const filesBefore = (await archiveManifests(config, "business_events")).map((m) => m.file);
    const erased = await eraseFromTiers(deps(), subject);
    expect(erased.business_events?.archive).toBeGreaterThan(0);
    const after = await personInTiers(deps(), subject);
    for (const counts of Object.values(after)) {
      expect(counts).toEqual({ cold: 0, archive: 0 });
    }
    // Independently: no Parquet file in the folder holds the customer any more.
    const left = await store.query<{ n: string }>(
      `SELECT toString(count()) AS n FROM file('${join(archiveDir, "tiering/business_events")}/*.parquet', 'Parquet')
       WHERE customer_id = {c:String}`,
      { c: subject.customerId },
    );
    expect(Number(left[0]?.n)).toBe(0);
    // The files that held them were replaced: new file, new manifest, old one gone.
    const filesAfter = (await archiveManifests(config, "business_events")).map((m) => m.file);
    expect(filesAfter.some((f) => !filesBefore.includes(f))).toBe(true);
    expect(filesBefore.some((f) => !existsSync(f))).toBe(true);
  }, 300_000);
});

void sql;
