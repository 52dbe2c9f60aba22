import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type PlatformTable, platformTables } from "../jobs/quality/catalog.ts";
import { evaluateTable } from "../jobs/quality/scan.ts";
import type { RuleRecord } from "../jobs/quality/types.ts";
import { valueColumns } from "../jobs/quality/value-groups.ts";
import { parseQualityRule } from "../rules/quality/loader.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { makeQualityTenant, type QualityTenant } from "./support/quality-fixtures.ts";

let t: TestDatabase;
let a: QualityTenant;
let b: QualityTenant;

beforeAll(async () => {
  t = await createTestDatabase("quality_value_groups");
  a = await makeQualityTenant(t.owner, "Gamma Roofing", { customers: 40, negativeEvery: 7 });
  b = await makeQualityTenant(t.owner, "Delta Cleaning", { customers: 25, negativeEvery: 5 });
  // Few distinct values, NULLs and bad ones among them, spread unevenly over the tenants.
  await sql`
    UPDATE payments SET
      payment_method = (ARRAY['card', 'ach', 'Wire-Transfer', NULL, 'cash'])[1 + (amount::int % 5)],
      currency = (ARRAY['USD', 'EUR', 'usd', NULL, 'EU', 'GBP'])[1 + (amount::int % 6)],
      status = (ARRAY['completed', 'pending', 'lost', NULL])[1 + (amount::int % 4)]`.execute(
    t.owner,
  );
  await sql`ANALYZE payments`.execute(t.owner);
}, 120_000);
afterAll(async () => {
  await t?.drop();
});

const rules = (tenants: "all" | "per_tenant"): RuleRecord[] =>
  [
    { id: "c_status", column: "status", kind: "completeness" },
    { id: "v_method", column: "payment_method", kind: "validity", check: { regex: "^[a-z_]+$" } },
    {
      id: "v_method_nulls",
      column: "payment_method",
      kind: "validity",
      check: { regex: "^[a-z]+$", ignore_nulls: true },
    },
    {
      id: "v_currency",
      column: "currency",
      kind: "validity",
      check: { set: ["USD", "EUR", "GBP"] },
    },
    { id: "v_len", column: "currency", kind: "validity", check: { length: { min: 3, max: 3 } } },
    {
      id: "k_status",
      column: "status",
      kind: "consistency",
      check: { allowed: ["completed", "pending"] },
    },
    { id: "v_amount", column: "amount", kind: "validity", check: { range: { min: 0 } } },
    { id: "f_paid", kind: "freshness", check: { timestamp: "paid_at", max_age_hours: 1 } },
  ].map((r) => ({
    rule: parseQualityRule({ table: "payments", threshold: 0.5, tenants, ...r }),
    version: 1,
    source: "test",
  }));

/** The failing counts per rule, written as plain SQL independently of the engine. */
async function expectedFailing(tenant: string | null): Promise<Record<string, number>> {
  const where = tenant === null ? sql`true` : sql`tenant_id = ${tenant}::uuid`;
  const row = await sql<Record<string, string>>`
    SELECT count(*) FILTER (WHERE status IS NULL) AS c_status,
           count(*) FILTER (WHERE payment_method IS NULL OR payment_method !~ '^[a-z_]+$') AS v_method,
           count(*) FILTER (WHERE payment_method !~ '^[a-z]+$') AS v_method_nulls,
           count(*) FILTER (WHERE currency IS NULL OR currency NOT IN ('USD', 'EUR', 'GBP')) AS v_currency,
           count(*) FILTER (WHERE currency IS NULL OR length(currency) <> 3) AS v_len,
           count(*) FILTER (WHERE status IS NULL OR status NOT IN ('completed', 'pending')) AS k_status,
           count(*) FILTER (WHERE amount < 0) AS v_amount
    FROM payments WHERE ${where}`.execute(t.owner);
  return Object.fromEntries(Object.entries(row.rows[0] ?? {}).map(([k, v]) => [k, Number(v)]));
}

describe("rules run once per distinct value", () => {
  test("low-cardinality columns with costly rules are grouped; others never are", async () => {
    const table = (await platformTables(t.owner)).get("payments") as PlatformTable;
    const costs = new Map([
      ["payment_method", 420],
      ["currency", 270],
      ["id", 420],
      ["customer_id", 420],
      ["status", 30],
    ]);
    const chosen = valueColumns(table, costs, 0);
    expect(chosen).toContain("payment_method");
    expect(chosen).toContain("currency");
    // A key (one value per row) and a column whose rule is cheap are not worth a group.
    expect(chosen).not.toContain("id");
    expect(chosen).not.toContain("status");
    const unanalyzed: PlatformTable = {
      ...table,
      columns: new Map([...table.columns].map(([k, v]) => [k, { ...v, distinct: null }])),
    };
    expect(valueColumns(unanalyzed, costs, 0)).toEqual([]);
    // A lone cheap set rule does not pay for the hash probe of an ungrouped scan.
    expect(valueColumns(table, new Map([["currency", 190]]), 0)).toEqual([]);
  });

  test("grouped and flat plans give the same counts as plain SQL, whole scope and per tenant", async () => {
    const tables = await platformTables(t.owner);
    const tenants = [a.id, b.id];
    for (const scope of ["all", "per_tenant"] as const) {
      const ctx = { tables, tenants, sampleSize: 0, now: new Date() };
      const grouped = await evaluateTable(t.owner, "payments", rules(scope), ctx);
      const flat = await evaluateTable(t.owner, "payments", rules(scope), {
        ...ctx,
        valueGroups: false,
      });
      expect(grouped.every((r) => r.error === null)).toBe(true);
      const counts = (rs: typeof grouped) =>
        rs.map((r) => [r.rule, r.tenantId, r.failing, r.total, r.score, r.passed]);
      expect(counts(grouped)).toEqual(counts(flat));
      for (const tenant of scope === "all" ? [null] : tenants) {
        const expected = await expectedFailing(tenant);
        const mine = grouped.filter((r) => r.tenantId === tenant && r.rule in expected);
        expect(mine).toHaveLength(Object.keys(expected).length);
        for (const r of mine) {
          expect([r.rule, r.failing]).toEqual([r.rule, expected[r.rule]]);
        }
        expect(mine.some((r) => r.failing > 0)).toBe(true);
      }
      expect(grouped.find((r) => r.rule === "f_paid")?.passed).toBe(true);
    }
  });
});
