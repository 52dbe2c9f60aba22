import { sql } from "kysely";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ensurePartitions } from "../jobs/partitions/partitions.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase("partitions");
});
afterAll(async () => {
  await t?.drop();
});

async function partitionsOf(parent: string): Promise<string[]> {
  const result = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = ${parent}::regclass ORDER BY 1`.execute(t.owner);
  return result.rows.map((r) => r.name);
}

test("creates daily event and weekly metric partitions ahead, once", async () => {
  const now = new Date("2026-03-10T12:00:00Z");
  const first = await ensurePartitions(t.owner, { now, window: { daysBack: 1, daysAhead: 14 } });
  expect(first.created.business_events).toBe(16);
  expect(first.created.business_metrics).toBe(3);
  const again = await ensurePartitions(t.owner, { now, window: { daysBack: 1, daysAhead: 14 } });
  expect(again.created).toEqual({ business_events: 0, business_metrics: 0 });
  const events = await partitionsOf("business_events");
  expect(events[0]).toBe("business_events_p20260309");
  expect(events.at(-1)).toBe("business_events_p20260324");
  // Weeks start on Monday (UTC).
  expect(await partitionsOf("business_metrics")).toEqual([
    "business_metrics_p20260309",
    "business_metrics_p20260316",
    "business_metrics_p20260323",
  ]);
});

test("rows land in their partition; a time with no partition fails loudly", async () => {
  const tenant = await sql<{ id: string }>`
    INSERT INTO tenants (business_name) VALUES ('p') RETURNING id`.execute(t.owner);
  const id = tenant.rows[0]?.id;
  await sql`INSERT INTO business_events (time, tenant_id, business_id, event_type)
    VALUES ('2026-03-12T08:00:00Z', ${id}, ${id}, 'page_view')`.execute(t.owner);
  const where = await sql<{ p: string }>`
    SELECT tableoid::regclass::text AS p FROM business_events`.execute(t.owner);
  expect(where.rows[0]?.p).toBe("business_events_p20260312");
  await expect(
    sql`INSERT INTO business_events (time, tenant_id, business_id, event_type)
      VALUES ('2030-01-01T00:00:00Z', ${id}, ${id}, 'page_view')`.execute(t.owner),
  ).rejects.toThrow(/no partition/);
});

test("new partitions carry forced tenant RLS and no application privileges", async () => {
  const result = await sql<{ rls: boolean; forced: boolean; app: boolean }>`
    SELECT relrowsecurity AS rls, relforcerowsecurity AS forced,
           has_table_privilege('application_role', oid, 'SELECT') AS app
    FROM pg_class WHERE relname = 'business_events_p20260312'`.execute(t.owner);
  expect(result.rows[0]).toEqual({ rls: true, forced: true, app: false });
});
