import { readdirSync } from "node:fs";
import { join } from "node:path";
import { sql } from "kysely";
import type pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { approveRequest } from "../jobs/retention/approvals.ts";
import { getCertificate } from "../jobs/retention/certificate.ts";
import { planErasure } from "../jobs/retention/erasure.ts";
import { runRetentionExecuteJob } from "../jobs/retention/execute.handler.ts";
import { runTiering } from "../jobs/tiering/run.ts";
import type { AnalyticsStore } from "../schema/analytics/analytics-store.ts";
import type { Config } from "../schema/config.ts";
import type { TestDatabase } from "./support/database.ts";
import { openTieredPlatform, type TieredPlatform } from "./support/tiered-platform.ts";

/**
 * Erasure after tiering, end to end: a tenant's old rows are moved to cold and archived to
 * Parquet, one person's erasure is planned, approved by a compliance officer and executed by the
 * retention job. Then, with readers written here (not the product's): every Parquet file under
 * the archive folder is read with ClickHouse `file()` and every cold table with a plain SELECT,
 * every row printed whole, and Postgres's operational tables are searched as text. The person's
 * id, email and phone are in none of them; everyone else's rows are all still there (counts
 * per table and tier), and another customer's interaction that named the person is kept with
 * the name scrubbed. A message sent to the person (linked through its recipient, not a customer
 * column) is treated in the archive as its twin in Postgres is: kept, the same text left.
 */

let platform: TieredPlatform;
let archiveDir: string;
const TABLES = ["customer_interactions", "payments", "communications"];

let database: TestDatabase;
let config: Config;
let pool: pg.Pool;
let store: AnalyticsStore;
type Person = {
  tenant_id: string;
  id: string;
  email: string;
  phone: string;
  first_name: string;
  last_name: string;
};
let person: Person;
/** Another customer's interaction, archived, whose text names the person. */
let mentionId: string;
/** Two messages sent to the person, with the same text: one hot, one archived. */
let messages: { hot: string; archived: string };

/** Every row of every Parquet file under the archive folder, per table folder, as JSON text. */
async function archiveRows(): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const files = readdirSync(archiveDir, { recursive: true, withFileTypes: true })
    .filter((f) => f.isFile() && f.name.endsWith(".parquet"))
    .map((f) => join(f.parentPath, f.name));
  expect(files.length).toBeGreaterThan(0);
  for (const file of files) {
    const rows = await store.query<Record<string, unknown>>(
      `SELECT * FROM file({path:String}, 'Parquet')`,
      { path: file },
    );
    const table = file.split("/").at(-2) ?? "";
    out.set(table, [...(out.get(table) ?? []), ...rows.map((r) => JSON.stringify(r))]);
  }
  return out;
}

/** Every row of every cold table, as JSON text. */
async function coldRows(): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const tables = await store.query<{ name: string }>(
    "SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE 'tier\\_%\\_cold'",
  );
  for (const { name } of tables) {
    const rows = await store.query<Record<string, unknown>>(`SELECT * FROM \`${name}\``);
    out.set(
      name.replace(/^tier_|_cold$/g, ""),
      rows.map((r) => JSON.stringify(r)),
    );
  }
  return out;
}

/** Whether a row's text holds the person's email or phone. */
function traces(row: string): boolean {
  const text = row.toLowerCase();
  return [person.email, person.phone].some((v) => text.includes(v.toLowerCase()));
}

/** Whether a row is the person's own (their customer id). */
function theirs(row: string): boolean {
  return (JSON.parse(row) as { customer_id?: unknown }).customer_id === person.id;
}

/** The ids of everyone else's rows, per table: none may go. */
function others(rows: Map<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(
    [...rows].map(([table, list]) => [
      table,
      list
        .filter((r) => !theirs(r))
        .map((r) => String((JSON.parse(r) as { id?: unknown }).id))
        .sort(),
    ]),
  );
}

beforeAll(async () => {
  // Rows older than 2 days go cold, older than 60 days to the archive.
  platform = await openTieredPlatform({
    name: "tier-erasure",
    customersPerTenant: 12,
    seed: 41,
    tables: TABLES,
    policy: (table) => `table: ${table}
date_column: created_at
tiers: { hot: 1 day, warm: 2 days, cold: 60 days, archive: 10 years }
business_rules:
  retain_active_customers: false
  comply_with_regulations: []
  preserve_audit_trail: true
`,
    actor: "admin@erase.test",
  });
  ({ database, config, pool, store, archiveDir } = platform);
  // The customer with the most old interactions and payments, with an email and a phone.
  const picked = await sql<Person>`
    SELECT c.tenant_id::text, c.id::text, c.email, c.phone, c.first_name, c.last_name
    FROM customers c
    WHERE c.email IS NOT NULL AND c.phone IS NOT NULL AND c.first_name <> '' AND c.last_name <> ''
    ORDER BY (SELECT count(*) FROM customer_interactions x
              WHERE x.customer_id = c.id AND x.created_at < now() - interval '61 days')
           + (SELECT count(*) FROM payments p
              WHERE p.customer_id = c.id AND p.created_at < now() - interval '3 days') DESC, c.id
    LIMIT 1`.execute(database.owner);
  person = picked.rows[0] as Person;
  // Someone else's call note, 100 days old (archived), that names the person by email.
  const mention = await sql<{ id: string }>`
    INSERT INTO customer_interactions (tenant_id, customer_id, interaction_type, content, created_at)
    SELECT tenant_id, id, 'call', ${`Referred by ${person.email}, call back`}, now() - interval '100 days'
    FROM customers WHERE tenant_id = ${person.tenant_id} AND id <> ${person.id} LIMIT 1
    RETURNING id::text AS id`.execute(database.owner);
  mentionId = mention.rows[0]?.id ?? "";
  const sent = async (age: string) => {
    const made = await sql<{ id: string }>`
      INSERT INTO communications (tenant_id, business_id, recipient_type, recipient_id,
        communication_type, direction, subject, content, created_at)
      SELECT tenant_id, business_id, 'customer', id, 'email', 'outbound', 'Invoice',
        ${`Dear ${person.first_name} ${person.last_name}, your invoice is ready.`},
        now() - ${age}::interval
      FROM customers WHERE id = ${person.id}
      RETURNING id::text AS id`.execute(database.owner);
    return made.rows[0]?.id ?? "";
  };
  messages = { hot: await sent("0 days"), archived: await sent("100 days") };
  await runTiering(
    { db: database.owner, pool, config, analytics: store, requestedBy: "admin@erase.test" },
    { tables: TABLES },
  );
}, 600_000);

afterAll(async () => {
  await platform?.close();
});

test("an approved erasure after archiving leaves the person in no tier and everyone else's rows in place", async () => {
  const archivedBefore = await archiveRows();
  const coldBefore = await coldRows();
  // The person is in both tiers before: their own rows, and the mention.
  expect(archivedBefore.get("customer_interactions")?.some(theirs)).toBe(true);
  expect([...coldBefore.values()].flat().some(theirs)).toBe(true);
  expect(archivedBefore.get("customer_interactions")?.some(traces)).toBe(true);
  expect(archivedBefore.get("customer_interactions")?.some((r) => r.includes(mentionId))).toBe(
    true,
  );

  const request = await planErasure(
    { db: database.owner, config },
    { tenantId: person.tenant_id, customerId: person.id, requestedBy: "alice@erase.test" },
  );
  expect(request.status).toBe("pending_approval");
  const decision = await approveRequest(database.owner, {
    requestId: request.id,
    decider: { name: "bob@erase.test", role: "compliance_officer" },
    reason: "GDPR article 17 request",
  });
  expect(decision.ok, JSON.stringify(decision)).toBe(true);
  const outcome = await runRetentionExecuteJob(
    { db: database.owner, pool, config, analytics: store, progress: async () => {} },
    { action: "execute", requestId: request.id, actor: "bob@erase.test" },
  );
  expect(outcome.outcome, JSON.stringify(outcome)).toBe("done");

  // Archive (every Parquet file) and cold: no trace of the person, every other row kept.
  const archivedAfter = await archiveRows();
  const coldAfter = await coldRows();
  expect([...archivedAfter.values()].flat().filter(traces)).toEqual([]);
  expect([...coldAfter.values()].flat().filter(traces)).toEqual([]);
  // Their interactions are gone from every tier; their payments are financial records, kept
  // (anonymized) in the tiers as Postgres keeps them.
  const theirIds = (tiers: Map<string, string[]>[], table: string) =>
    tiers
      .flatMap((t) => t.get(table) ?? [])
      .filter(theirs)
      .map((r) => String((JSON.parse(r) as { id?: unknown }).id))
      .sort();
  expect(theirIds([archivedAfter, coldAfter], "customer_interactions")).toEqual([]);
  const paymentsBefore = theirIds([archivedBefore, coldBefore], "payments");
  expect(paymentsBefore.length).toBeGreaterThan(0);
  expect(theirIds([archivedAfter, coldAfter], "payments")).toEqual(paymentsBefore);
  expect(others(archivedAfter)).toEqual(others(archivedBefore));
  expect(others(coldAfter)).toEqual(others(coldBefore));
  const scrubbed = archivedAfter.get("customer_interactions")?.find((r) => r.includes(mentionId));
  expect(scrubbed).toContain("Referred by [erased], call back");
  // The message to the person: kept in the archive and in Postgres, with the same text.
  const archivedMessage = archivedAfter
    .get("communications")
    ?.map((r) => JSON.parse(r) as { id: string; content: string | null })
    .find((r) => r.id === messages.archived);
  const hotMessage = await sql<{ content: string | null }>`
    SELECT content FROM communications WHERE id = ${messages.hot}`.execute(database.owner);
  expect(hotMessage.rows[0]?.content).not.toContain(person.last_name);
  expect(archivedMessage?.content).toBe(hotMessage.rows[0]?.content);

  // Postgres: no operational table holds the email or the phone in any column.
  const tables = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition`.execute(
    database.owner,
  );
  for (const { name } of tables.rows) {
    const found = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM public."${name}" t
       WHERE position(lower($1) IN lower(t::text)) > 0 OR position($2 IN t::text) > 0`,
      [person.email, person.phone],
    );
    expect(found.rows[0]?.n, `${name} holds the person`).toBe(0);
  }

  // The certificate's own proof agrees: nothing of them left in any tier.
  const certificate = await getCertificate(database.owner, request.id);
  const proof = (certificate?.body as { proof?: { tiers?: { remaining?: object } } } | undefined)
    ?.proof;
  const remaining = Object.values(proof?.tiers?.remaining ?? {}) as {
    cold: number;
    archive: number;
  }[];
  expect(remaining.length).toBeGreaterThan(0);
  // The archived message to the person went through the recipient rule (kept and treated).
  const erased = (
    certificate?.body as
      | { proof?: { tiers?: { erased?: Record<string, { anonymized?: number }> } } }
      | undefined
  )?.proof?.tiers?.erased;
  expect(erased?.communications?.anonymized ?? 0).toBeGreaterThanOrEqual(1);
  expect(remaining.every((r) => r.cold === 0 && r.archive === 0)).toBe(true);
}, 600_000);
