import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { runCatalogScan } from "../jobs/classify/scan.ts";
import { runEtl } from "../jobs/etl/etl.ts";
import { approveRequest } from "../jobs/retention/approvals.ts";
import { executeErasure, planErasure } from "../jobs/retention/erasure.ts";
import { analyticsMatch, analyticsStringColumns } from "../jobs/retention/erasure-proof.ts";
import { executeRequest } from "../jobs/retention/executor.ts";
import { getRequest } from "../jobs/retention/requests.ts";
import { startOfTodayUtc } from "../masking/demo-platform/clock.ts";
import { seedDemoPlatform } from "../masking/demo-platform/index.ts";
import {
  type AnalyticsStore,
  createAnalyticsStore,
  migrateAnalytics,
} from "../schema/analytics/analytics-store.ts";
import type { Config } from "../schema/config.ts";
import { reviewColumns } from "../schema/governance/catalog-review.repository.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

/**
 * The right to erasure end to end: a seeded demo platform loaded into the analytics store by the
 * ETL and scanned by the catalog; one customer erased on a compliance officer's approval.
 * Afterwards their email and phone appear in no table of either store (checked here
 * independently of the engine's own proof), while their invoices and payments are kept,
 * anonymized. Which columns are personal comes from the catalog: a table of our own that no
 * fixed list names has its catalog-classified column anonymized, and a table the catalog never
 * scanned falls back to the fixed lists (scrubbed).
 */

type Person = {
  tenant_id: string;
  id: string;
  business_id: string;
  email: string;
  phone: string;
  first_name: string;
  invoices: number;
};

let database: TestDatabase;
let pool: pg.Pool;
let config: Config;
let store: AnalyticsStore;
let archiveDir: string;
let person: Person;
const dataDir = resolve(".data/test-clickhouse", `erasure-${randomBytes(6).toString("hex")}`);

beforeAll(async () => {
  database = await createTestDatabase("retention_erasure", {
    demoPartitionsFor: startOfTodayUtc(),
  });
  archiveDir = mkdtempSync(join(tmpdir(), "govern-erasure-"));
  config = { ...database.config, archiveDir };
  pool = new pg.Pool({ connectionString: config.databaseUrl, max: 4 });
  await seedDemoPlatform(pool, { tenants: 2, customersPerTenant: 15, seed: 97 });
  // The customer with the most invoices, whose email and phone are spread across tables.
  const pick = await sql<Person>`
    SELECT c.tenant_id::text, c.id::text, c.business_id::text, c.email, c.phone, c.first_name,
           (SELECT count(*)::int FROM invoices i WHERE i.customer_id = c.id) AS invoices
    FROM customers c WHERE c.email IS NOT NULL AND c.phone IS NOT NULL AND c.first_name IS NOT NULL
    ORDER BY invoices DESC, c.id LIMIT 1`.execute(database.owner);
  const picked = pick.rows[0];
  if (!picked) {
    throw new Error("no customer seeded");
  }
  person = picked;
  // A table no fixed list names, linked to customers: `alias` holds first names only (no
  // identifier of the person), so only the catalog's classification can make it personal.
  await sql`CREATE TABLE public.loyalty_members (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(), tenant_id uuid NOT NULL,
      customer_id uuid NOT NULL, alias text, tier text NOT NULL,
      FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id))`.execute(
    database.owner,
  );
  await sql`GRANT SELECT ON public.loyalty_members TO govern_reader`.execute(database.owner);
  await sql`INSERT INTO public.loyalty_members (tenant_id, customer_id, alias, tier)
      SELECT tenant_id, id, first_name, 'gold' FROM customers`.execute(database.owner);
  await runCatalogScan({ db: database.owner }, { triggeredBy: "test", stores: ["postgres"] });
  const alias = await sql<{ id: string }>`
    SELECT id::text FROM governance.catalog_columns
    WHERE table_name = 'loyalty_members' AND column_name = 'alias' AND json_path = ''`.execute(
    database.owner,
  );
  await reviewColumns(database.owner, {
    target: { ids: alias.rows.map((r) => r.id) },
    action: "override",
    category: "person_name",
    actor: "steward@example.test",
  });
  // A table created after the scan: the catalog does not know it, the fixed lists decide.
  await sql`CREATE TABLE public.referral_notes (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(), tenant_id uuid NOT NULL, note text)`.execute(
    database.owner,
  );
  await sql`INSERT INTO public.referral_notes (tenant_id, note) VALUES
      (${person.tenant_id}, ${`referred by ${person.email}`}),
      (${person.tenant_id}, 'walk-in, no referrer')`.execute(database.owner);
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

type ErasurePlanTable = {
  table: string;
  action: string;
  actionSource: string;
  reach: string;
  anonymize: Record<string, string>;
  scrubColumns: string[] | null;
  mentions: { rows: number; scrubColumns: string[] | null } | null;
  columnSource: string | null;
  columnCategories: Record<string, string>;
  columnWhy: string;
};

/** A communication's columns that an erasure could change. */
async function communication(id: string) {
  const rows = await sql<{
    recipient_type: string | null;
    recipient_id: string | null;
    recipient_info: unknown;
    subject: string | null;
    content: string | null;
    status: string | null;
  }>`
    SELECT recipient_type, recipient_id::text, recipient_info, subject, content, status
    FROM communications WHERE id = ${id}`.execute(database.owner);
  return rows.rows[0];
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
  expect(person.invoices).toBeGreaterThan(0);
  // An event about them carrying their contact details, so the analytics store holds them too.
  await sql`
    INSERT INTO business_events (time, tenant_id, business_id, event_type, event_name, customer_id, properties)
    VALUES (now() - interval '1 hour', ${person.tenant_id}, ${person.business_id}, 'form_submit',
            'contact_form', ${person.id},
            ${JSON.stringify({ email: person.email, phone: person.phone })}::jsonb)`.execute(
    database.owner,
  );
  // Another customer's message that mentions them: someone else's row, only the email goes.
  const otherMessage = await sql<{ id: string; recipient_id: string }>`
    INSERT INTO communications (tenant_id, business_id, recipient_type, recipient_id,
      recipient_info, communication_type, direction, subject, content, status)
    SELECT c.tenant_id, c.business_id, 'customer', c.id,
      jsonb_build_object('email', c.email, 'name', c.first_name), 'email', 'inbound',
      'Referral', ${`My neighbour ${person.email} recommended you. Call me back.`}, 'delivered'
    FROM customers c
    WHERE c.tenant_id = ${person.tenant_id} AND c.id <> ${person.id} AND c.email IS NOT NULL
    ORDER BY c.id LIMIT 1
    RETURNING id::text, recipient_id::text`.execute(database.owner);
  const mention = otherMessage.rows[0];
  if (!mention) {
    throw new Error("no second customer");
  }
  const mentionBefore = await communication(mention.id);
  // The other customer's referral event naming them: a row of a table keyed by a digest of the
  // row (no single-column key), someone else's, so scrubbed and kept.
  await sql`
    INSERT INTO business_events (time, tenant_id, business_id, event_type, event_name, customer_id, properties)
    VALUES (now() - interval '2 hours', ${person.tenant_id}, ${person.business_id}, 'form_submit',
            'referral_form', ${mention.recipient_id},
            ${JSON.stringify({ referred_by: person.email, channel: "web" })}::jsonb)`.execute(
    database.owner,
  );
  // A document tagged with their email (text[]), about no one in particular.
  await sql`INSERT INTO documents (tenant_id, business_id, filename, tags, description)
    VALUES (${person.tenant_id}, ${person.business_id}, 'referral.pdf',
            ARRAY['referral', ${person.email}, NULL, ${`from ${person.phone}`}]::text[], 'scan')`.execute(
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
  // Each table's decisions say where they came from.
  const planned = new Map(
    (request.definition.tables as unknown as ErasurePlanTable[]).map((t) => [t.table, t] as const),
  );
  expect(planned.get("customers")).toMatchObject({
    action: "anonymize",
    actionSource: "fixed_list",
    columnSource: "catalog",
    anonymize: { email: "null", first_name: "redact" },
    columnCategories: { email: "email", first_name: "person_name" },
  });
  expect(planned.get("invoices")).toMatchObject({
    action: "anonymize",
    actionSource: "financial_schedule",
  });
  expect(planned.get("loyalty_members")).toMatchObject({
    action: "anonymize",
    actionSource: "default",
    reach: "linked",
    columnSource: "catalog",
    anonymize: { alias: "redact" },
    columnCategories: { alias: "person_name" },
  });
  expect(planned.get("loyalty_members")?.scrubColumns).toContain("tier");
  expect(request.counts.loyalty_members).toBe(1);
  expect(planned.get("referral_notes")).toMatchObject({
    action: "scrub",
    reach: "mentioned",
    columnSource: "fixed_list",
    anonymize: {},
    scrubColumns: null,
    mentions: { rows: 1, scrubColumns: null },
  });
  // Their messages are anonymized, the other customer's message naming them only scrubbed.
  const communications = planned.get("communications");
  expect(communications).toMatchObject({ action: "anonymize", reach: "both" });
  expect(communications?.mentions?.rows).toBeGreaterThanOrEqual(1);
  const treatments = await sql<{ table_name: string; treatment: string; located: boolean }>`
    SELECT table_name, treatment, bool_and(tid IS NOT NULL) AS located
    FROM governance.retention_request_keys WHERE request_id = ${request.id}
      AND (table_name IN ('communications', 'documents') OR treatment = 'scrub')
    GROUP BY table_name, treatment`.execute(database.owner);
  expect(treatments.rows).toContainEqual({
    table_name: "communications",
    treatment: "scrub",
    located: true,
  });
  expect(treatments.rows).toContainEqual({
    table_name: "communications",
    treatment: "act",
    located: true,
  });
  expect(treatments.rows).toContainEqual({
    table_name: "documents",
    treatment: "scrub",
    located: true,
  });
  expect(planned.get("referral_notes")?.columnWhy).toMatch(/not scanned/);
  expect(request.counts.referral_notes).toBe(1);

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
  // The catalog-classified column of a table no fixed list names: anonymized for this person
  // only; the table the catalog never saw: scrubbed.
  const members = await sql<{ alias: string | null; tier: string; mine: boolean }>`
    SELECT alias, tier, customer_id = ${person.id} AS mine FROM loyalty_members
    WHERE tenant_id = ${person.tenant_id}`.execute(database.owner);
  const mine = members.rows.filter((m) => m.mine);
  expect(mine).toEqual([{ alias: "REDACTED", tier: "gold", mine: true }]);
  expect(members.rows.filter((m) => !m.mine && m.alias === "REDACTED")).toEqual([]);
  const notes = await sql<{ note: string }>`
    SELECT note FROM referral_notes ORDER BY note`.execute(database.owner);
  expect(notes.rows.map((r) => r.note)).toEqual(["referred by [erased]", "walk-in, no referrer"]);
  // The other customer's message: only the email replaced; its recipient and the rest kept.
  const mentionAfter = await communication(mention.id);
  expect(mentionAfter).toEqual({
    ...mentionBefore,
    content: "My neighbour [erased] recommended you. Call me back.",
  });
  expect(mentionAfter?.recipient_id).toBe(mention.recipient_id);
  expect(mentionAfter?.recipient_info).toMatchObject({ email: expect.stringContaining("@") });
  const scrubbed = await sql<{ action: string }>`
    SELECT l.action FROM governance.retention_ledger l
    WHERE l.request_id = ${request.id} AND l.table_name = 'communications'
      AND l.key = ${mention.id}`.execute(database.owner);
  expect(scrubbed.rows).toEqual([{ action: "scrub" }]);
  expect(outcome.certificate.body.tables.communications).toMatchObject({
    action: "anonymize + scrub",
    byAction: { scrub: communications?.mentions?.rows },
  });
  const referral = await sql<{ customer_id: string; properties: unknown }>`
    SELECT customer_id::text, properties FROM business_events
    WHERE tenant_id = ${person.tenant_id} AND event_name = 'referral_form'`.execute(database.owner);
  expect(referral.rows).toEqual([
    {
      customer_id: mention.recipient_id,
      properties: { referred_by: "[erased]", channel: "web" },
    },
  ]);
  expect(planned.get("business_events")).toMatchObject({
    action: "delete",
    actionSource: "no_single_key",
    reach: "both",
    mentions: { rows: 1 },
  });
  // The text[] column: each element scrubbed, in order, NULL kept.
  const documents = await sql<{ tags: (string | null)[] }>`
    SELECT tags FROM documents WHERE filename = 'referral.pdf'`.execute(database.owner);
  expect(documents.rows.map((r) => r.tags)).toEqual([
    ["referral", "[erased]", null, "from [erased]"],
  ]);
  const done = await getRequest(database.owner, request.id);
  expect(done?.status).toBe("done");
  expect(done?.subject.sealed_identifiers).toBeUndefined();
}, 180_000);

test("a table the catalog does not know falls back to the fixed lists, and the plan says so", async () => {
  const pick = await sql<{ tenant_id: string; id: string; email: string }>`
    SELECT tenant_id::text, id::text, email FROM customers
    WHERE email IS NOT NULL AND company_name IS NOT NULL AND id <> ${person.id}
    ORDER BY id LIMIT 1`.execute(database.owner);
  const other = pick.rows[0];
  if (!other) {
    throw new Error("no second customer with a company name");
  }
  // The catalog forgets the customers table (as if it were added after the last scan).
  await sql`DELETE FROM governance.catalog_tables
    WHERE store = 'postgres' AND table_name = 'customers'`.execute(database.owner);
  const request = await planErasure(
    { db: database.owner, config },
    { tenantId: other.tenant_id, customerId: other.id, requestedBy: "alice@compliance.test" },
  );
  const customers = (request.definition.tables as unknown as ErasurePlanTable[]).find(
    (t) => t.table === "customers",
  );
  // The fixed list nulls company_name, which the catalog does not count as personal.
  expect(customers).toMatchObject({
    columnSource: "fixed_list",
    columnCategories: {},
    anonymize: { company_name: "null", first_name: "redact" },
    scrubColumns: null,
  });
  expect(customers?.columnWhy).toMatch(/not scanned/);
  const approval = await approveRequest(database.owner, {
    requestId: request.id,
    decider: { name: "bob@compliance.test", role: "compliance_officer" },
    reason: "GDPR art. 17",
  });
  expect(approval.ok, JSON.stringify(approval)).toBe(true);
  const outcome = await executeErasure({ db: database.owner, pool, config }, request.id, {
    actor: "worker",
  });
  expect(outcome.outcome, JSON.stringify(outcome)).toBe("done");
  expect(await postgresTraces(other.email)).toEqual({});
  const row = await sql<{ company_name: string | null; first_name: string | null }>`
    SELECT company_name, first_name FROM customers WHERE id = ${other.id}`.execute(database.owner);
  expect(row.rows[0]).toEqual({ company_name: null, first_name: "REDACTED" });
}, 120_000);

test("an erasure scrubs only the columns its plan lists, text arrays included, and refuses a plan that scrubs a column holding no text", async () => {
  const tenant = person.tenant_id;
  const needle = "zq@ex.test";
  await sql`CREATE TABLE public.erasure_notes (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(), tenant_id uuid NOT NULL,
      note text, memo text, labels varchar(12)[], amount integer)`.execute(database.owner);
  const inserted = await sql<{ id: string }>`
    INSERT INTO public.erasure_notes (tenant_id, note, memo, labels, amount)
    VALUES (${tenant}, ${`from ${needle}`}, ${`cc ${needle}`},
            ARRAY['a', ${`x ${needle}`}]::varchar(12)[], 7)
    RETURNING id::text`.execute(database.owner);
  const id = inserted.rows[0]?.id as string;
  /** A hand-made approved erasure of one key (treatment scrub) with the given scrub list. */
  const requestFor = async (scrubColumns: string[]) => {
    const definition = {
      tables: [
        {
          table: "erasure_notes",
          action: "scrub",
          anonymize: {},
          scrub: true,
          scrubColumns,
          mentions: { rows: 1, scrubColumns },
        },
      ],
    };
    const row = await sql<{ id: string }>`
      INSERT INTO governance.retention_requests (kind, tenant_id, subject, definition, counts,
        total_rows, fingerprint, status, requires_approval, requested_by, approved_by, approved_at,
        approved_fingerprint, approval_expires_at)
      VALUES ('erasure', ${tenant}, '{}'::jsonb, ${JSON.stringify(definition)}::jsonb,
        '{"erasure_notes": 1}'::jsonb, 1, 'fp-scrub', 'approved', false, 'alice@compliance.test',
        'policy', now(), 'fp-scrub', now() + interval '1 day')
      RETURNING id::text AS id`.execute(database.owner);
    const requestId = row.rows[0]?.id as string;
    await sql`INSERT INTO governance.retention_request_keys (request_id, table_name, key, ord, treatment)
      VALUES (${requestId}::uuid, 'erasure_notes', ${id}, 0, 'scrub')`.execute(database.owner);
    return requestId;
  };
  const refused = await executeRequest(
    { db: database.owner, pool, config },
    await requestFor(["note", "amount"]),
    { actor: "worker", checkDrift: false, identifiers: [needle] },
  );
  expect(refused).toMatchObject({ outcome: "refused", reason: "invalid_plan" });
  expect(refused.outcome === "refused" && refused.message).toMatch(/erasure_notes\.amount/);
  const outcome = await executeRequest(
    { db: database.owner, pool, config },
    await requestFor(["note", "labels"]),
    { actor: "worker", checkDrift: false, identifiers: [needle] },
  );
  expect(outcome.outcome, JSON.stringify(outcome)).toBe("done");
  const row = await sql<{ note: string; memo: string; labels: string[]; amount: number }>`
    SELECT note, memo, labels, amount FROM public.erasure_notes WHERE id = ${id}`.execute(
    database.owner,
  );
  // memo is not on the list: left as it was.
  expect(row.rows[0]).toEqual({
    note: "from [erased]",
    memo: `cc ${needle}`,
    labels: ["a", "x [erased]"],
    amount: 7,
  });
}, 60_000);

test("a table's rows about the person and rows that mention them, planned interleaved, resume after a failed batch without skipping or repeating either kind", async () => {
  const tenant = person.tenant_id;
  const needle = "yv@ex.test";
  await sql`CREATE TABLE public.erasure_mixed (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(), tenant_id uuid NOT NULL,
      n integer NOT NULL, note text, memo text)`.execute(database.owner);
  const rows = await sql<{ id: string; n: number }>`
    INSERT INTO public.erasure_mixed (tenant_id, n, note, memo)
    SELECT ${tenant}, n, ${`about ${needle}`}, 'private' FROM generate_series(1, 4) n
    RETURNING id::text, n`.execute(database.owner);
  const definition = {
    tables: [
      {
        table: "erasure_mixed",
        action: "anonymize",
        anonymize: { memo: "null" },
        scrub: true,
        scrubColumns: ["note"],
        mentions: { rows: 2, scrubColumns: null },
      },
    ],
  };
  const inserted = await sql<{ id: string }>`
    INSERT INTO governance.retention_requests (kind, tenant_id, subject, definition, counts,
      total_rows, fingerprint, status, requires_approval, requested_by, approved_by, approved_at,
      approved_fingerprint, approval_expires_at)
    VALUES ('erasure', ${tenant}, '{}'::jsonb, ${JSON.stringify(definition)}::jsonb,
      '{"erasure_mixed": 4}'::jsonb, 4, 'fp-mixed', 'approved', false, 'alice@compliance.test',
      'policy', now(), 'fp-mixed', now() + interval '1 day')
    RETURNING id::text AS id`.execute(database.owner);
  const requestId = inserted.rows[0]?.id as string;
  // Odd rows are the person's, even rows mention them; positions alternate between the two.
  for (const row of [...rows.rows].sort((a, b) => a.n - b.n)) {
    await sql`INSERT INTO governance.retention_request_keys (request_id, table_name, key, ord, treatment)
      VALUES (${requestId}::uuid, 'erasure_mixed', ${row.id}, 0,
              ${row.n % 2 === 1 ? "act" : "scrub"})`.execute(database.owner);
  }
  const deps = { db: database.owner, pool, config };
  let calls = 0;
  // The third batch (the first of the mentions) fails before it starts.
  await expect(
    executeRequest(deps, requestId, {
      actor: "worker",
      checkDrift: false,
      identifiers: [needle],
      batchSize: 1,
      beforeBatch: async () => {
        calls += 1;
        if (calls === 3) {
          throw new Error("worker lost");
        }
      },
    }),
  ).rejects.toThrow("worker lost");
  const outcome = await executeRequest(deps, requestId, {
    actor: "worker",
    checkDrift: false,
    identifiers: [needle],
    batchSize: 1,
  });
  expect(outcome.outcome, JSON.stringify(outcome)).toBe("done");
  const after = await sql<{ n: number; note: string; memo: string | null }>`
    SELECT n, note, memo FROM public.erasure_mixed ORDER BY n`.execute(database.owner);
  expect(after.rows).toEqual([
    { n: 1, note: "about [erased]", memo: null },
    { n: 2, note: "about [erased]", memo: "private" },
    { n: 3, note: "about [erased]", memo: null },
    { n: 4, note: "about [erased]", memo: "private" },
  ]);
  const ledger = await sql<{ action: string; n: number }>`
    SELECT action, count(*)::int AS n FROM governance.retention_ledger
    WHERE request_id = ${requestId} GROUP BY action ORDER BY action`.execute(database.owner);
  expect(ledger.rows).toEqual([
    { action: "anonymize", n: 2 },
    { action: "scrub", n: 2 },
  ]);
  if (outcome.outcome === "done") {
    expect(outcome.certificate.body.tables.erasure_mixed).toMatchObject({
      planned: 4,
      done: 4,
      action: "anonymize + scrub",
      byAction: { anonymize: 2, scrub: 2 },
    });
  }
}, 60_000);

test("an erasure whose person's data changed after planning cannot be approved, and one approved cannot run once the data changed again: refused, nothing erased", async () => {
  const picked = await sql<{ tenant_id: string; id: string; email: string }>`
    SELECT tenant_id::text, id::text, email FROM customers
    WHERE email IS NOT NULL AND id <> ${person.id}::uuid ORDER BY id LIMIT 1`.execute(
    database.owner,
  );
  const other = picked.rows[0];
  if (!other) {
    throw new Error("no second customer");
  }
  await sql`CREATE TABLE public.erasure_late (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(), tenant_id uuid NOT NULL, note text)`.execute(
    database.owner,
  );
  const mention = () =>
    sql`INSERT INTO public.erasure_late (tenant_id, note)
      VALUES (${other.tenant_id}, ${`call back ${other.email}`})`.execute(database.owner);
  const deps = { db: database.owner, config };
  const input = { tenantId: other.tenant_id, customerId: other.id, requestedBy: "alice@c.test" };
  const bob = { name: "bob@c.test", role: "compliance_officer" as const };

  const first = await planErasure(deps, input);
  // A new message naming the person after planning: the approved plan would miss it.
  await mention();
  const refused = await approveRequest(database.owner, {
    requestId: first.id,
    decider: bob,
    reason: "GDPR art. 17",
  });
  expect(refused).toMatchObject({ ok: false, code: "fingerprint_mismatch" });
  expect((await getRequest(database.owner, first.id))?.status).toBe("pending_approval");

  // Planned again: the stale request is superseded, the new plan includes the message.
  const second = await planErasure(deps, input);
  expect(second.id).not.toBe(first.id);
  expect((await getRequest(database.owner, first.id))?.status).toBe("expired");
  expect(second.counts.erasure_late).toBe(1);
  const approved = await approveRequest(database.owner, {
    requestId: second.id,
    decider: bob,
    reason: "GDPR art. 17",
  });
  expect(approved.ok, JSON.stringify(approved)).toBe(true);

  // Another one between approval and execution: the executor refuses before any batch.
  await mention();
  const outcome = await executeErasure({ ...deps, pool }, second.id, { actor: "bob@c.test" });
  expect(outcome).toMatchObject({ outcome: "refused", reason: "fingerprint_mismatch" });
  expect((await getRequest(database.owner, second.id))?.status).toBe("expired");
  const still = await sql<{ email: string | null; ledger: number }>`
    SELECT email, (SELECT count(*)::int FROM governance.retention_ledger
                   WHERE request_id = ${second.id}::uuid) AS ledger
    FROM customers WHERE id = ${other.id}::uuid`.execute(database.owner);
  expect(still.rows[0]).toEqual({ email: other.email, ledger: 0 });
}, 180_000);
