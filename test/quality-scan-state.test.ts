import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { platformTables } from "../jobs/quality/catalog.ts";
import { evaluateTable, type ScanContext } from "../jobs/quality/scan.ts";
import type { RuleRecord, RuleResult } from "../jobs/quality/types.ts";
import { parseQualityRule } from "../rules/quality/loader.ts";
import type { Db } from "../schema/postgres.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { makeQualityTenant, type QualityTenant } from "./support/quality-fixtures.ts";

let t: TestDatabase;
let a: QualityTenant;
let b: QualityTenant;
const now = new Date();

/**
 * Writes on one connection, then makes that backend publish its statistics counters (they
 * decide whether the exact check is worth running, so a test wanting a reuse needs them current).
 */
async function write<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const out = await t.owner.connection().execute(async (c) => {
    const got = await fn(c);
    await sql`SELECT pg_stat_force_next_flush()`.execute(c);
    return got;
  });
  // The flush happens when the backend goes idle.
  await new Promise((r) => setTimeout(r, 300));
  return out;
}

/**
 * Waits until every transaction that had started by now has ended, on the whole cluster: a run
 * proves a table unchanged only from rows older than its snapshot's xmin horizon, which any long
 * transaction (in any database of this shared server) holds back.
 */
async function settle() {
  const now = await sql<{ x: string }>`
    SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS x`.execute(t.owner);
  const target = BigInt(now.rows[0]?.x ?? "0");
  for (let i = 0; i < 750; i++) {
    const got = await sql<{ x: string }>`
      SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS x`.execute(t.owner);
    if (BigInt(got.rows[0]?.x ?? "0") >= target) {
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("a transaction on the server stayed open for two and a half minutes");
}

beforeAll(async () => {
  t = await createTestDatabase("quality_scan_state");
  // Random values with NULLs and failures, unevenly over the tenants.
  [a, b] = await write(async (c) => [
    await makeQualityTenant(c, "Epsilon Pools", { customers: 60 }),
    await makeQualityTenant(c, "Zeta Gardens", { customers: 45 }),
  ]);
  await write((c) =>
    sql`
    UPDATE payments SET
      amount = CASE WHEN random() < 0.15 THEN -1 ELSE round((random() * 500)::numeric, 2) END,
      currency = (ARRAY['USD', 'EUR', 'usd', NULL, 'EU', 'GBP'])[1 + floor(random() * 6)::int],
      status = (ARRAY['completed', 'pending', 'lost', NULL])[1 + floor(random() * 4)::int],
      payment_method = (ARRAY['card', 'ach', 'Wire-Transfer', NULL])[1 + floor(random() * 4)::int],
      paid_at = CASE WHEN random() < 0.1 THEN NULL
                     ELSE now() - make_interval(mins => floor(random() * 2880)::int) END`.execute(
      c,
    ),
  );
  await sql`ANALYZE payments`.execute(t.owner);
}, 120_000);
afterAll(async () => {
  await t?.drop();
});

const rules: RuleRecord[] = [
  { id: "c_status", column: "status", kind: "completeness" },
  { id: "c_amount", column: "amount", kind: "completeness" },
  { id: "v_method", column: "payment_method", kind: "validity", check: { regex: "^[a-z_]+$" } },
  { id: "v_currency", column: "currency", kind: "validity", check: { set: ["USD", "EUR"] } },
  { id: "v_amount", column: "amount", kind: "validity", check: { range: { min: 0 } } },
  { id: "k_status", column: "status", kind: "consistency", check: { allowed: ["completed"] } },
  { id: "u_id", column: "id", kind: "uniqueness" },
  { id: "u_currency", column: "currency", kind: "uniqueness" },
  { id: "f_paid", kind: "freshness", check: { timestamp: "paid_at", max_age_hours: 1 } },
  { id: "w_paid", kind: "volume", check: { timestamp: "paid_at", window_hours: 12, min_rows: 1 } },
].map((r) => ({
  rule: parseQualityRule({ table: "payments", threshold: 0.5, tenants: "per_tenant", ...r }),
  version: 1,
  source: "test",
}));

/**
 * Every rule's figure for one tenant (null: all rows), written as plain SQL independently of the
 * engine, with the clock at `at`.
 */
async function naive(
  tenant: string | null,
  at = now,
): Promise<Record<string, number | string | null>> {
  const since = new Date(at.getTime() - 12 * 3_600_000);
  const where = tenant === null ? sql`true` : sql`tenant_id = ${tenant}::uuid`;
  const row = await sql<Record<string, string | Date | null>>`
    SELECT count(*) FILTER (WHERE status IS NULL) AS c_status,
           0 AS c_amount,
           count(*) FILTER (WHERE payment_method IS NULL OR payment_method !~ '^[a-z_]+$') AS v_method,
           count(*) FILTER (WHERE currency IS NULL OR currency NOT IN ('USD', 'EUR')) AS v_currency,
           count(*) FILTER (WHERE amount < 0) AS v_amount,
           count(*) FILTER (WHERE status IS NULL OR status <> 'completed') AS k_status,
           count(id) - count(DISTINCT id) AS u_id,
           count(currency) - count(DISTINCT currency) AS u_currency,
           max(paid_at) AS f_paid,
           count(*) FILTER (WHERE paid_at >= ${since}) AS w_paid
    FROM payments WHERE ${where}`.execute(t.owner);
  const out: Record<string, number | string | null> = {};
  for (const [k, v] of Object.entries(row.rows[0] ?? {})) {
    out[k] = v instanceof Date ? v.toISOString() : v === null ? null : Number(v);
  }
  return out;
}

/** The engine's figure for the same: failing rows, the latest timestamp, the window count. */
function figure(r: RuleResult): number | string | null {
  if (r.kind === "freshness") {
    return (r.detail.latest as string | null) ?? null;
  }
  return r.kind === "volume" ? (r.detail.metric as number) : r.failing;
}

async function run(reuse = true, at = now, set = rules): Promise<RuleResult[]> {
  const ctx: ScanContext = {
    tables: await platformTables(t.owner),
    tenants: [a.id, b.id],
    sampleSize: 0,
    now: at,
    reuse,
  };
  const results = await evaluateTable(t.owner, "payments", set, ctx);
  expect(results.filter((r) => r.error)).toEqual([]);
  return results;
}

async function expectExact(results: RuleResult[], at = now) {
  const scopes = [...new Set(results.map((r) => r.tenantId))];
  expect(scopes.length).toBeGreaterThan(0);
  for (const tenant of scopes) {
    const expected = await naive(tenant, at);
    const got = Object.fromEntries(
      results.filter((r) => r.tenantId === tenant).map((r) => [r.rule, figure(r)]),
    );
    // A whole-scope set has no uniqueness rules (they would group the scan by tenant).
    expect(got).toEqual(Object.fromEntries(Object.entries(expected).filter(([k]) => k in got)));
    expect(Object.keys(got).length).toBeGreaterThanOrEqual(8);
  }
}

/** The same rules over the whole table, uniqueness left out: the scan is not grouped. */
const wholeScope: RuleRecord[] = rules
  .filter((r) => r.rule.kind !== "uniqueness")
  .map((r) => ({ ...r, rule: { ...r.rule, tenants: "all" } }));

const reusedOf = (results: RuleResult[]) => results.filter((r) => r.detail.reused !== undefined);

/** Makes the stored counters match the current ones, as statistics that lag behind would. */
async function hideFromCounters() {
  await sql`
    UPDATE governance.quality_scan_state SET changes = (
      SELECT n_tup_upd + n_tup_del FROM pg_stat_all_tables
      WHERE relid = 'public.payments'::regclass)
    WHERE table_name = 'payments'`.execute(t.owner);
}

// Each test may wait for the server's open transactions (settle): minutes on a busy shared server.
describe("a table's one-scan result reused while the table is unchanged", {
  timeout: 400_000,
}, () => {
  test("first run evaluates every row, a second reuses it, both exactly as plain SQL", async () => {
    await settle();
    const first = await run();
    expect(reusedOf(first)).toEqual([]);
    await expectExact(first);
    const second = await run();
    // Row rules and uniqueness come from the stored aggregates; the clock's rules from the index.
    expect(reusedOf(second).map((r) => r.rule)).toContain("v_method");
    expect(reusedOf(second).map((r) => r.rule)).toContain("u_currency");
    await expectExact(second);
    const strip = (rs: RuleResult[]) =>
      rs.map((r) => ({ ...r, detail: { ...r.detail, reused: undefined } }));
    expect(strip(second)).toEqual(strip(first));
    expect(strip(await run(false))).toEqual(strip(first));
  });

  test("rules the schema guarantees say which constraint proves them", async () => {
    const results = await run();
    const byRule = (id: string) => results.find((r) => r.rule === id && r.tenantId === a.id);
    expect(byRule("u_id")?.detail.proven).toBe("payments_pkey");
    expect(byRule("c_amount")?.detail.proven).toBe("NOT NULL payments.amount");
    expect(byRule("u_currency")?.detail.proven).toBeUndefined();
  });

  test.each([
    ["per tenant", rules],
    ["whole table", wholeScope],
  ])(
    "a reuse moves a volume window's edge with the clock, forward and back (%s)",
    async (_what, set) => {
      await settle();
      await run(true, now, set);
      for (const hours of [3, 7, -2]) {
        const at = new Date(now.getTime() + hours * 3_600_000);
        const results = await run(true, at, set);
        expect(reusedOf(results).map((r) => r.rule)).toContain("w_paid");
        await expectExact(results, at);
      }
    },
  );

  test.each([
    ["per tenant", rules.filter((r) => r.rule.id !== "u_currency")],
    ["whole table", wholeScope],
  ])(
    "rows appended since are evaluated alone and added to the stored figures (%s)",
    async (_what, set) => {
      await settle();
      await run(true, now, set);
      for (const batch of [1, 2]) {
        await write((c) =>
          sql`
        INSERT INTO payments (tenant_id, business_id, amount, currency, status, payment_method, paid_at)
        SELECT (${sql.val([a.id, b.id])}::uuid[])[1 + (g % 2)],
               (SELECT id FROM businesses WHERE tenant_id = (${sql.val([a.id, b.id])}::uuid[])[1 + (g % 2)] LIMIT 1),
               CASE WHEN g % 4 = 0 THEN -2 ELSE g END,
               (ARRAY['USD', 'usd', NULL, 'EUR'])[1 + g % 4],
               (ARRAY['completed', NULL, 'lost'])[1 + g % 3],
               (ARRAY['card', 'Wire', NULL])[1 + g % 3],
               now() - make_interval(hours => g * ${batch})
        FROM generate_series(1, 30) g`.execute(c),
        );
        await settle();
        const results = await run(true, now, set);
        expect(reusedOf(results).map((r) => r.detail.appended)).toContain(30);
        await expectExact(results);
      }
      // Then unchanged: the merged figures are reused as they are.
      const again = await run(true, now, set);
      expect(reusedOf(again).length).toBeGreaterThan(0);
      expect(again.every((r) => r.detail.appended === undefined)).toBe(true);
      await expectExact(again);
    },
  );

  test("a count(DISTINCT …) cannot take appended rows: the table is evaluated whole", async () => {
    await settle();
    await run();
    await write((c) =>
      sql`INSERT INTO payments (tenant_id, business_id, amount, currency, paid_at)
          SELECT tenant_id, business_id, 5, 'CAD', now() FROM payments LIMIT 1`.execute(c),
    );
    await settle();
    const after = await run();
    expect(reusedOf(after)).toEqual([]);
    await expectExact(after);
  });

  test("a row written under a savepoint of a transaction running at the stored snapshot is seen", async () => {
    // A rule set of its own: its state is first stored while the writer below is open.
    const set = rules.filter((r) => r.rule.id !== "c_status");
    await t.owner.connection().execute(async (c) => {
      await sql`BEGIN`.execute(c);
      await sql`SELECT txid_current()`.execute(c);
      // The subtransaction's xid is taken before the snapshot below; the snapshot's xip list
      // names the top-level transaction only.
      await sql`SAVEPOINT s`.execute(c);
      await sql`DELETE FROM payments WHERE id = (SELECT min(id::text)::uuid FROM payments)`.execute(
        c,
      );
      await sql`
        INSERT INTO payments (tenant_id, business_id, amount, currency, status, paid_at)
        SELECT tenant_id, business_id, -9, 'XYZ', 'lost', now() FROM payments LIMIT 1`.execute(c);
      await sql`RELEASE SAVEPOINT s`.execute(c);
      expect(reusedOf(await run(true, now, set))).toEqual([]);
      await sql`COMMIT`.execute(c);
      await sql`SELECT pg_stat_force_next_flush()`.execute(c);
    });
    await new Promise((r) => setTimeout(r, 300));
    await hideFromCounters();
    const after = await run(true, now, set);
    expect(reusedOf(after)).toEqual([]);
    await expectExact(after);
  });

  test("VACUUM (FREEZE) neither hides a change nor prevents a reuse", async () => {
    await settle();
    await run();
    await write((c) => sql`VACUUM (FREEZE, ANALYZE) payments`.execute(c));
    const frozen = await run();
    expect(reusedOf(frozen).length).toBeGreaterThan(0);
    await expectExact(frozen);
    await write((c) =>
      sql`UPDATE payments SET amount = -7 WHERE id = (SELECT min(id::text)::uuid FROM payments)`.execute(
        c,
      ),
    );
    await write((c) => sql`VACUUM (FREEZE) payments`.execute(c));
    await hideFromCounters();
    const after = await run();
    expect(reusedOf(after)).toEqual([]);
    await expectExact(after);
  });

  test.each([
    [
      "an update (same row count, a new row version)",
      sql`UPDATE payments SET currency = 'XXX' WHERE id = (SELECT id FROM payments ORDER BY id LIMIT 1)`,
    ],
    [
      "a delete (no new row version)",
      sql`DELETE FROM payments WHERE id = (SELECT id FROM payments ORDER BY id DESC LIMIT 1)`,
    ],
    [
      "a delete and an insert (same row count)",
      sql`WITH gone AS (DELETE FROM payments WHERE id = (SELECT id FROM payments ORDER BY id LIMIT 1) RETURNING *)
          INSERT INTO payments (tenant_id, business_id, amount, currency, status, paid_at)
          SELECT tenant_id, business_id, -3, 'GBP', NULL, now() FROM gone`,
    ],
    [
      "a rewrite of the table (rows move, no new version)",
      sql`CLUSTER payments USING payments_pkey`,
    ],
    [
      "inserts and an update (more rows, one a new version of an old row)",
      sql`WITH u AS (
            UPDATE payments SET currency = 'QQQ' WHERE id = (SELECT min(id::text)::uuid FROM payments)
            RETURNING tenant_id, business_id)
          INSERT INTO payments (tenant_id, business_id, amount, currency, status, paid_at)
          SELECT tenant_id, business_id, 1, 'USD', 'completed', now() FROM u, generate_series(1, 5)`,
    ],
    ["VACUUM FULL (rows move, no new version)", sql`VACUUM FULL payments`],
    [
      "a TRUNCATE and a reload of the same rows",
      sql`DO $$ BEGIN
            CREATE TEMP TABLE keep ON COMMIT DROP AS SELECT * FROM payments;
            TRUNCATE payments CASCADE;
            INSERT INTO payments SELECT * FROM keep;
          END $$`,
    ],
    [
      // No row is written: old rows read the new column's default.
      "a column dropped and added again with a default",
      sql`DO $$ BEGIN
            ALTER TABLE payments DROP COLUMN payment_method;
            ALTER TABLE payments ADD COLUMN payment_method varchar(50) DEFAULT 'Wire-Transfer';
            ANALYZE payments;
          END $$`,
    ],
  ])("%s is seen even when the statistics counters lag", async (_what, statement) => {
    await settle();
    await run();
    // Unchanged: reused. So what stops the next reuse is the change alone.
    expect(reusedOf(await run()).length).toBeGreaterThan(0);
    await write((c) => statement.execute(c));
    await hideFromCounters();
    const after = await run();
    expect(reusedOf(after)).toEqual([]);
    await expectExact(after);
  });
});
