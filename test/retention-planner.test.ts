import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { approveRequest, checkExecutable, rejectRequest } from "../jobs/retention/approvals.ts";
import {
  addHold,
  clearInvestigation,
  releaseHold,
  setInvestigation,
} from "../jobs/retention/holds.ts";
import { evaluateDefinition, type PlanOutcome, planRetention } from "../jobs/retention/planner.ts";
import { getRequest } from "../jobs/retention/requests.ts";
import { seedDemoPlatform } from "../masking/demo-platform/index.ts";
import { loadRetentionSchedule, type TRetentionSchedule } from "../rules/retention/index.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

/**
 * The planner over a small demo platform whose history ends nine years ago, so every policy has
 * candidates: counts per table with FK children, a fingerprint that is stable until the data
 * changes, the approval gate (threshold, financial records, self-approval, expiry, fingerprint)
 * and holds blocking an approved request.
 */

const DAY = 86_400_000;
const NOW = new Date();
const AS_OF_SEED = new Date(Date.UTC(NOW.getUTCFullYear() - 9, 0, 1));

let database: TestDatabase;
let pool: pg.Pool;
let tenantIds: string[];
let schedule: TRetentionSchedule;

const officerA = { name: "alice@compliance.test", role: "compliance_officer" as const };
const officerB = { name: "bob@compliance.test", role: "compliance_officer" as const };

function testSchedule(): TRetentionSchedule {
  const base = loadRetentionSchedule();
  return {
    ...base,
    policies: base.policies
      .filter((p) =>
        ["inactive-customers-7y", "job-status-history-3y", "audit-logs-7y"].includes(p.id),
      )
      .map((p) =>
        p.id === "job-status-history-3y"
          ? { ...p, threshold: 5 }
          : p.id === "audit-logs-7y"
            ? { ...p, threshold: 1_000_000 }
            : p,
      ),
  };
}

async function plan(
  requestedBy = "alice@compliance.test",
  policyIds?: string[],
): Promise<PlanOutcome[]> {
  return planRetention(database.owner, {
    requestedBy,
    schedule,
    policyIds,
    tenantIds: [tenantIds[0] ?? ""],
  });
}

function find(outcomes: PlanOutcome[], policy: string): PlanOutcome {
  const found = outcomes.find((o) => o.request.policy === policy);
  if (!found) {
    throw new Error(
      `no request for ${policy}: ${JSON.stringify(outcomes.map((o) => o.request.policy))}`,
    );
  }
  return found;
}

beforeAll(async () => {
  database = await createTestDatabase("retention_planner", { demoPartitionsFor: AS_OF_SEED });
  pool = new pg.Pool({ connectionString: database.config.databaseUrl, max: 3 });
  const report = await seedDemoPlatform(pool, {
    tenants: 2,
    customersPerTenant: 25,
    seed: 61,
    asOf: AS_OF_SEED,
  });
  tenantIds = report.tenantIds;
  schedule = testSchedule();
}, 120_000);

afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

describe("planner", () => {
  test("plans inactive customers with every FK child, counted per table, children before parents", async () => {
    const outcomes = await plan();
    const { request } = find(outcomes, "inactive-customers-7y");
    const tenant = tenantIds[0] ?? "";
    const expected = await sql<{
      customers: number;
      jobs: number;
      invoices: number;
      payments: number;
      lines: number;
    }>`
      SELECT (SELECT count(*)::int FROM customers WHERE tenant_id = ${tenant}) AS customers,
             (SELECT count(*)::int FROM jobs WHERE tenant_id = ${tenant} AND customer_id IS NOT NULL) AS jobs,
             (SELECT count(*)::int FROM invoices WHERE tenant_id = ${tenant}) AS invoices,
             (SELECT count(*)::int FROM payments WHERE tenant_id = ${tenant} AND (customer_id IS NOT NULL OR invoice_id IS NOT NULL OR job_id IS NOT NULL)) AS payments,
             (SELECT count(*)::int FROM invoice_line_items WHERE tenant_id = ${tenant}) AS lines
    `.execute(database.owner);
    const row = expected.rows[0];
    expect(row?.customers).toBeGreaterThan(0);
    expect(request.counts.customers).toBe(row?.customers);
    expect(request.counts.jobs).toBe(row?.jobs);
    expect(request.counts.invoices).toBe(row?.invoices);
    expect(request.counts.invoice_line_items).toBe(row?.lines);
    expect(request.counts.payments).toBeGreaterThan(0);
    expect(request.totalRows).toBe(Object.values(request.counts).reduce((a, b) => a + b, 0));
    const ord = Object.fromEntries(request.definition.tables.map((t) => [t.table, t.ord]));
    expect(ord.payments).toBeLessThan(ord.invoices ?? 0);
    expect(ord.invoice_line_items).toBeLessThan(ord.invoices ?? 0);
    expect(ord.invoices).toBeLessThan(ord.jobs ?? 0);
    expect(ord.jobs).toBeLessThan(ord.customers ?? 0);
    // financial records → a compliance officer must approve
    expect(request.status).toBe("pending_approval");
    expect(request.approvalReasons).toContain("financial_records");
    const keys = await database.owner
      .selectFrom("governance.retention_request_keys")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("request_id", "=", request.id)
      .executeTakeFirstOrThrow();
    expect(Number(keys.n)).toBe(request.totalRows);
  });

  test("above the policy's threshold needs approval; small non-financial plans are approved by policy", async () => {
    const outcomes = await plan();
    const history = find(outcomes, "job-status-history-3y").request;
    expect(history.totalRows).toBeGreaterThan(5);
    expect(history.status).toBe("pending_approval");
    expect(history.approvalReasons).toEqual(["above_threshold"]);
    const audit = find(outcomes, "audit-logs-7y").request;
    expect(audit.status).toBe("approved");
    expect(audit.approvedBy).toBe("policy");
    expect(audit.approvedFingerprint).toBe(audit.fingerprint);
    const events = await database.owner
      .selectFrom("governance.audit_events")
      .select("action")
      .where("target", "=", `retention_request:${audit.id}`)
      .execute();
    expect(events.map((e) => e.action)).toContain("retention.request.approved_by_policy");
  });

  test("the fingerprint is stable across identical runs and no duplicate request is made", async () => {
    const first = find(await plan(), "inactive-customers-7y").request;
    const again = await plan();
    const second = find(again, "inactive-customers-7y");
    expect(second.outcome).toBe("unchanged");
    expect(second.request.id).toBe(first.id);
    expect(second.request.fingerprint).toBe(first.fingerprint);
    const live = await evaluateDefinition(database.owner, first.definition, first.tenantId);
    expect(live.fingerprint).toBe(first.fingerprint);
    expect(live.keySetHash).toBe(first.keySetHash);
    const open = await database.owner
      .selectFrom("governance.retention_requests")
      .select("id")
      .where("policy_id", "=", "inactive-customers-7y")
      .where("tenant_id", "=", first.tenantId)
      .where("status", "in", ["pending_approval", "approved", "blocked"])
      .execute();
    expect(open).toHaveLength(1);
  });

  test("a self-approval is refused, with a message that says so", async () => {
    const request = find(await plan(), "inactive-customers-7y").request;
    expect(request.requestedBy).toBe(officerA.name);
    const result = await approveRequest(database.owner, {
      requestId: request.id,
      decider: officerA,
      reason: "ok",
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.code).toBe("self_approval");
    expect(!result.ok && result.message).toMatch(/self-approval/);
    const steward = await approveRequest(database.owner, {
      requestId: request.id,
      decider: { name: "sam@steward.test", role: "steward" },
      reason: "ok",
    });
    expect(!steward.ok && steward.code).toBe("not_permitted");
  });

  test("an approval whose fingerprint does not match is refused; so is one after the data changed", async () => {
    const request = find(await plan(), "inactive-customers-7y").request;
    const wrong = await approveRequest(database.owner, {
      requestId: request.id,
      decider: officerB,
      reason: "reviewed",
      fingerprint: "0".repeat(64),
    });
    expect(!wrong.ok && wrong.code).toBe("fingerprint_mismatch");
    // A new, old interaction of a planned customer changes the candidate set.
    await sql`INSERT INTO customer_interactions (tenant_id, customer_id, interaction_type, created_at)
      SELECT tenant_id, id, 'note', now() - interval '9 years' FROM customers
      WHERE tenant_id = ${request.tenantId} ORDER BY id LIMIT 1`.execute(database.owner);
    const drifted = await approveRequest(database.owner, {
      requestId: request.id,
      decider: officerB,
      reason: "reviewed",
    });
    expect(!drifted.ok && drifted.code).toBe("fingerprint_mismatch");
    expect(!drifted.ok && drifted.message).toMatch(/data changed/);
    const replanned = find(await plan(), "inactive-customers-7y");
    expect(replanned.outcome).toBe("created");
    expect(replanned.request.fingerprint).not.toBe(request.fingerprint);
    expect(replanned.request.counts.customer_interactions).toBe(
      (request.counts.customer_interactions ?? 0) + 1,
    );
    expect((await getRequest(database.owner, request.id))?.status).toBe("expired");
  });

  test("another officer approves; the approval binds the fingerprint and expires after 7 days", async () => {
    const request = find(await plan(), "inactive-customers-7y").request;
    const result = await approveRequest(database.owner, {
      requestId: request.id,
      decider: officerB,
      reason: "reviewed the impact",
    });
    expect(result.ok).toBe(true);
    if (!result.ok) {
      return;
    }
    expect(result.request.status).toBe("approved");
    expect(result.request.approvedFingerprint).toBe(request.fingerprint);
    const ttl =
      (result.request.approvalExpiresAt?.getTime() ?? 0) -
      (result.request.approvedAt?.getTime() ?? 0);
    expect(ttl).toBe(7 * DAY);
    expect((await checkExecutable(database.owner, request.id)).ok).toBe(true);
    const later = await checkExecutable(database.owner, request.id, {
      now: new Date(Date.now() + 8 * DAY),
    });
    expect(!later.ok && later.code).toBe("expired");
    expect((await getRequest(database.owner, request.id))?.status).toBe("expired");
    const again = await approveRequest(database.owner, {
      requestId: request.id,
      decider: officerB,
      reason: "again",
    });
    expect(!again.ok && again.code).toBe("expired");
  });

  test("a plan above threshold cannot execute without approval; a rejection needs a reason", async () => {
    const request = find(await plan(), "job-status-history-3y").request;
    const check = await checkExecutable(database.owner, request.id);
    expect(!check.ok && check.code).toBe("wrong_status");
    expect(!check.ok && check.message).toMatch(/needs approval/);
    const noReason = await rejectRequest(database.owner, {
      requestId: request.id,
      decider: officerB,
      reason: " ",
    });
    expect(!noReason.ok && noReason.code).toBe("reason_required");
    const rejected = await rejectRequest(database.owner, {
      requestId: request.id,
      decider: officerB,
      reason: "keep for now",
    });
    expect(rejected.ok && rejected.request.status).toBe("rejected");
  });

  test("a legal hold blocks an approved request until released", async () => {
    const request = find(await plan(), "audit-logs-7y").request;
    expect(request.status).toBe("approved");
    const hold = await addHold(database.owner, {
      tenantId: request.tenantId,
      table: "audit_logs",
      reason: "litigation 2026-17",
      createdBy: officerA.name,
    });
    const blocked = await getRequest(database.owner, request.id);
    expect(blocked?.status).toBe("blocked");
    expect(blocked?.blockedBy.map((b) => b.id)).toEqual([hold.id]);
    const check = await checkExecutable(database.owner, request.id);
    expect(!check.ok && check.code).toBe("held");
    expect(!check.ok && check.message).toContain(hold.id);
    await releaseHold(database.owner, { id: hold.id, releasedBy: officerA.name });
    expect((await getRequest(database.owner, request.id))?.status).toBe("approved");
    expect((await checkExecutable(database.owner, request.id)).ok).toBe(true);
  });

  test("a hold on one customer blocks the plan that deletes them; a hold on another tenant does not", async () => {
    const request = find(await plan(), "audit-logs-7y").request;
    const other = await addHold(database.owner, {
      tenantId: tenantIds[1] ?? null,
      reason: "other tenant",
      createdBy: officerA.name,
    });
    expect((await getRequest(database.owner, request.id))?.status).toBe("approved");
    await releaseHold(database.owner, { id: other.id, releasedBy: officerA.name });
    const customers = find(await plan(), "inactive-customers-7y").request;
    const customer = await database.owner
      .selectFrom("customers")
      .select("id")
      .where("tenant_id", "=", customers.tenantId)
      .orderBy("id")
      .executeTakeFirstOrThrow();
    const hold = await addHold(database.owner, {
      tenantId: customers.tenantId,
      customerId: customer.id,
      reason: "subpoena",
      createdBy: officerA.name,
    });
    const blocked = await getRequest(database.owner, customers.id);
    expect(blocked?.status).toBe("blocked");
    const holdBlocker = blocked?.blockedBy.find((b) => b.id === hold.id);
    expect(holdBlocker?.kind === "legal_hold" && holdBlocker.tables.customers).toBe(1);
    const approve = await approveRequest(database.owner, {
      requestId: customers.id,
      decider: officerB,
      reason: "ok",
    });
    expect(!approve.ok && approve.code).toBe("held");
    await releaseHold(database.owner, { id: hold.id, releasedBy: officerA.name });
    expect((await getRequest(database.owner, customers.id))?.status).toBe("pending_approval");
  });

  test("while the SOX investigation flag is set, SOX-governed requests are blocked", async () => {
    const request = find(await plan(), "audit-logs-7y").request;
    const { investigation } = await setInvestigation(database.owner, {
      reason: "SEC inquiry",
      setBy: officerA.name,
    });
    const blocked = await getRequest(database.owner, request.id);
    expect(blocked?.status).toBe("blocked");
    expect(blocked?.blockedBy).toEqual([
      { kind: "investigation", id: investigation.id, regulation: "SOX", reason: "SEC inquiry" },
    ]);
    await clearInvestigation(database.owner, { reason: "closed", clearedBy: officerA.name });
    expect((await getRequest(database.owner, request.id))?.status).toBe("approved");
  });
});

describe("every shipped policy", () => {
  test("plans without error over the demo platform, each request with a fingerprint and counts", async () => {
    const outcomes = await planRetention(database.owner, {
      requestedBy: "retention-job",
      tenantIds: [tenantIds[1] ?? ""],
    });
    const policies = new Set(outcomes.map((o) => o.request.policy));
    for (const id of [
      "audit-logs-7y",
      "inactive-customers-7y",
      "sox-invoices-7y",
      "ccpa-interactions-2y",
    ]) {
      expect(policies).toContain(id);
    }
    for (const { request } of outcomes) {
      expect(request.fingerprint).toMatch(/^[0-9a-f]{64}$/);
      expect(request.totalRows).toBeGreaterThan(0);
      expect(["pending_approval", "approved", "blocked"]).toContain(request.status);
    }
  });
});

describe("two planners at once", () => {
  test("make one open request for a policy and tenant, and both report it", async () => {
    const [a, b] = await Promise.all([
      plan("retention-job", ["job-status-history-3y"]),
      plan("local-operator", ["job-status-history-3y"]),
    ]);
    const ids = new Set([...(a ?? []), ...(b ?? [])].map((o) => o.request.id));
    expect(ids.size).toBe(1);
    const open = await database.owner
      .selectFrom("governance.retention_requests")
      .select("id")
      .where("policy_id", "=", "job-status-history-3y")
      .where("tenant_id", "=", tenantIds[0] ?? "")
      .where("status", "in", ["pending_approval", "approved", "blocked", "running", "planning"])
      .execute();
    expect(open).toHaveLength(1);
  });
});
