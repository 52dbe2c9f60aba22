import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { runEtl } from "../jobs/etl/etl.ts";
import { approveRequest } from "../jobs/retention/approvals.ts";
import { executeErasure, planErasure } from "../jobs/retention/erasure.ts";
import { analyticsMatch, analyticsStringColumns } from "../jobs/retention/erasure-proof.ts";
import { getRequest } from "../jobs/retention/requests.ts";
import { seedDemoPlatform } from "../masking/demo-platform/index.ts";
import {
  type AnalyticsStore,
  createAnalyticsStore,
  migrateAnalytics,
} from "../schema/analytics/analytics-store.ts";
import type { Config } from "../schema/config.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

/**
 * The right to erasure end to end: a seeded demo platform loaded into the analytics store by the
 * ETL; one customer erased on a compliance officer's approval. Afterwards their email and phone
 * appear in no table of either store (checked here independently of the engine's own proof),
 * while their invoices and payments are kept, anonymized.
 */

let database: TestDatabase;
let pool: pg.Pool;
let config: Config;
let store: AnalyticsStore;
let archiveDir: string;
const dataDir = resolve(".data/test-clickhouse", `erasure-${randomBytes(6).toString("hex")}`);

beforeAll(async () => {
  database = await createTestDatabase("retention_erasure");
  archiveDir = mkdtempSync(join(tmpdir(), "govern-erasure-"));
  config = { ...database.config, archiveDir };
  pool = new pg.Pool({ connectionString: config.databaseUrl, max: 4 });
  await seedDemoPlatform(pool, { tenants: 2, customersPerTenant: 15, seed: 97 });
  store = await createAnalyticsStore({
    ...config,
    clickhouse: { database: "govern_erasure_test", dataDir },
  });
  await migrateAnalytics(store);
}, 180_000);

afterAll(async () => {
  await store?.close();
  await pool?.end();
  await database?.drop();
  rmSync(archiveDir, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
});

/** Rows of every operational table whose text form holds the needle (case-insensitive). */
async function postgresTraces(needle: string): Promise<Record<string, number>> {
  const tables = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
    WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition`.execute(database.owner);
  const out: Record<string, number> = {};
  for (const { name } of tables.rows) {
    const r = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM ${sql.table(name)} t
      WHERE strpos(lower((t.*)::text), lower(${needle})) > 0`.execute(database.owner);
    if ((r.rows[0]?.n ?? 0) > 0) {
      out[name] = r.rows[0]?.n ?? 0;
    }
  }
  return out;
}

async function analyticsTraces(needle: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [table, entry] of await analyticsStringColumns(store)) {
    if (!entry.columns.length) {
      continue;
    }
    const rows = await store.query<{ n: string }>(
      `SELECT count() AS n FROM {table:Identifier} WHERE ${analyticsMatch(entry.columns)}`,
      { table, needles: [needle] },
    );
    if (Number(rows[0]?.n ?? 0) > 0) {
      out[table] = Number(rows[0]?.n);
    }
  }
  return out;
}

test("erasing a seeded customer leaves no trace of their email or phone in any table of either store; invoices and payments stay, anonymized", async () => {
  // The customer with the most invoices, whose email and phone are spread across tables.
  const pick = await sql<{
    tenant_id: string;
    id: string;
    business_id: string;
    email: string;
    phone: string;
    invoices: number;
  }>`
    SELECT c.tenant_id::text, c.id::text, c.business_id::text, c.email, c.phone,
           (SELECT count(*)::int FROM invoices i WHERE i.customer_id = c.id) AS invoices
    FROM customers c WHERE c.email IS NOT NULL AND c.phone IS NOT NULL
    ORDER BY invoices DESC, c.id LIMIT 1`.execute(database.owner);
  const person = pick.rows[0];
  if (!person) {
    throw new Error("no customer seeded");
  }
  expect(person.invoices).toBeGreaterThan(0);
  // An event about them carrying their contact details, so the analytics store holds them too.
  await sql`
    INSERT INTO business_events (time, tenant_id, business_id, event_type, event_name, customer_id, properties)
    VALUES (now() - interval '1 hour', ${person.tenant_id}, ${person.business_id}, 'form_submit',
            'contact_form', ${person.id},
            ${JSON.stringify({ email: person.email, phone: person.phone })}::jsonb)`.execute(
    database.owner,
  );
  await runEtl({ db: database.owner, pool, store });
  expect(Object.keys(await postgresTraces(person.email)).length).toBeGreaterThan(1);
  expect(Object.keys(await analyticsTraces(person.email)).length).toBeGreaterThan(0);

  const request = await planErasure(
    { db: database.owner, config },
    { tenantId: person.tenant_id, customerId: person.id, requestedBy: "alice@compliance.test" },
  );
  expect(request.kind).toBe("erasure");
  expect(request.status).toBe("pending_approval");
  expect(request.counts.customers).toBe(1);
  expect(request.counts.invoices).toBe(person.invoices);
  expect(request.totalRows).toBeGreaterThan(person.invoices);

  const refused = await executeErasure(
    { db: database.owner, pool, config, analytics: store },
    request.id,
    {
      actor: "worker",
    },
  );
  expect(refused.outcome).toBe("refused");

  const approval = await approveRequest(database.owner, {
    requestId: request.id,
    decider: { name: "bob@compliance.test", role: "compliance_officer" },
    reason: "GDPR art. 17 request from the customer",
  });
  expect(approval.ok, JSON.stringify(approval)).toBe(true);
  const outcome = await executeErasure(
    { db: database.owner, pool, config, analytics: store },
    request.id,
    { actor: "worker", batchSize: 50 },
  );
  expect(outcome.outcome, JSON.stringify(outcome)).toBe("done");
  if (outcome.outcome !== "done") {
    return;
  }
  const proof = outcome.certificate.body.proof as {
    clean: boolean;
    postgres: { matches: Record<string, number>; tables: number };
    clickhouse: { matches: Record<string, number>; tables: number };
  };
  expect(proof.clean, JSON.stringify(proof)).toBe(true);
  expect(proof.postgres.tables).toBeGreaterThan(20);
  expect(proof.clickhouse.tables).toBeGreaterThan(0);
  expect(JSON.stringify(outcome.certificate.body)).not.toContain(person.email);

  // Independently of the engine's proof: nowhere in either store.
  for (const needle of [person.email, person.phone]) {
    expect(await postgresTraces(needle), needle).toEqual({});
    expect(await analyticsTraces(needle), needle).toEqual({});
  }
  // Financial records kept for their legal period, anonymized.
  const invoices = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM invoices WHERE customer_id = ${person.id}`.execute(
    database.owner,
  );
  expect(invoices.rows[0]?.n).toBe(person.invoices);
  const customer = await sql<{ email: string | null; first_name: string | null }>`
    SELECT email, first_name FROM customers WHERE id = ${person.id}`.execute(database.owner);
  expect(customer.rows[0]?.email).toBeNull();
  expect(customer.rows[0]?.first_name).toBe("REDACTED");
  const done = await getRequest(database.owner, request.id);
  expect(done?.status).toBe("done");
  expect(done?.subject.sealed_identifiers).toBeUndefined();
}, 180_000);
