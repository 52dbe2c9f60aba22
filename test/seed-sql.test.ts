import { sql } from "kysely";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ensurePartitions } from "../jobs/partitions/partitions.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { insertTenantGraph } from "./support/tenant-graph.ts";

/** The seed document's own SQL runs unchanged against the schema. */

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase("seedsql");
  await ensurePartitions(t.owner);
  await insertTenantGraph(t.owner, "seedsql");
});
afterAll(async () => {
  await t?.drop();
});

test("the seed's lineage example and recursive trace", async () => {
  await sql
    .raw(`
INSERT INTO data_lineage (
  source_table, source_column, 
  target_table, target_column,
  transformation_type, transformation_sql
) VALUES (
  'payments', 'amount',
  'customer_analytics', 'lifetime_value',
  'aggregation',
  'SUM(payments.amount) WHERE payments.status = ''completed'''
);`)
    .execute(t.owner);
  const trace = await sql
    .raw<{ source_table: string; depth: number }>(`
WITH RECURSIVE lineage_trace AS (
  -- Base case: start with target column
  SELECT 
    source_table, source_column,
    target_table, target_column,
    transformation_type,
    1 as depth
  FROM data_lineage 
  WHERE target_table = 'customer_analytics' 
    AND target_column = 'lifetime_value'
    AND is_active = true
  
  UNION ALL
  
  -- Recursive case: trace back to sources
  SELECT 
    dl.source_table, dl.source_column,
    dl.target_table, dl.target_column,
    dl.transformation_type,
    lt.depth + 1
  FROM data_lineage dl
  JOIN lineage_trace lt ON dl.target_table = lt.source_table
  WHERE dl.is_active = true AND lt.depth < 10
)
SELECT * FROM lineage_trace ORDER BY depth;`)
    .execute(t.owner);
  expect(trace.rows).toMatchObject([{ source_table: "payments", depth: 1 }]);
});

test("customer_lifetime_value refreshes concurrently through refresh_analytics_views()", async () => {
  await sql`SELECT refresh_analytics_views()`.execute(t.owner);
  await sql.raw("REFRESH MATERIALIZED VIEW CONCURRENTLY customer_lifetime_value;").execute(t.owner);
  const rows = await sql<{ total_jobs: number; total_revenue: string }>`
    SELECT total_jobs::int, total_revenue FROM customer_lifetime_value`.execute(t.owner);
  expect(rows.rows).toEqual([{ total_jobs: 1, total_revenue: "120.00" }]);
});

test("the body of the seed's cleanup_old_data() runs (rolled back)", async () => {
  const body = `
    DELETE FROM audit_logs WHERE created_at < NOW() - INTERVAL '7 years';
    INSERT INTO business_events_archive 
    SELECT * FROM business_events 
    WHERE time < NOW() - INTERVAL '2 years';
    DELETE FROM business_events WHERE time < NOW() - INTERVAL '2 years';
    DELETE FROM ai_context_cache WHERE expires_at < NOW();
    UPDATE jobs SET archived = true 
    WHERE status = 'completed' AND actual_end < NOW() - INTERVAL '5 years';`;
  const rollback = new Error("rollback");
  await expect(
    t.owner.transaction().execute(async (trx) => {
      await sql.raw(`DO $$ BEGIN ${body} END $$;`).execute(trx);
      throw rollback;
    }),
  ).rejects.toBe(rollback);
});
