import { randomBytes, randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { resolve } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { introspectPostgres } from "../jobs/classify/introspect-postgres.ts";
import { maskValue } from "../jobs/classify/mask.ts";
import { samplePostgresTable } from "../jobs/classify/sample-postgres.ts";
import { runCatalogScan, type ScanReport } from "../jobs/classify/scan.ts";
import { startOfTodayUtc } from "../masking/demo-platform/clock.ts";
import { seedDemoPlatform } from "../masking/demo-platform/index.ts";
import {
  type AnalyticsStore,
  createAnalyticsStore,
  migrateAnalytics,
} from "../schema/analytics/analytics-store.ts";
import { acknowledgeDrift, reviewColumns } from "../schema/governance/catalog-review.repository.ts";
import type { Db } from "../schema/postgres.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

let t: TestDatabase;
let db: Db;
let pool: pg.Pool;
let analytics: AnalyticsStore;
let first: ScanReport;
const dataDir = resolve(".data/test-clickhouse", `catalog-${randomBytes(6).toString("hex")}`);
const CH_DATABASE = "govern_catalog_test";
const probeTenants = [randomUUID(), randomUUID()];

beforeAll(async () => {
  t = await createTestDatabase("catalog_scan", { demoPartitionsFor: startOfTodayUtc() });
  db = t.owner;
  pool = new pg.Pool({ connectionString: t.config.databaseUrl, max: 4 });
  analytics = await createAnalyticsStore({
    ...t.config,
    clickhouse: { database: CH_DATABASE, dataDir },
  });
  await migrateAnalytics(analytics);
  await seedDemoPlatform(pool, { tenants: 2, customersPerTenant: 80, seed: 11 });
  // A table of our own for drift and re-review: its column names say nothing, so values decide.
  await sql`CREATE TABLE public.drift_probe (
      id int PRIMARY KEY, tenant_id uuid NOT NULL, col_17 text, note varchar(50), legacy_code text)`.execute(
    db,
  );
  await sql`GRANT SELECT ON public.drift_probe TO govern_reader`.execute(db);
  await sql`INSERT INTO public.drift_probe
      SELECT i, (${sql.val(probeTenants)}::uuid[])[1 + i % 2], (ARRAY['alpha','bravo','charlie','delta'])[1 + i % 4],
             'n' || i, 'L' || i
      FROM generate_series(1, 60) i`.execute(db);
  first = await runCatalogScan({ db, analytics }, { triggeredBy: "test" });
}, 120_000);

afterAll(async () => {
  await analytics?.close();
  await pool?.end();
  await t?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

async function column(table: string, name: string, path = "") {
  const row = await db
    .selectFrom("governance.catalog_effective_columns")
    .selectAll()
    .where("store", "=", "postgres")
    .where("table_name", "=", table)
    .where("column_name", "=", name)
    .where("json_path", "=", path)
    .executeTakeFirstOrThrow();
  return { ...row, id: String(row.id) };
}

/** Re-scans read smaller samples: what they test is the catalog's bookkeeping, not sampling. */
const RESCAN_LIMITS = { rows: 60, textChars: 500, arrayItems: 5, jsonBytes: 4096 };

async function rescan(): Promise<ScanReport> {
  return runCatalogScan(
    { db, analytics },
    { triggeredBy: "test", stores: ["postgres"], limits: RESCAN_LIMITS },
  );
}

describe("the first scan", () => {
  test("lists every table and column of the platform once, partitions folded into their parent, govern's own schema left out", async () => {
    const expected = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') AND NOT c.relispartition
        AND a.attnum > 0 AND NOT a.attisdropped`.execute(db);
    const catalog = await db
      .selectFrom("governance.catalog_columns")
      .select(sql<number>`count(*)::int`.as("n"))
      .where("store", "=", "postgres")
      .where("json_path", "=", "")
      .executeTakeFirstOrThrow();
    expect(catalog.n).toBe(expected.rows[0]?.n);
    expect(first.stores.postgres?.columns).toBe(expected.rows[0]?.n);

    const tables = await db
      .selectFrom("governance.catalog_tables")
      .select(["schema_name", "table_name", "kind"])
      .where("store", "=", "postgres")
      .execute();
    const kinds = Object.fromEntries(tables.map((x) => [x.table_name, x.kind]));
    expect(kinds.customers).toBe("table");
    expect(kinds.business_events).toBe("partitioned_table");
    expect(kinds.customer_lifetime_value).toBe("materialized_view");
    expect(kinds.customer_lifetime_value_live).toBe("view");
    expect(tables.some((x) => /_p\d{8}$/.test(x.table_name))).toBe(false);
    expect(tables.some((x) => x.schema_name === "governance")).toBe(false);
  });

  test("records types, nullability, primary keys, foreign keys, constraints and row estimates", async () => {
    const id = await column("customers", "id");
    expect(id.data_type).toBe("uuid");
    expect(id.is_primary_key).toBe(true);
    expect(id.is_nullable).toBe(false);
    const email = await column("customers", "email");
    expect(email.data_type).toMatch(/^character varying/);
    const fk = await column("invoices", "customer_id");
    expect(fk.foreign_key).toEqual({ schema: "public", table: "customers", column: "id" });
    const table = await db
      .selectFrom("governance.catalog_tables")
      .selectAll()
      .where("table_name", "=", "invoices")
      .executeTakeFirstOrThrow();
    const constraints = table.constraints as { type: string }[];
    expect(constraints.some((c) => c.type === "primary_key")).toBe(true);
    expect(constraints.some((c) => c.type === "foreign_key")).toBe(true);
    expect(Number(table.row_estimate)).toBeGreaterThan(0);
    const versions = await db
      .selectFrom("governance.catalog_column_versions")
      .select(sql<number>`count(*)::int`.as("n"))
      .executeTakeFirstOrThrow();
    expect(versions.n).toBe(first.columns);
  });

  test("proposes the demo's personal data with the right category, and none for ids, amounts, statuses and timestamps", async () => {
    const expectations: [string, string, string, string][] = [
      ["customers", "email", "", "email"],
      ["customers", "phone", "", "phone"],
      ["customers", "first_name", "", "person_name"],
      ["customers", "last_name", "", "person_name"],
      ["customers", "addresses", "", "postal_address"],
      ["customers", "addresses", "[].line1", "postal_address"],
      ["users", "emergency_contact", "phone", "phone"],
      ["users", "password_hash", "", "credential"],
      ["payments", "credit_card_number", "", "payment_card"],
      ["payments", "bank_routing_number", "", "bank_account"],
      ["payments", "cardholder_name", "", "person_name"],
      ["communications", "content", "", "free_text_pii"],
      ["audit_logs", "ip_address", "", "ip_address"],
      ["customers", "id", "", "none"],
      ["customers", "tenant_id", "", "none"],
      ["invoices", "total_amount", "", "none"],
      ["invoices", "status", "", "none"],
      ["invoices", "invoice_number", "", "none"],
      ["payments", "created_at", "", "none"],
      ["jobs", "job_number", "", "none"],
    ];
    const wrong: string[] = [];
    for (const [table, name, path, category] of expectations) {
      const row = await column(table, name, path);
      if (row.proposed_category !== category) {
        wrong.push(`${table}.${name}${path ? `:${path}` : ""} = ${row.proposed_category}`);
      }
    }
    expect(wrong).toEqual([]);
    const email = await column("customers", "email");
    expect(email.review_status).toBe("pending");
    expect(email.is_pii).toBe(true);
    expect(email.blocks_provisioning).toBe(true);
    expect((email.evidence as unknown[]).length).toBeGreaterThan(0);
  });

  test("stores JSONB key paths as rows under their column, with masked samples only", async () => {
    const paths = await db
      .selectFrom("governance.catalog_columns")
      .select(["json_path", "masked_samples", "data_type"])
      .where("table_name", "=", "customers")
      .where("column_name", "=", "addresses")
      .where("json_path", "<>", "")
      .execute();
    expect(paths.map((p) => p.json_path)).toContain("[].line1");
    const phone = await column("customers", "phone");
    const samples = phone.masked_samples as string[];
    expect(samples.length).toBeGreaterThan(0);
    const real = await sql<{
      phone: string;
    }>`SELECT phone FROM customers WHERE phone IS NOT NULL`.execute(db);
    const reals = new Set(real.rows.map((r) => r.phone));
    expect(samples.some((s) => reals.has(s))).toBe(false);
    expect(maskValue("jane.doe@example.com")).toBe("j***.***@e******.***");
  });

  test("lists the ClickHouse analytics tables under the configured database", async () => {
    const tables = await db
      .selectFrom("governance.catalog_tables")
      .select(["schema_name", "table_name", "kind"])
      .where("store", "=", "clickhouse")
      .execute();
    expect(tables.map((x) => x.table_name)).toEqual(
      expect.arrayContaining(["revenue_daily", "business_events_cold"]),
    );
    expect(tables.every((x) => x.schema_name === CH_DATABASE)).toBe(true);
    expect(tables.some((x) => x.table_name === "analytics_migrations")).toBe(false);
    const cols = await db
      .selectFrom("governance.catalog_columns")
      .select(["column_name", "data_type"])
      .where("store", "=", "clickhouse")
      .where("table_name", "=", "revenue_daily")
      .execute();
    expect(cols.map((c) => c.column_name)).toContain("tenant_id");
  });

  test("the first scan of an empty catalog is a baseline: no drift events", async () => {
    expect(first.stores.postgres?.baseline).toBe(true);
    const drift = await db.selectFrom("governance.catalog_drift_events").select("id").execute();
    expect(drift).toEqual([]);
  });
});

describe("sampling", () => {
  test("reads at most the row cap per table, spread across tenants", async () => {
    expect(first.maxRowsPerTable).toBeLessThanOrEqual(500);
    const small = await runCatalogScan(
      { db, analytics },
      {
        triggeredBy: "test",
        stores: ["postgres"],
        limits: { rows: 20, textChars: 200, arrayItems: 5, jsonBytes: 4096 },
      },
    );
    expect(small.maxRowsPerTable).toBeLessThanOrEqual(20);
    const rows = await db
      .selectFrom("governance.catalog_columns")
      .select(["table_name", "stats"])
      .where("store", "=", "postgres")
      .where("json_path", "=", "")
      .execute();
    for (const r of rows) {
      expect((r.stats as { sampled_rows: number }).sampled_rows).toBeLessThanOrEqual(20);
    }
    const customers = await column("customers", "email");
    expect((customers.stats as { tenants?: number }).tenants).toBe(2);
  });

  test("a large table is read through TABLESAMPLE, still bounded", async () => {
    const tables = await introspectPostgres(db);
    const customers = tables.find((x) => x.name === "customers");
    if (!customers) {
      throw new Error("customers not introspected");
    }
    const sample = await samplePostgresTable(
      db,
      { ...customers, rowEstimate: 5_000_000 },
      { rows: 50, textChars: 100, arrayItems: 5, jsonBytes: 4096 },
    );
    expect(sample.method).toBe("tablesample");
    expect(sample.rowsRead).toBeLessThanOrEqual(50);
  });
});

describe("re-scans, drift and the steward's decisions", () => {
  test("drift: an added column, a changed type, a dropped column and a new table become events; the changed column gets a new version", async () => {
    await sql`ALTER TABLE public.drift_probe ADD COLUMN added_at timestamptz`.execute(db);
    await sql`ALTER TABLE public.drift_probe ALTER COLUMN note TYPE text`.execute(db);
    await sql`ALTER TABLE public.drift_probe DROP COLUMN legacy_code`.execute(db);
    await sql`CREATE TABLE public.drift_new (id int PRIMARY KEY)`.execute(db);
    const report = await rescan();
    const events = await db
      .selectFrom("governance.catalog_drift_events")
      .selectAll()
      .where("scan_id", "=", report.scanId)
      .execute();
    const kinds = events.map((e) => `${e.kind}:${e.table_name}.${e.column_name ?? ""}`).sort();
    expect(kinds).toEqual([
      "column_added:drift_probe.added_at",
      "column_changed:drift_probe.note",
      "column_dropped:drift_probe.legacy_code",
      "table_added:drift_new.",
    ]);
    const changed = events.find((e) => e.kind === "column_changed");
    expect(changed?.before).toMatchObject({ data_type: "character varying(50)" });
    expect(changed?.after).toMatchObject({ data_type: "text" });
    const note = await column("drift_probe", "note");
    expect(note.version).toBe(2);
    const versions = await db
      .selectFrom("governance.catalog_column_versions")
      .select("version")
      .where("column_id", "=", note.id)
      .orderBy("version")
      .execute();
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    const legacy = await column("drift_probe", "legacy_code");
    expect(legacy.dropped_at).not.toBeNull();

    const ack = await acknowledgeDrift(
      db,
      events.map((e) => e.id),
      "steward@govern.local",
    );
    expect(ack.acknowledged).toBe(4);
    expect((await acknowledgeDrift(db, [events[0]?.id ?? 0], "x")).acknowledged).toBe(0);

    await sql`DROP TABLE public.drift_new`.execute(db);
    const again = await rescan();
    const dropped = await db
      .selectFrom("governance.catalog_drift_events")
      .select(["kind", "table_name"])
      .where("scan_id", "=", again.scanId)
      .execute();
    expect(dropped).toEqual([{ kind: "table_dropped", table_name: "drift_new" }]);
  }, 60_000);

  test("a steward's override survives three re-scans", async () => {
    const email = await column("customers", "email");
    const result = await reviewColumns(db, {
      target: { ids: [email.id] },
      action: "override",
      category: "phone",
      sensitivity: "restricted",
      comment: "this column holds phone numbers in our platform",
      actor: "steward@govern.local",
    });
    // The override also becomes a suppression of `email` on this column (issue 21).
    expect(result).toEqual({ changed: 1, ids: [email.id], suppressions: [expect.any(Number)] });
    for (let i = 0; i < 3; i++) {
      await rescan();
    }
    const after = await column("customers", "email");
    expect(after.review_status).toBe("overridden");
    expect(after.decided_category).toBe("phone");
    expect(after.decided_sensitivity).toBe("restricted");
    expect(after.effective_category).toBe("phone");
    expect(after.needs_rereview).toBe(false);
    // Learned from the steward: the scanner proposes the override, and says why first.
    expect(after.proposed_category).toBe("phone");
    expect((after.evidence as { signal: string; note: string }[])[0]).toMatchObject({
      signal: "steward",
      note: expect.stringMatching(
        /^email suppressed: steward@govern\.local overrode it with phone/,
      ),
    });
    const events = await db
      .selectFrom("governance.catalog_review_events")
      .select(["action", "actor"])
      .where("column_id", "=", email.id)
      .orderBy("id")
      .execute();
    expect(events.map((e) => e.action)).toEqual(["proposed", "overridden"]);
  }, 90_000);

  test("a re-scan whose values contradict a decision flags it with the evidence, and does not flag it again once re-confirmed", async () => {
    const col = await column("drift_probe", "col_17");
    expect(col.proposed_category).toBe("none");
    await reviewColumns(db, {
      target: { ids: [col.id] },
      action: "reject",
      comment: "code words",
      actor: "steward@govern.local",
    });
    expect((await column("drift_probe", "col_17")).blocks_provisioning).toBe(false);
    await sql`UPDATE public.drift_probe SET col_17 = 'person' || id || '.' || (ARRAY['smith','jones','brown'])[1 + id % 3] || '@example.org'`.execute(
      db,
    );
    await rescan();
    const flagged = await column("drift_probe", "col_17");
    expect(flagged.proposed_category).toBe("email");
    expect(flagged.review_status).toBe("rejected");
    expect(flagged.decided_category).toBe("none");
    expect(flagged.needs_rereview).toBe(true);
    expect(flagged.blocks_provisioning).toBe(true);
    expect(flagged.rereview_evidence).toMatchObject({ proposed_category: "email" });
    const events = await db
      .selectFrom("governance.catalog_review_events")
      .select(["action", "category"])
      .where("column_id", "=", col.id)
      .orderBy("id")
      .execute();
    expect(events.at(-1)).toEqual({ action: "flagged", category: "email" });

    await reviewColumns(db, {
      target: { ids: [col.id] },
      action: "accept",
      actor: "steward@govern.local",
    });
    await rescan();
    const confirmed = await column("drift_probe", "col_17");
    expect(confirmed.review_status).toBe("accepted");
    expect(confirmed.decided_category).toBe("email");
    expect(confirmed.needs_rereview).toBe(false);
  }, 60_000);

  test("a changed type keeps the decision and flags it", async () => {
    const note = await column("drift_probe", "note");
    await reviewColumns(db, { target: { ids: [note.id] }, action: "accept", actor: "s" });
    await sql`ALTER TABLE public.drift_probe ALTER COLUMN note TYPE varchar(200)`.execute(db);
    await rescan();
    const after = await column("drift_probe", "note");
    expect(after.review_status).toBe("accepted");
    expect(after.needs_rereview).toBe(true);
    expect(after.version).toBe(3);
  }, 30_000);

  test("bulk accept by category and minimum confidence takes only pending proposals that match", async () => {
    const expected = await db
      .selectFrom("governance.catalog_columns")
      .select("id")
      .where("proposed_category", "=", "phone")
      .where("confidence", ">=", 0.9)
      .where("dropped_at", "is", null)
      .where((eb) => eb.or([eb("review_status", "=", "pending"), eb("needs_rereview", "=", true)]))
      .execute();
    expect(expected.length).toBeGreaterThan(2);
    const result = await reviewColumns(db, {
      target: { filter: { category: "phone", minConfidence: 0.9 } },
      action: "accept",
      comment: "bulk",
      actor: "steward@govern.local",
    });
    expect(result.changed).toBe(expected.length);
    expect(new Set(result.ids)).toEqual(new Set(expected.map((e) => e.id)));
    const phone = await column("customers", "phone");
    expect(phone.review_status).toBe("accepted");
    expect(phone.decided_category).toBe("phone");
    const email = await column("customers", "email");
    expect(email.review_status).toBe("overridden");
    const users = await column("users", "email");
    expect(users.review_status).toBe("pending");
    const events = await db
      .selectFrom("governance.catalog_review_events")
      .select(sql<number>`count(*)::int`.as("n"))
      .where("action", "=", "accepted")
      .where("comment", "=", "bulk")
      .executeTakeFirstOrThrow();
    expect(events.n).toBe(expected.length);
    await expect(
      reviewColumns(db, {
        target: { ids: ["not-a-uuid"] },
        action: "accept",
        actor: "s",
      }),
    ).rejects.toThrow(/not a column id/);
  });
});
