import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { approveRequest } from "../jobs/retention/approvals.ts";
import { getCertificate } from "../jobs/retention/certificate.ts";
import { runRetentionExecuteJob } from "../jobs/retention/execute.handler.ts";
import { planRetention } from "../jobs/retention/planner.ts";
import type { RetentionRequest } from "../jobs/retention/requests.ts";
import { saveTieringPolicy } from "../jobs/tiering/policies.ts";
import { runTiering } from "../jobs/tiering/run.ts";
import { startOfTodayUtc } from "../masking/demo-platform/clock.ts";
import { seedDemoPlatform } from "../masking/demo-platform/index.ts";
import { loadRetentionSchedule } from "../rules/retention/index.ts";
import type { TRetentionPolicy, TRetentionSchedule } from "../rules/retention/schema.ts";
import {
  type AnalyticsStore,
  createAnalyticsStore,
  migrateAnalytics,
} from "../schema/analytics/analytics-store.ts";
import type { Config } from "../schema/config.ts";
import { insertUser } from "../schema/governance/console-users.repository.ts";
import { createApiToken } from "../server/auth/principal.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

/**
 * Approved retention requests reach the rows tiering moved to cold and the archive, whichever
 * path executes them: the retention job (what the API's execute enqueues) and the CLI (a
 * spawned `govern retention execute`). Checked with queries written here, not the engine's: the
 * cold tables read directly and every archive file read with ClickHouse `file()` over the
 * archive folder.
 * - a deletion rooted at a tiered table deletes the tenant's old rows in cold and the archive,
 *   and nothing younger or of another tenant;
 * - an anonymizing policy keeps the tiered rows, with its columns rewritten;
 * - a deletion of customers (CLI) cascades to their tiered child rows (interactions), while a
 *   customer whose SOX payment (younger than 7 years) is in a tier is kept, with all their rows,
 *   as the planner keeps one whose payment is hot.
 */

const id = randomBytes(4).toString("hex");
const BIN = join(import.meta.dirname, "../bin/govern.js");
const dataDir = resolve(".data/test-clickhouse", `tier-reach-${id}`);
const archiveDir = join(tmpdir(), `govern-tier-reach-${id}`);
const DAY = 86_400_000;

let database: TestDatabase;
let config: Config;
let pool: pg.Pool;
let store: AnalyticsStore | undefined;
let schedule: TRetentionSchedule;
let tenants: string[];
let officerToken: string;
/** A customer of the second tenant with tiered interactions and one tiered payment. */
let customer: string;
/** Another of the second tenant with tiered interactions and no payment. */
let customer2: string;

function analytics(): AnalyticsStore {
  if (!store) {
    throw new Error("the analytics store is closed");
  }
  return store;
}

/**
 * Rows older than 2 days go cold, older than 90 days to the archive; rows of customers active in
 * the last 30 days stay hot, so the retention planner (which reads hot) still finds rows.
 */
const POLICY = (table: string) => `table: ${table}
date_column: created_at
tiers: { hot: 1 day, warm: 2 days, cold: 90 days, archive: 10 years }
business_rules:
  retain_active_customers: true
  active_customer_days: 30
  comply_with_regulations: []
  preserve_audit_trail: true
`;

/** Rows of a table's tiers (cold table and every Parquet file) matching a ClickHouse predicate. */
async function tiered(table: string, where: string): Promise<{ cold: number; archive: number }> {
  const cold = await analytics().query<{ n: string }>(
    `SELECT toString(count()) AS n FROM \`tier_${table}_cold\` WHERE ${where}`,
  );
  const archive = await analytics().query<{ n: string }>(
    `SELECT toString(count()) AS n FROM file('${archiveDir}/tiering/${table}/*.parquet', 'Parquet') WHERE ${where}`,
  );
  return { cold: Number(cold[0]?.n ?? 0), archive: Number(archive[0]?.n ?? 0) };
}

type Reach = { table: string; cold: number; archive: number; keptByGuard?: number };

/** The certificate's record of what the request did in the tiers. */
function certificateTiers(body: unknown): Reach[] | undefined {
  return (body as { tiers?: Reach[] } | undefined)?.tiers;
}

function total(t: { cold: number; archive: number }): number {
  return t.cold + t.archive;
}

async function plan(policy: TRetentionPolicy, tenantId: string): Promise<RetentionRequest> {
  const outcomes = await planRetention(database.owner, {
    requestedBy: "planner@reach.test",
    schedule: { ...schedule, policies: [policy] },
    policyIds: [policy.id],
    tenantIds: [tenantId],
    tiers: { config, analytics: analytics() },
  });
  const request = outcomes[0]?.request;
  if (!request) {
    throw new Error(`nothing planned for ${policy.id}`);
  }
  if (request.status === "approved") {
    return request; // small enough for the policy's own approval
  }
  const decision = await approveRequest(database.owner, {
    requestId: request.id,
    decider: { name: "officer@reach.test", role: "compliance_officer" },
    reason: "retention reaching every tier",
    tiers: { config, analytics: analytics() },
  });
  expect(decision.ok, JSON.stringify(decision)).toBe(true);
  return request;
}

function basePolicy(id: string): TRetentionPolicy {
  const found = loadRetentionSchedule().policies.find((p) => p.id === id);
  if (!found) {
    throw new Error(`no policy ${id}`);
  }
  return { ...found, threshold: 1_000_000 };
}

async function interactions(tenantId: string, customerId: string, ages: number[]): Promise<void> {
  for (const days of ages) {
    await sql`INSERT INTO customer_interactions (tenant_id, customer_id, interaction_type, created_at)
      VALUES (${tenantId}, ${customerId}, 'call', now() - make_interval(days => ${days}))`.execute(
      database.owner,
    );
  }
}

beforeAll(async () => {
  database = await createTestDatabase("tier_reach", { demoPartitionsFor: startOfTodayUtc() });
  config = {
    ...database.config,
    archiveDir,
    clickhouse: { ...database.config.clickhouse, database: "govern_reach", dataDir },
  };
  pool = new pg.Pool({ connectionString: config.databaseUrl, max: 6 });
  const seeded = await seedDemoPlatform(pool, { tenants: 2, customersPerTenant: 12, seed: 23 });
  tenants = seeded.tenantIds;
  schedule = loadRetentionSchedule();
  store = await createAnalyticsStore(config);
  await migrateAnalytics(store);
  for (const table of ["customer_interactions", "payments"]) {
    await saveTieringPolicy(database.owner, {
      table,
      body: POLICY(table),
      actor: "admin@reach.test",
    });
  }
  const user = await insertUser(database.owner, {
    email: "officer2@reach.test",
    displayName: "Officer Two",
    role: "compliance_officer",
    passwordHash: "unused",
  });
  officerToken = (await createApiToken(database.owner, user.id, "reach test")).token;
  // An inactive customer of the second tenant (made here: the demo's all have invoices), with
  // interactions of 100, 50 and 10 days ago and one payment without an invoice, 40 days old:
  // tiering moves them out of hot, where SOX still keeps the payment for 7 years. Nothing of
  // theirs is one of the retention planner's guards in hot.
  const business = await sql<{ id: string }>`
    SELECT business_id::text AS id FROM customers WHERE tenant_id = ${tenants[1]} LIMIT 1`.execute(
    database.owner,
  );
  const businessId = business.rows[0]?.id;
  const made = await sql<{ id: string }>`
    INSERT INTO customers (tenant_id, business_id, first_name, last_name, created_at, last_interaction_at)
    VALUES (${tenants[1]}, ${businessId}, 'Ina', 'Active', now() - interval '1 year', now() - interval '100 days')
    RETURNING id::text AS id`.execute(database.owner);
  customer = made.rows[0]?.id ?? "";
  await interactions(tenants[1] as string, customer, [100, 50, 10]);
  const made2 = await sql<{ id: string }>`
    INSERT INTO customers (tenant_id, business_id, first_name, last_name, created_at, last_interaction_at)
    VALUES (${tenants[1]}, ${businessId}, 'Uwe', 'Unpaid', now() - interval '1 year', now() - interval '100 days')
    RETURNING id::text AS id`.execute(database.owner);
  customer2 = made2.rows[0]?.id ?? "";
  await interactions(tenants[1] as string, customer2, [100, 50, 10]);
  // And one of the first tenant, for the deletion rooted at customer_interactions (cutoff 60
  // days): 100 days (archive) and 70 (cold) go, 50 (cold) stays.
  const first = await sql<{ id: string }>`
    INSERT INTO customers (tenant_id, business_id, first_name, last_name, created_at, last_interaction_at)
    SELECT tenant_id, business_id, 'Olaf', 'Older', now() - interval '1 year', now() - interval '100 days'
    FROM customers WHERE tenant_id = ${tenants[0]} LIMIT 1
    RETURNING id::text AS id`.execute(database.owner);
  await interactions(tenants[0] as string, first.rows[0]?.id ?? "", [100, 70, 50]);
  await sql`INSERT INTO payments (tenant_id, business_id, customer_id, amount, created_at)
    VALUES (${tenants[1]}, ${businessId}, ${customer}, 42, now() - interval '40 days')`.execute(
    database.owner,
  );
  await runTiering(
    { db: database.owner, pool, config, analytics: store, requestedBy: "admin@reach.test" },
    { tables: ["customer_interactions", "payments"] },
  );
}, 600_000);

afterAll(async () => {
  await store?.close();
  await pool?.end();
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(archiveDir, { recursive: true, force: true });
});

const job = (requestId: string) =>
  runRetentionExecuteJob(
    { db: database.owner, pool, config, analytics: analytics(), progress: async () => {} },
    { action: "execute", requestId, actor: "officer@reach.test" },
  );

test("a deletion of a tiered table (the job) deletes the tenant's old rows in cold and the archive, nothing else", async () => {
  const [a, b] = tenants as [string, string];
  const cutoff = new Date(Date.now() - 60 * DAY);
  const old = (tenant: string) =>
    `tenant_id = '${tenant}' AND parseDateTime64BestEffort(created_at) < toDateTime64('${cutoff.toISOString().slice(0, 10)} 00:00:00', 6, 'UTC')`;
  const young = (tenant: string) => `tenant_id = '${tenant}' AND NOT (${old(tenant)})`;
  const before = {
    oldA: await tiered("customer_interactions", old(a)),
    youngA: await tiered("customer_interactions", young(a)),
    b: await tiered("customer_interactions", `tenant_id = '${b}'`),
  };
  // Something to delete in both tiers, and something that must stay.
  expect(before.oldA.archive).toBeGreaterThan(0);
  expect(before.oldA.cold).toBeGreaterThan(0);
  expect(total(before.youngA)).toBeGreaterThan(0);
  expect(total(before.b)).toBeGreaterThan(0);

  const request = await plan(
    { ...basePolicy("ccpa-interactions-2y"), id: "reach-interactions-60d", period: "60 days" },
    a,
  );
  const outcome = await job(request.id);
  expect(outcome.outcome, JSON.stringify(outcome)).toBe("done");

  expect(await tiered("customer_interactions", old(a))).toEqual({ cold: 0, archive: 0 });
  expect(await tiered("customer_interactions", young(a))).toEqual(before.youngA);
  expect(await tiered("customer_interactions", `tenant_id = '${b}'`)).toEqual(before.b);
  const certificate = await getCertificate(database.owner, request.id);
  const tiers = certificateTiers(certificate?.body);
  expect(tiers).toEqual([
    expect.objectContaining({
      table: "customer_interactions",
      cold: before.oldA.cold,
      archive: before.oldA.archive,
    }),
  ]);
}, 300_000);

test("an anonymizing policy (the job) keeps the tiered rows and rewrites their card data", async () => {
  const a = tenants[0] as string;
  const cutoff = new Date(Date.now() - 60 * DAY).toISOString().slice(0, 10);
  const carded = `tenant_id = '${a}' AND parseDateTime64BestEffort(created_at) < toDateTime64('${cutoff} 00:00:00', 6, 'UTC') AND ifNull(credit_card_number, '') != ''`;
  const beforeAll_ = await tiered("payments", `tenant_id = '${a}'`);
  const beforeCarded = await tiered("payments", carded);
  expect(total(beforeCarded)).toBeGreaterThan(0);

  const request = await plan(
    { ...basePolicy("pci-cardholder-data-1y"), id: "reach-pci-60d", period: "60 days" },
    a,
  );
  const outcome = await job(request.id);
  expect(outcome.outcome, JSON.stringify(outcome)).toBe("done");

  // Every payment is still there; none of the old ones holds a card number or a cardholder.
  expect(await tiered("payments", `tenant_id = '${a}'`)).toEqual(beforeAll_);
  expect(await tiered("payments", carded)).toEqual({ cold: 0, archive: 0 });
  const redacted = `tenant_id = '${a}' AND parseDateTime64BestEffort(created_at) < toDateTime64('${cutoff} 00:00:00', 6, 'UTC') AND cardholder_name = 'REDACTED'`;
  expect(total(await tiered("payments", redacted))).toBeGreaterThan(0);
}, 300_000);

test("a deletion of customers (the CLI) cascades to their tiered interactions; one whose SOX payment is in a tier is kept", async () => {
  const b = tenants[1] as string;
  const who = (id: string) => `customer_id = '${id}'`;
  const theirs = await tiered("customer_interactions", who(customer2));
  expect(theirs).toEqual({ cold: 2, archive: 1 });
  const paying = await tiered("customer_interactions", who(customer));
  expect(paying).toEqual({ cold: 2, archive: 1 });
  expect(await tiered("payments", who(customer))).toEqual({ cold: 1, archive: 0 });
  const others = `tenant_id = '${b}' AND customer_id NOT IN ('${customer}', '${customer2}')`;
  const othersBefore = await tiered("customer_interactions", others);
  expect(total(othersBefore)).toBeGreaterThan(0);

  const policy: TRetentionPolicy = {
    ...basePolicy("inactive-customers-7y"),
    id: "reach-two-customers",
    period: "0 days",
    dateColumn: "created_at",
    // By uuid: the executor's per-batch recheck inlines the list, and it must type as uuid[].
    condition: [{ column: "id", op: "in", value: [customer, customer2] }],
  };
  const request = await plan(policy, b);
  expect(request.definition.tables.map((t) => t.table)).toContain("customer_interactions");
  // The payment in cold keeps its customer out of the plan (SOX's 7 years), as a hot one would.
  expect(request.counts.customers).toBe(1);
  expect(request.tierCounts.customer_interactions).toEqual(theirs);
  expect(request.tierCounts.payments).toBeUndefined();
  // The CLI opens the analytics store of its own: this process lets go of it meanwhile.
  await store?.close();
  store = undefined;
  const run = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(
      "node",
      [BIN, "retention", "execute", request.id, "--json"],
      {
        env: {
          ...process.env,
          DATABASE_URL: config.databaseUrl,
          CLICKHOUSE_DATA_DIR: dataDir,
          CLICKHOUSE_DATABASE: "govern_reach",
          ARCHIVE_DIR: archiveDir,
          GOVERN_TOKEN: officerToken,
        },
      },
      (error, stdout, stderr) =>
        done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
  store = await createAnalyticsStore(config);
  expect(run.code, run.stderr).toBe(0);

  expect(await tiered("customer_interactions", who(customer2))).toEqual({ cold: 0, archive: 0 });
  expect(await tiered("customer_interactions", others)).toEqual(othersBefore);
  // The kept customer: their row, tiered interactions and payment all stay.
  expect(await tiered("customer_interactions", who(customer))).toEqual(paying);
  expect(await tiered("payments", who(customer))).toEqual({ cold: 1, archive: 0 });
  const left = await sql<{ id: string }>`
    SELECT id::text AS id FROM customers WHERE id IN (${customer}, ${customer2})`.execute(
    database.owner,
  );
  expect(left.rows.map((r) => r.id)).toEqual([customer]);
  const certificate = await getCertificate(database.owner, request.id);
  const tiers = certificateTiers(certificate?.body);
  expect(tiers?.find((t) => t.table === "customer_interactions")).toMatchObject(theirs);
}, 300_000);
