import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { runCatalogScan } from "../jobs/classify/scan.ts";
import { startOfTodayUtc } from "../masking/demo-platform/clock.ts";
import { seedDemoPlatform } from "../masking/demo-platform/index.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

/**
 * The same data classified twice gives the same proposals: sampling is seeded (TABLESAMPLE ...
 * REPEATABLE, rows ranked by a keyed hash of their key), never random. A table large enough to
 * be read through TABLESAMPLE holds the borderline free text that used to flip between scans.
 */

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase("clsdeterminism", { demoPartitionsFor: startOfTodayUtc() });
  const pool = new pg.Pool({ connectionString: t.config.databaseUrl, max: 3 });
  try {
    await seedDemoPlatform(pool, { tenants: 2, customersPerTenant: 40, seed: 7 });
  } finally {
    await pool.end();
  }
  // 60,000 rows (above the whole-read bound): most notes are plain, some hold an address or a
  // name, so which rows a sample draws decides the share of personal data it sees.
  await sql`CREATE TABLE public.site_notes (
      id bigint PRIMARY KEY, tenant_id uuid NOT NULL, description text)`.execute(t.owner);
  await sql`INSERT INTO public.site_notes
    SELECT i, (ARRAY['6f1c1b7e-7d57-4c9f-9a39-6c1f0d3c2a11','0b0c3e55-2a8f-4a83-b7a3-5d2f0f7e9c42']::uuid[])[1 + i % 2],
      CASE WHEN i % 7 = 0 THEN 'Site photo at ' || (100 + i % 900) || ' Schuppe Vista Apt ' || (i % 40) || 'A'
           WHEN i % 11 = 0 THEN 'Service agreement with Gregoria Konopelski for the winter season'
           ELSE 'Quarterly maintenance checklist for unit ' || (i % 300) || ' completed on time' END
    FROM generate_series(1, 60000) i`.execute(t.owner);
  await sql`GRANT SELECT ON public.site_notes TO govern_reader`.execute(t.owner);
  await sql`ANALYZE public.site_notes`.execute(t.owner);
}, 240_000);

afterAll(async () => {
  await t?.drop();
});

async function proposals(): Promise<Map<string, string>> {
  const rows = await t.owner
    .selectFrom("governance.catalog_columns")
    .select([
      "table_name",
      "column_name",
      "json_path",
      "proposed_category",
      "confidence",
      "evidence",
      "masked_samples",
      "unclassifiable_reason",
    ])
    .where("store", "=", "postgres")
    .where("dropped_at", "is", null)
    .execute();
  return new Map(
    rows.map((r) => [
      `${r.table_name}.${r.column_name}${r.json_path ? `.${r.json_path}` : ""}`,
      JSON.stringify([
        r.proposed_category,
        r.confidence,
        r.evidence,
        r.masked_samples,
        r.unclassifiable_reason,
      ]),
    ]),
  );
}

test("classifying the same seeded store five times gives identical proposals each time", async () => {
  const runs: Map<string, string>[] = [];
  for (let i = 0; i < 5; i++) {
    const report = await runCatalogScan(
      { db: t.owner },
      { stores: ["postgres"], triggeredBy: `determinism-${i}` },
    );
    expect(report.columns).toBeGreaterThan(100);
    runs.push(await proposals());
  }
  const first = runs[0] as Map<string, string>;
  expect(first.get("site_notes.description")).toMatch(/^\["free_text_pii"/);
  for (const run of runs.slice(1)) {
    const differing = [...first.keys()].filter((k) => run.get(k) !== first.get(k));
    expect(differing).toEqual([]);
    expect(run.size).toBe(first.size);
  }
}, 300_000);
