import { sql } from "kysely";
import type pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { approveRequest } from "../jobs/retention/approvals.ts";
import { getCertificate } from "../jobs/retention/certificate.ts";
import { startOfDayUtc } from "../jobs/retention/definition.ts";
import { runRetentionExecuteJob } from "../jobs/retention/execute.handler.ts";
import {
  addHold,
  clearInvestigation,
  releaseHold,
  setInvestigation,
} from "../jobs/retention/holds.ts";
import { evaluateDefinition, planRetention, TierReaderMissing } from "../jobs/retention/planner.ts";
import { getRequest, type RetentionRequest } from "../jobs/retention/requests.ts";
import { runTiering } from "../jobs/tiering/run.ts";
import { loadRetentionSchedule } from "../rules/retention/index.ts";
import type { TRetentionPolicy, TRetentionSchedule } from "../rules/retention/schema.ts";
import type { AnalyticsStore } from "../schema/analytics/analytics-store.ts";
import type { Config } from "../schema/config.ts";
import type { TestDatabase } from "./support/database.ts";
import {
  insertInteractions,
  openTieredPlatform,
  type TieredPlatform,
} from "./support/tiered-platform.ts";

/**
 * The retention planner finds candidates in every tier: rows tiering moved fully to cold
 * (ClickHouse, embedded chdb) and to the archive (Parquet files in a folder, read in place) get
 * a deletion request when their period ends. Seeded, tiered, planned as of today with a period
 * that only tiered rows have passed, approved, executed; then checked with queries written here
 * (Postgres, the cold table, every Parquet file by glob), not the engine's:
 * - the request counts the tiered rows per table and tier, in its total (so the threshold gate
 *   asks a compliance officer), its key-set hash and fingerprint; a hold on the table blocks it;
 * - execution removes exactly those rows from every tier and touches nothing else;
 * - a customer whose only payments are archived (older than SOX's 7 years) is planned with
 *   them: financial records, so an officer decides, and the SOX flag blocks it.
 */

let platform: TieredPlatform;
let archiveDir: string;
const DAY = 86_400_000;

let database: TestDatabase;
let config: Config;
let pool: pg.Pool;
let store: AnalyticsStore;
let schedule: TRetentionSchedule;
let tenants: string[];
/** A customer of the second tenant whose one payment (8 years old) is archived. */
let oldCustomer: string;

/** Everything older than 2 days leaves Postgres: cold until 90 days, then the archive. */
const POLICY = (table: string) => `table: ${table}
date_column: created_at
tiers: { hot: 1 day, warm: 2 days, cold: 90 days, archive: 10 years }
business_rules:
  retain_active_customers: false
  active_customer_days: 30
  comply_with_regulations: []
  preserve_audit_trail: true
`;

type Counts = { hot: number; cold: number; archive: number };

/** Rows of a table matching `chWhere` in cold and the archive, and `pgWhere` in Postgres. */
async function rows(table: string, chWhere: string, pgWhere: string): Promise<Counts> {
  const cold = await store.query<{ n: string }>(
    `SELECT toString(count()) AS n FROM \`tier_${table}_cold\` WHERE ${chWhere}`,
  );
  const archive = await store.query<{ n: string }>(
    `SELECT toString(count()) AS n FROM file('${archiveDir}/tiering/${table}/*.parquet', 'Parquet') WHERE ${chWhere}`,
  );
  const hot = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM ${sql.table(`public.${table}`)} WHERE ${sql.raw(pgWhere)}`.execute(
    database.owner,
  );
  return {
    hot: hot.rows[0]?.n ?? 0,
    cold: Number(cold[0]?.n ?? 0),
    archive: Number(archive[0]?.n ?? 0),
  };
}

const tiers = () => ({ config, analytics: store });

function basePolicy(policyId: string): TRetentionPolicy {
  const found = loadRetentionSchedule().policies.find((p) => p.id === policyId);
  if (!found) {
    throw new Error(`no policy ${policyId}`);
  }
  return found;
}

async function plan(policy: TRetentionPolicy, tenantId: string): Promise<RetentionRequest> {
  const outcomes = await planRetention(database.owner, {
    requestedBy: "planner@plan.test",
    schedule: { ...schedule, policies: [policy] },
    policyIds: [policy.id],
    tenantIds: [tenantId],
    tiers: tiers(),
  });
  const request = outcomes[0]?.request;
  if (!request) {
    throw new Error(`nothing planned for ${policy.id}`);
  }
  return request;
}

async function inactiveCustomer(tenantId: string, name: string): Promise<string> {
  const made = await sql<{ id: string }>`
    INSERT INTO customers (tenant_id, business_id, first_name, last_name, created_at, last_interaction_at)
    SELECT tenant_id, business_id, ${name}, 'Tiered', now() - interval '9 years', now() - interval '8 years'
    FROM customers WHERE tenant_id = ${tenantId} LIMIT 1
    RETURNING id::text AS id`.execute(database.owner);
  return made.rows[0]?.id ?? "";
}

beforeAll(async () => {
  platform = await openTieredPlatform({
    name: "tier-plan",
    customersPerTenant: 10,
    seed: 41,
    tables: ["customer_interactions", "payments"],
    policy: POLICY,
    actor: "admin@plan.test",
  });
  ({ database, config, pool, store, archiveDir, tenantIds: tenants } = platform);
  schedule = loadRetentionSchedule();
  const [a, b] = tenants as [string, string];
  // Old interactions of both tenants, some past 90 days (archive), some not (cold).
  await insertInteractions(database.owner, a, await inactiveCustomer(a, "Alma"), [130, 75, 65, 20]);
  await insertInteractions(database.owner, b, await inactiveCustomer(b, "Bert"), [130, 75, 20]);
  oldCustomer = await inactiveCustomer(b, "Otto");
  await sql`INSERT INTO payments (tenant_id, business_id, customer_id, amount, created_at)
    SELECT tenant_id, business_id, id, 42, now() - interval '8 years'
    FROM customers WHERE id = ${oldCustomer}`.execute(database.owner);
  await runTiering(
    { db: database.owner, pool, config, analytics: store, requestedBy: "admin@plan.test" },
    { tables: ["customer_interactions", "payments"] },
  );
}, 600_000);

afterAll(async () => {
  await platform?.close();
});

test("rows moved to cold and the archive are planned, gated, held and deleted from every tier, nothing else", async () => {
  const [a, b] = tenants as [string, string];
  const cutoff = new Date(startOfDayUtc(new Date()).getTime() - 60 * DAY).toISOString();
  const chOld = (t: string) =>
    `tenant_id = '${t}' AND parseDateTime64BestEffort(created_at) < toDateTime64('${cutoff.slice(0, 10)} 00:00:00', 6, 'UTC')`;
  const pgOld = (t: string) => `tenant_id = '${t}' AND created_at < '${cutoff}'`;
  const old = await rows("customer_interactions", chOld(a), pgOld(a));
  const youngA = await rows(
    "customer_interactions",
    `tenant_id = '${a}' AND NOT (${chOld(a)})`,
    `tenant_id = '${a}' AND NOT (${pgOld(a)})`,
  );
  const tenantB = await rows("customer_interactions", `tenant_id = '${b}'`, `tenant_id = '${b}'`);
  // Tiering moved every old row out of Postgres: only the tiers hold what the period ended for.
  expect(old.hot).toBe(0);
  expect(old.cold).toBeGreaterThan(0);
  expect(old.archive).toBeGreaterThan(0);
  expect(youngA.hot + youngA.cold).toBeGreaterThan(0);
  expect(tenantB.cold + tenantB.archive).toBeGreaterThan(0);

  const policy: TRetentionPolicy = {
    ...basePolicy("ccpa-interactions-2y"),
    id: "plan-interactions-60d",
    period: "60 days",
    threshold: old.cold + old.archive - 1,
  };
  const request = await plan(policy, a);
  expect(request.counts.customer_interactions ?? 0).toBe(0);
  expect(request.tierCounts).toEqual({
    customer_interactions: { cold: old.cold, archive: old.archive },
  });
  expect(request.totalRows).toBe(old.cold + old.archive);
  // Above the threshold only through its tiered rows: a compliance officer decides.
  expect(request.status).toBe("pending_approval");
  expect(request.approvalReasons).toContain("above_threshold");

  // The fingerprint covers the tiers: recomputed from the stores it is the same; without a
  // reader of the tiers it cannot be recomputed at all (never silently hot-only).
  const live = await evaluateDefinition(database.owner, request.definition, a, undefined, tiers());
  expect(live.fingerprint).toBe(request.fingerprint);
  expect(live.keySetHash).toBe(request.keySetHash);
  await expect(evaluateDefinition(database.owner, request.definition, a)).rejects.toThrow(
    TierReaderMissing,
  );

  // A legal hold on the tenant's interactions blocks the request through its tiered rows.
  const hold = await addHold(database.owner, {
    tenantId: a,
    table: "customer_interactions",
    reason: "dispute",
    createdBy: "counsel@plan.test",
  });
  const blocked = await getRequest(database.owner, request.id);
  expect(blocked?.status).toBe("blocked");
  expect(blocked?.blockedBy).toEqual([
    expect.objectContaining({
      kind: "legal_hold",
      id: hold.id,
      tables: { customer_interactions: old.cold + old.archive },
    }),
  ]);
  await releaseHold(database.owner, { id: hold.id, releasedBy: "counsel@plan.test" });
  expect((await getRequest(database.owner, request.id))?.status).toBe("pending_approval");

  const decision = await approveRequest(database.owner, {
    requestId: request.id,
    decider: { name: "officer@plan.test", role: "compliance_officer" },
    reason: "interactions past 60 days, in cold and the archive",
    fingerprint: request.fingerprint,
    tiers: tiers(),
  });
  expect(decision.ok, JSON.stringify(decision)).toBe(true);
  const outcome = await runRetentionExecuteJob(
    { db: database.owner, pool, config, analytics: store, progress: async () => {} },
    { action: "execute", requestId: request.id, actor: "officer@plan.test" },
  );
  expect(outcome.outcome, JSON.stringify(outcome)).toBe("done");

  expect(await rows("customer_interactions", chOld(a), pgOld(a))).toEqual({
    hot: 0,
    cold: 0,
    archive: 0,
  });
  expect(
    await rows(
      "customer_interactions",
      `tenant_id = '${a}' AND NOT (${chOld(a)})`,
      `tenant_id = '${a}' AND NOT (${pgOld(a)})`,
    ),
  ).toEqual(youngA);
  expect(await rows("customer_interactions", `tenant_id = '${b}'`, `tenant_id = '${b}'`)).toEqual(
    tenantB,
  );
  const certificate = await getCertificate(database.owner, request.id);
  expect((certificate?.body as { tiers?: unknown } | undefined)?.tiers).toEqual([
    expect.objectContaining({
      table: "customer_interactions",
      cold: old.cold,
      archive: old.archive,
    }),
  ]);
  // archive_then_delete: the tiered rows were kept in the request's retention archive first.
  const kept = await store.query<{ n: string }>(
    `SELECT toString(count()) AS n FROM file('${archiveDir}/retention/${request.id}/tiers-*.parquet', 'Parquet')`,
  );
  expect(Number(kept[0]?.n)).toBe(old.cold + old.archive);
}, 600_000);

test("a customer whose payment is archived is planned with it: financial records, and the SOX flag blocks it", async () => {
  const b = tenants[1] as string;
  const theirs = await rows(
    "payments",
    `customer_id = '${oldCustomer}'`,
    `customer_id = '${oldCustomer}'`,
  );
  expect(theirs).toEqual({ hot: 0, cold: 0, archive: 1 });
  const policy: TRetentionPolicy = {
    ...basePolicy("inactive-customers-7y"),
    id: "plan-old-customer",
    condition: [{ column: "id", op: "eq", value: oldCustomer }],
    threshold: 1_000_000,
  };
  const flag = await setInvestigation(database.owner, {
    reason: "audit of old payments",
    setBy: "cfo@plan.test",
  });
  const request = await plan(policy, b);
  expect(request.counts.customers).toBe(1);
  expect(request.tierCounts.payments).toEqual({ cold: 0, archive: 1 });
  // The customer row alone would be approved by the policy; the archived payment is a
  // financial record, and SOX-governed: an officer decides, and the flag blocks it meanwhile.
  expect(request.approvalReasons).toContain("financial_records");
  expect(request.status).toBe("blocked");
  expect(request.blockedBy).toEqual([
    expect.objectContaining({ kind: "investigation", id: flag.investigation.id }),
  ]);
  await clearInvestigation(database.owner, {
    reason: "audit closed",
    clearedBy: "cfo@plan.test",
  });
  expect((await getRequest(database.owner, request.id))?.status).toBe("pending_approval");
  const decision = await approveRequest(database.owner, {
    requestId: request.id,
    decider: { name: "officer@plan.test", role: "compliance_officer" },
    reason: "customer inactive 8 years, payment past SOX",
    tiers: tiers(),
  });
  expect(decision.ok, JSON.stringify(decision)).toBe(true);
  const others = await rows(
    "payments",
    `tenant_id = '${b}' AND ifNull(customer_id, '') != '${oldCustomer}'`,
    `tenant_id = '${b}' AND customer_id IS DISTINCT FROM '${oldCustomer}'`,
  );
  const outcome = await runRetentionExecuteJob(
    { db: database.owner, pool, config, analytics: store, progress: async () => {} },
    { action: "execute", requestId: request.id, actor: "officer@plan.test" },
  );
  expect(outcome.outcome, JSON.stringify(outcome)).toBe("done");
  expect(
    await rows("payments", `customer_id = '${oldCustomer}'`, `customer_id = '${oldCustomer}'`),
  ).toEqual({ hot: 0, cold: 0, archive: 0 });
  expect(
    await rows(
      "payments",
      `tenant_id = '${b}' AND ifNull(customer_id, '') != '${oldCustomer}'`,
      `tenant_id = '${b}' AND customer_id IS DISTINCT FROM '${oldCustomer}'`,
    ),
  ).toEqual(others);
  const left = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM customers WHERE id = ${oldCustomer}`.execute(database.owner);
  expect(left.rows[0]?.n).toBe(0);
}, 600_000);
