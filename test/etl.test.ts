import { randomBytes, randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { resolve } from "node:path";
import { sql } from "kysely";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ETL_TARGETS, EtlError, runEtl } from "../jobs/etl/etl.ts";
import { getWatermark } from "../jobs/etl/watermarks.repository.ts";
import {
  type AnalyticsRows,
  type AnalyticsStore,
  createAnalyticsStore,
  migrateAnalytics,
} from "../schema/analytics/analytics-store.ts";
import { createOwnerDb, type Db } from "../schema/postgres.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

let t: TestDatabase;
let db: Db;
let pool: pg.Pool;
let store: AnalyticsStore;
const dataDir = resolve(".data/test-clickhouse", `etl-${randomBytes(6).toString("hex")}`);
const DAY = 86_400_000;

beforeAll(async () => {
  t = await createTestDatabase("etl");
  ({ db, pool } = createOwnerDb(t.config));
  store = await createAnalyticsStore({
    ...t.config,
    clickhouse: { database: "govern_etl_test", dataDir },
  });
  await migrateAnalytics(store);
  await sql`SELECT governance.ensure_time_partitions('business_events'::regclass, 'day',
              now() - interval '40 days', now() + interval '2 days')`.execute(t.owner);
});

afterAll(async () => {
  await store?.close();
  await db?.destroy();
  await t?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------- fixtures (owner, bypasses RLS)

type Tenant = { tenantId: string; businessId: string; customerId: string };

async function tenant(label: string): Promise<Tenant> {
  const tenantId = randomUUID();
  const businessId = randomUUID();
  await t.owner.insertInto("tenants").values({ id: tenantId, business_name: label }).execute();
  await t.owner
    .insertInto("businesses")
    .values({ id: businessId, tenant_id: tenantId, legal_name: label, display_name: label })
    .execute();
  const customerId = await customer({ tenantId, businessId, customerId: "" }, {});
  return { tenantId, businessId, customerId };
}

function daysAgo(days: number, hour = 12): Date {
  const d = new Date(Date.now() - days * DAY);
  d.setUTCHours(hour, 0, 0, 0);
  return d;
}

function dayOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}

async function customer(
  x: Tenant,
  v: { source?: string; customer_type?: string; customer_since?: string },
): Promise<string> {
  const row = await t.owner
    .insertInto("customers")
    .values({ tenant_id: x.tenantId, business_id: x.businessId, ...v })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

async function payment(
  x: Tenant,
  v: {
    amount: string;
    paid_at: Date | null;
    status?: string;
    payment_method?: string;
    created_at?: Date;
    updated_at?: Date;
  },
): Promise<string> {
  const row = await t.owner
    .insertInto("payments")
    .values({
      tenant_id: x.tenantId,
      business_id: x.businessId,
      customer_id: x.customerId,
      status: "completed",
      payment_method: "credit_card",
      ...v,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

async function job(
  x: Tenant,
  v: { job_type: string; status: string; actual_end?: Date; final_amount?: string },
): Promise<string> {
  const row = await t.owner
    .insertInto("jobs")
    .values({
      tenant_id: x.tenantId,
      business_id: x.businessId,
      customer_id: x.customerId,
      title: "Job",
      ...v,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

async function events(x: Tenant, count: number, from: Date, spanMs: number): Promise<void> {
  await sql`
    INSERT INTO business_events (time, tenant_id, business_id, event_type, event_name, properties, session_id)
    SELECT ${from}::timestamptz + (i * ${spanMs / count}::float8) * interval '1 millisecond'
             + (i % 1000) * interval '1 microsecond',
           ${x.tenantId}, ${x.businessId}, 'page_view', 'view_' || (i % 20),
           jsonb_build_object('path', '/p/' || i, 'n', i, 'quote', 'it''s "quoted" \\ back'),
           CASE WHEN i % 3 = 0 THEN NULL ELSE 's' || (i % 100) END
    FROM generate_series(0, ${count - 1}) AS i`.execute(t.owner);
}

// ------------------------------------------------------------------------ reading both stores

/** Aggregates as ClickHouse serves them (FINAL, zero rows left out), for one tenant. */
async function analytics(tenantId: string) {
  const q = (sqlText: string) => store.query<Record<string, unknown>>(sqlText, { tenantId });
  const num = (rows: Record<string, unknown>[]) =>
    rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, norm(v)])));
  return {
    revenue: num(
      await q(`SELECT toString(day) AS day, revenue, payments FROM revenue_daily FINAL
               WHERE tenant_id = {tenantId:UUID} AND payments > 0 ORDER BY day`),
    ),
    mix: num(
      await q(`SELECT toString(day) AS day, payment_method, payments, amount FROM payment_mix_daily FINAL
               WHERE tenant_id = {tenantId:UUID} AND payments > 0 ORDER BY day, payment_method`),
    ),
    jobs: num(
      await q(`SELECT toString(day) AS day, job_type, jobs, value FROM jobs_completed_daily FINAL
               WHERE tenant_id = {tenantId:UUID} AND jobs > 0 ORDER BY day, job_type`),
    ),
    customers: num(
      await q(`SELECT toString(day) AS day, source, customer_type, customers
               FROM customer_acquisition_daily FINAL
               WHERE tenant_id = {tenantId:UUID} AND customers > 0
               ORDER BY day, source, customer_type`),
    ),
  };
}

/** The same figures computed straight from Postgres, independently of the ETL's SQL. */
async function expected(tenantId: string) {
  const rows = async (query: ReturnType<typeof sql>) =>
    ((await query.execute(t.owner)).rows as Record<string, unknown>[]).map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, norm(v)])),
    );
  return {
    revenue: await rows(sql`
      SELECT to_char(paid_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, sum(amount) AS revenue,
             count(*) AS payments
      FROM payments WHERE tenant_id = ${tenantId} AND status = 'completed' AND paid_at IS NOT NULL
      GROUP BY 1 ORDER BY 1`),
    mix: await rows(sql`
      SELECT to_char(paid_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
             coalesce(payment_method, 'unknown') AS payment_method, count(*) AS payments,
             sum(amount) AS amount
      FROM payments WHERE tenant_id = ${tenantId} AND status = 'completed' AND paid_at IS NOT NULL
      GROUP BY 1, 2 ORDER BY 1, 2`),
    jobs: await rows(sql`
      SELECT to_char(coalesce(actual_end, updated_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
             coalesce(job_type, 'unspecified') AS job_type, count(*) AS jobs,
             coalesce(sum(coalesce(final_amount, quoted_amount)), 0) AS value
      FROM jobs WHERE tenant_id = ${tenantId} AND status = 'completed'
      GROUP BY 1, 2 ORDER BY 1, 2`),
    customers: await rows(sql`
      SELECT to_char(coalesce(customer_since, (created_at AT TIME ZONE 'UTC')::date), 'YYYY-MM-DD') AS day,
             coalesce(source, 'unknown') AS source, coalesce(customer_type, 'unknown') AS customer_type,
             count(*) AS customers
      FROM customers WHERE tenant_id = ${tenantId}
      GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`),
  };
}

function norm(value: unknown): unknown {
  return typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
}

async function coldCount(tenantId: string): Promise<{ final: number; raw: number }> {
  const [row] = await store.query<{ final: string; raw: string }>(
    `SELECT (SELECT count() FROM business_events_cold FINAL WHERE tenant_id = {t:UUID}) AS final,
            (SELECT count() FROM business_events_cold WHERE tenant_id = {t:UUID}) AS raw`,
    { t: tenantId },
  );
  return { final: Number(row?.final), raw: Number(row?.raw) };
}

async function pgEventCount(tenantId: string): Promise<number> {
  const r = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM business_events WHERE tenant_id = ${tenantId}`.execute(t.owner);
  return r.rows[0]?.n ?? 0;
}

/**
 * A store whose n-th insert fails like a crash: after writing the first batch it is given, or
 * before writing anything.
 */
function failingOnInsert(
  n: number,
  { writeFirstBatch = true } = {},
): AnalyticsStore & { failures: number } {
  let calls = 0;
  const wrapper = {
    ...store,
    failures: 0,
    close: async () => {},
    insert: async (table: string, rows: AnalyticsRows) => {
      calls += 1;
      if (calls !== n) {
        return store.insert(table, rows);
      }
      for await (const batch of Array.isArray(rows) ? [rows] : rows) {
        if (writeFirstBatch) {
          await store.insert(table, batch);
        }
        break; // closes the source: its cursor and transaction end here
      }
      wrapper.failures += 1;
      throw new Error("simulated crash after the first batch");
    },
  };
  return wrapper;
}

// ------------------------------------------------------------------------------------- tests

describe("aggregates", () => {
  let a: Tenant;
  let b: Tenant;
  beforeAll(async () => {
    a = await tenant("etl-a");
    b = await tenant("etl-b");
    for (const [x, scale] of [
      [a, 1],
      [b, 10],
    ] as const) {
      await payment(x, { amount: `${100 * scale}.25`, paid_at: daysAgo(30, 9) });
      await payment(x, {
        amount: `${50 * scale}.50`,
        paid_at: daysAgo(30, 15),
        payment_method: "ach",
      });
      await payment(x, { amount: `${20 * scale}`, paid_at: daysAgo(2, 23) });
      await payment(x, { amount: "999", paid_at: daysAgo(2, 10), status: "failed" });
      await payment(x, { amount: "5", paid_at: null, status: "pending" });
      await job(x, {
        job_type: "lawn_care",
        status: "completed",
        actual_end: daysAgo(10),
        final_amount: "80",
      });
      await job(x, {
        job_type: "lawn_care",
        status: "completed",
        actual_end: daysAgo(10),
        final_amount: "20",
      });
      await job(x, {
        job_type: "irrigation",
        status: "completed",
        actual_end: daysAgo(3),
        final_amount: "300",
      });
      await job(x, { job_type: "irrigation", status: "scheduled" });
      await customer(x, {
        source: "referral",
        customer_type: "individual",
        customer_since: dayOf(daysAgo(5)),
      });
      await customer(x, {
        source: "google_ads",
        customer_type: "commercial",
        customer_since: dayOf(daysAgo(5)),
      });
    }
  });

  test("a first run loads every aggregate exactly as Postgres computes it", async () => {
    const report = await runEtl({ db, pool, store }, { targets: ETL_TARGETS.slice(0, 4) });
    expect(Object.keys(report.targets)).toEqual([
      "revenue_daily",
      "payment_mix_daily",
      "jobs_completed_daily",
      "customer_acquisition_daily",
    ]);
    for (const target of Object.values(report.targets)) {
      expect(target.rows).toBeGreaterThan(0);
      expect(target.from).toBeNull();
      expect(target.to).not.toBeNull();
    }
    for (const x of [a, b]) {
      expect(await analytics(x.tenantId)).toEqual(await expected(x.tenantId));
    }
    const revenue = (await analytics(a.tenantId)).revenue;
    expect(revenue).toEqual([
      { day: dayOf(daysAgo(30)), revenue: 150.75, payments: 2 },
      { day: dayOf(daysAgo(2)), revenue: 20, payments: 1 },
    ]);
    expect(await getWatermark(db, "revenue_daily")).toMatchObject({
      rowsLoaded: expect.any(Number),
    });
  });

  test("running again changes nothing and moves the watermark forward", async () => {
    const before = await analytics(a.tenantId);
    const wmBefore = await getWatermark(db, "revenue_daily");
    const report = await runEtl(
      { db, pool, store },
      { targets: ["revenue_daily", "jobs_completed_daily"] },
    );
    expect(report.targets.revenue_daily?.from).toBe(wmBefore?.watermark.toISOString());
    expect(await analytics(a.tenantId)).toEqual(before);
    const wmAfter = await getWatermark(db, "revenue_daily");
    expect(wmAfter?.watermark.getTime()).toBeGreaterThan(wmBefore?.watermark.getTime() ?? 0);
  });

  test("a late update to an old payment recomputes its day (and the day it moved from)", async () => {
    await runEtl({ db, pool, store });
    const old = await payment(a, { amount: "10", paid_at: daysAgo(20) });
    await runEtl({ db, pool, store });
    expect((await analytics(a.tenantId)).revenue).toContainEqual({
      day: dayOf(daysAgo(20)),
      revenue: 10,
      payments: 1,
    });
    // Corrected amount and moved to another day, with updated_at bumped as the platform does.
    await t.owner
      .updateTable("payments")
      .set({ amount: "12.50", paid_at: daysAgo(19), updated_at: sql`now()` })
      .where("id", "=", old)
      .execute();
    const report = await runEtl(
      { db, pool, store },
      { targets: ["revenue_daily", "payment_mix_daily"] },
    );
    expect(report.targets.revenue_daily?.rows).toBeGreaterThanOrEqual(2);
    const after = await analytics(a.tenantId);
    expect(after).toEqual(await expected(a.tenantId));
    expect(after.revenue.find((r) => r.day === dayOf(daysAgo(20)))).toBeUndefined();
    expect(after.revenue).toContainEqual({ day: dayOf(daysAgo(19)), revenue: 12.5, payments: 1 });
  });

  test("a refund, a delete and an update that forgot updated_at are caught through the audit trail", async () => {
    const refunded = await payment(a, { amount: "40", paid_at: daysAgo(25) });
    const deleted = await payment(a, { amount: "7", paid_at: daysAgo(24) });
    // Stamped long ago: neither its insert nor its update shows in created_at/updated_at.
    const old = daysAgo(26);
    const silent = await payment(a, {
      amount: "8",
      paid_at: old,
      created_at: old,
      updated_at: old,
    });
    await runEtl({ db, pool, store });
    expect((await analytics(a.tenantId)).revenue).toContainEqual({
      day: dayOf(old),
      revenue: 8,
      payments: 1,
    });
    await t.owner
      .updateTable("payments")
      .set({ status: "refunded", updated_at: sql`now()` })
      .where("id", "=", refunded)
      .execute();
    await t.owner.deleteFrom("payments").where("id", "=", deleted).execute();
    await t.owner.updateTable("payments").set({ amount: "9" }).where("id", "=", silent).execute();
    await runEtl({ db, pool, store });
    const after = await analytics(a.tenantId);
    expect(after).toEqual(await expected(a.tenantId));
    expect(after.revenue.map((r) => r.day)).not.toContain(dayOf(daysAgo(25)));
    expect(after.revenue.map((r) => r.day)).not.toContain(dayOf(daysAgo(24)));
    expect(after.revenue).toContainEqual({ day: dayOf(old), revenue: 9, payments: 1 });
  });

  test("a job whose type changes leaves no stale figure under its old type", async () => {
    const id = await job(a, {
      job_type: "tree_service",
      status: "completed",
      actual_end: daysAgo(8),
      final_amount: "55",
    });
    await runEtl({ db, pool, store }, { targets: ["jobs_completed_daily"] });
    expect((await analytics(a.tenantId)).jobs).toContainEqual({
      day: dayOf(daysAgo(8)),
      job_type: "tree_service",
      jobs: 1,
      value: 55,
    });
    await t.owner
      .updateTable("jobs")
      .set({ job_type: "landscaping", updated_at: sql`now()` })
      .where("id", "=", id)
      .execute();
    await runEtl({ db, pool, store }, { targets: ["jobs_completed_daily"] });
    const [stale] = await store.query<{ jobs: number }>(
      `SELECT jobs FROM jobs_completed_daily FINAL
       WHERE tenant_id = {t:UUID} AND day = {d:Date} AND job_type = 'tree_service'`,
      { t: a.tenantId, d: dayOf(daysAgo(8)) },
    );
    expect(stale?.jobs).toBe(0);
    expect((await analytics(a.tenantId)).jobs).toEqual((await expected(a.tenantId)).jobs);
  });

  test("a run interrupted after writing, before its watermark, redoes the same keys on re-run", async () => {
    const c = await tenant("etl-crash");
    // Enough (tenant, day) keys for several batches.
    await sql`
      INSERT INTO payments (tenant_id, business_id, customer_id, amount, status, payment_method, paid_at)
      SELECT ${c.tenantId}, ${c.businessId}, ${c.customerId}, (i % 97) + 0.5, 'completed',
             (ARRAY['cash', 'check', 'ach'])[1 + i % 3], now() - i * interval '1 day'
      FROM generate_series(1, 4500) AS i`.execute(t.owner);
    const wmBefore = await getWatermark(db, "revenue_daily");
    const crashing = failingOnInsert(1);
    await expect(
      runEtl({ db, pool, store: crashing }, { targets: ["revenue_daily"] }),
    ).rejects.toThrow("simulated crash");
    expect(crashing.failures).toBe(1);
    // Part of the work landed, the watermark did not move.
    expect((await getWatermark(db, "revenue_daily"))?.watermark).toEqual(wmBefore?.watermark);
    const partial = (await analytics(c.tenantId)).revenue.length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(4500);

    const progress: number[] = [];
    await runEtl(
      { db, pool, store },
      { targets: ["revenue_daily"], onProgress: (p) => progress.push(p.rows) },
    );
    expect(progress.length).toBeGreaterThan(1);
    const after = await analytics(c.tenantId);
    expect(after.revenue).toHaveLength(4500);
    expect(after.revenue).toEqual((await expected(c.tenantId)).revenue);
  });

  test("concurrent runs of the same target take turns and agree", async () => {
    await payment(b, { amount: "3", paid_at: daysAgo(1) });
    const [r1, r2] = await Promise.all([
      runEtl({ db, pool, store }, { targets: ["revenue_daily"] }),
      runEtl({ db, pool, store }, { targets: ["revenue_daily"] }),
    ]);
    expect(r1.targets.revenue_daily).toBeDefined();
    expect(r2.targets.revenue_daily).toBeDefined();
    expect((await analytics(b.tenantId)).revenue).toEqual((await expected(b.tenantId)).revenue);
  });

  test("an unknown target is refused before anything runs", async () => {
    await expect(
      runEtl({ db, pool, store }, { targets: ["revenue_daily", "nope"] }),
    ).rejects.toThrow(EtlError);
  });
});

describe("business_events cold tier", () => {
  test("events stream in, a re-run and the overlap window collapse, late events are picked up", async () => {
    const x = await tenant("etl-events");
    await events(x, 3_000, daysAgo(6, 0), 5 * DAY);
    const first = await runEtl({ db, pool, store }, { targets: ["business_events_cold"] });
    expect(first.targets.business_events_cold?.rows).toBeGreaterThanOrEqual(3_000);
    expect((await coldCount(x.tenantId)).final).toBe(3_000);

    // Fresh events inside the overlap window, and a re-run that reads the overlap again.
    await events(x, 50, new Date(Date.now() - 60_000), 30_000);
    await runEtl({ db, pool, store }, { targets: ["business_events_cold"] });
    await runEtl({ db, pool, store }, { targets: ["business_events_cold"] });
    const counts = await coldCount(x.tenantId);
    expect(counts.final).toBe(await pgEventCount(x.tenantId));
    expect(counts.raw).toBeGreaterThanOrEqual(counts.final);

    const [sample] = await store.query<Record<string, unknown>>(
      `SELECT properties, session_id, event_name FROM business_events_cold FINAL
       WHERE tenant_id = {t:UUID} ORDER BY time LIMIT 1`,
      { t: x.tenantId },
    );
    expect(JSON.parse(String(sample?.properties))).toEqual({
      n: 0,
      path: "/p/0",
      quote: 'it\'s "quoted" \\ back',
    });
    expect(sample?.session_id).toBeNull();
  });

  test("an interrupted event load resumes after the last committed window and ends complete", async () => {
    const x = await tenant("etl-events-crash");
    await events(x, 2_000, daysAgo(12, 0), 4 * DAY);
    // These events are older than the watermark (late arrivals beyond the overlap): rewind it,
    // as an operator re-loading a range would.
    const rewound = daysAgo(13, 0);
    await sql`UPDATE governance.etl_watermarks SET watermark = ${rewound}
              WHERE target = 'business_events_cold'`.execute(t.owner);
    const crashing = failingOnInsert(3, { writeFirstBatch: false });
    await expect(
      runEtl({ db, pool, store: crashing }, { targets: ["business_events_cold"] }),
    ).rejects.toThrow("simulated crash");
    expect(crashing.failures).toBe(1);
    // The windows loaded before the crash are committed: the next run starts after them.
    const resumedFrom = (await getWatermark(db, "business_events_cold"))?.watermark.getTime();
    expect(resumedFrom).toBeGreaterThan(rewound.getTime());
    expect(resumedFrom).toBeLessThan(daysAgo(8, 0).getTime());
    const partial = (await coldCount(x.tenantId)).final;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(2_000);

    await runEtl({ db, pool, store }, { targets: ["business_events_cold"] });
    expect((await coldCount(x.tenantId)).final).toBe(2_000);
  });

  test("measures how fast events stream from Postgres into embedded ClickHouse", async () => {
    const x = await tenant("etl-throughput");
    const n = 100_000;
    await events(x, n, daysAgo(4, 0), 2 * DAY);
    await sql`UPDATE governance.etl_watermarks SET watermark = ${daysAgo(4, 0)}
              WHERE target = 'business_events_cold'`.execute(t.owner);
    const started = performance.now();
    const report = await runEtl({ db, pool, store }, { targets: ["business_events_cold"] });
    const seconds = (performance.now() - started) / 1000;
    const rows = report.targets.business_events_cold?.rows ?? 0;
    expect(rows).toBeGreaterThanOrEqual(n);
    expect((await coldCount(x.tenantId)).final).toBe(n);
    console.info(
      `[etl throughput] ${rows} events Postgres -> embedded ClickHouse in ${seconds.toFixed(2)} s ` +
        `= ${Math.round(rows / seconds)} rows/s`,
    );
  });
});
