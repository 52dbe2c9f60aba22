import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { approveRequest } from "../jobs/retention/approvals.ts";
import { addHold, releaseHold } from "../jobs/retention/holds.ts";
import type { Role } from "../schema/domain/permissions.ts";
import { insertUser } from "../schema/governance/console-users.repository.ts";
import { hashPassword } from "../server/auth/passwords.ts";
import { createApiToken } from "../server/auth/principal.ts";
import { type CliRun, governInProcess } from "./support/cli.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

/**
 * `govern retention ...`: the CLI contract (plan --json, approve/reject, hold add --json,
 * execute --json, erase --json), who may run what (GOVERN_TOKEN), and refusals that exit 2 with
 * the reason (self-approval, fingerprint mismatch, held by hold ID, expired). One seeded
 * database for the file; the tests run in order and build on each other's requests.
 */

let database: TestDatabase;
const tokens: Record<string, string> = {};
let tenantId: string;
let customerId: string;
/** A second customer, with contact details, for the erasure. */
let erinId: string;
/** The analytics store of the CLI runs (an erasure's execution opens it). */
let clickhouseDir: string;

/**
 * Runs `govern ARGS` in this process (test/support/cli.ts): the commands' contract is tested
 * here, the process itself (bin/govern.js, exit status) in test/cli.test.ts.
 */
function govern(args: string[], token?: string): Promise<CliRun> {
  return governInProcess(args, {
    DATABASE_URL: database.config.databaseUrl,
    CLICKHOUSE_DATA_DIR: clickhouseDir,
    // Archives go where afterAll removes them, not into the checkout's .data/.
    ARCHIVE_DIR: join(clickhouseDir, "archive"),
    // No token: the local operator.
    GOVERN_TOKEN: token,
  });
}

async function user(email: string, role: Role): Promise<string> {
  const created = await insertUser(database.owner, {
    email,
    displayName: email,
    role,
    passwordHash: await hashPassword("twelve chars or more"),
  });
  return (await createApiToken(database.owner, created.id, "cli test")).token;
}

beforeAll(async () => {
  database = await createTestDatabase("retention_cli");
  clickhouseDir = mkdtempSync(join(tmpdir(), "govern-retention-cli-"));
  tokens.alice = await user("alice@ret.test", "compliance_officer");
  tokens.bob = await user("bob@ret.test", "compliance_officer");
  tokens.steward = await user("stew@ret.test", "steward");
  // One tenant with one customer inactive for ten years, with a job and its invoice.
  const tenant = await sql<{ id: string }>`
    INSERT INTO tenants (business_name) VALUES ('Old Plumbing') RETURNING id`.execute(
    database.owner,
  );
  tenantId = tenant.rows[0]?.id ?? "";
  const business = await sql<{ id: string }>`
    INSERT INTO businesses (tenant_id, legal_name, display_name) VALUES (${tenantId}, 'Old Plumbing LLC', 'Old Plumbing') RETURNING id`.execute(
    database.owner,
  );
  const businessId = business.rows[0]?.id ?? "";
  const customer = await sql<{ id: string }>`
    INSERT INTO customers (tenant_id, business_id, first_name, last_name, email, created_at, last_interaction_at)
    VALUES (${tenantId}, ${businessId}, 'Olga', 'Old', 'olga@old.test', now() - interval '10 years', now() - interval '10 years')
    RETURNING id`.execute(database.owner);
  customerId = customer.rows[0]?.id ?? "";
  const job = await sql<{ id: string }>`
    INSERT INTO jobs (tenant_id, business_id, customer_id, job_number, title, status, created_at)
    VALUES (${tenantId}, ${businessId}, ${customerId}, 'J-1', 'Leak', 'completed', now() - interval '10 years')
    RETURNING id`.execute(database.owner);
  await sql`
    INSERT INTO invoices (tenant_id, business_id, customer_id, job_id, invoice_number, status, subtotal, total_amount, issue_date, created_at)
    VALUES (${tenantId}, ${businessId}, ${customerId}, ${job.rows[0]?.id}, 'INV-1', 'paid', 120, 120, (now() - interval '10 years')::date, now() - interval '10 years')
  `.execute(database.owner);
  const erin = await sql<{ id: string }>`
    INSERT INTO customers (tenant_id, business_id, first_name, last_name, email, phone)
    VALUES (${tenantId}, ${businessId}, 'Erin', 'Erase', 'erin@erase.test', '+1 555 0100')
    RETURNING id`.execute(database.owner);
  erinId = erin.rows[0]?.id ?? "";
}, 120_000);

afterAll(async () => {
  await database?.drop();
  if (clickhouseDir) {
    rmSync(clickhouseDir, { recursive: true, force: true });
  }
});

type Planned = {
  id: string;
  policy: string;
  tenant_id: string;
  counts: Record<string, number>;
  status: string;
};

describe("govern retention", () => {
  let planned: Planned;

  test("plan --json prints the requests it made: id, policy, tenant_id, counts per table, status", async () => {
    const run = await govern(
      ["retention", "plan", "--json", "--policy", "inactive-customers-7y"],
      tokens.alice,
    );
    expect(run.code, run.stderr).toBe(0);
    const requests = JSON.parse(run.stdout) as Planned[];
    expect(requests).toHaveLength(1);
    planned = requests[0] as Planned;
    expect(planned).toMatchObject({
      policy: "inactive-customers-7y",
      tenant_id: tenantId,
      counts: { customers: 1, jobs: 1, invoices: 1 },
      status: "pending_approval",
    });
    expect(planned.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("approve by the requester is refused with exit 2 and says self-approval", async () => {
    const run = await govern(
      ["retention", "approve", planned.id, "--reason", "mine"],
      tokens.alice,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/self-approval/);
  });

  test("a steward may not approve", async () => {
    const steward = await govern(
      ["retention", "approve", planned.id, "--reason", "x"],
      tokens.steward,
    );
    expect(steward.code).toBe(2);
    expect(steward.stderr).toMatch(/retention:approve/);
  });

  test("approve with a fingerprint other than the request's is refused (exit 2, fingerprint mismatch)", async () => {
    const run = await govern(
      ["retention", "approve", planned.id, "--reason", "ok", "--fingerprint", "0".repeat(64)],
      tokens.bob,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/fingerprint mismatch/);
    expect(run.stderr).toContain("0".repeat(64));
  });

  test("hold add --json prints its id; the held request cannot be approved (exit 2 naming the hold)", async () => {
    const add = await govern(
      [
        "retention",
        "hold",
        "add",
        "--tenant",
        tenantId,
        "--customer",
        customerId,
        "--reason",
        "litigation",
        "--json",
      ],
      tokens.alice,
    );
    expect(add.code, add.stderr).toBe(0);
    const hold = JSON.parse(add.stdout) as { id: string; customer_id: string };
    expect(hold.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(hold.customer_id).toBe(customerId);
    const approve = await govern(
      ["retention", "approve", planned.id, "--reason", "ok"],
      tokens.bob,
    );
    expect(approve.code).toBe(2);
    expect(approve.stderr).toContain(`held`);
    expect(approve.stderr).toContain(hold.id);
    await releaseHold(database.owner, { id: hold.id, releasedBy: "alice@ret.test" });
  });

  test("another compliance officer approves; the decision is audited", async () => {
    const run = await govern(
      ["retention", "approve", planned.id, "--reason", "reviewed", "--json"],
      tokens.bob,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      id: planned.id,
      status: "approved",
      approved_by: "bob@ret.test",
    });
    const events = await database.owner
      .selectFrom("governance.audit_events")
      .select(["actor", "action"])
      .where("target", "=", `retention_request:${planned.id}`)
      .execute();
    expect(events).toContainEqual({ actor: "bob@ret.test", action: "retention.request.approve" });
    expect(events).toContainEqual({
      actor: "alice@ret.test",
      action: "retention.request.approve_refused",
    });
  });

  test("execute while a hold covers the approved request exits 2 naming the hold", async () => {
    const hold = await addHold(database.owner, {
      tenantId,
      customerId,
      table: null,
      dateFrom: null,
      dateTo: null,
      reason: "subpoena",
      createdBy: "alice@ret.test",
    });
    const run = await govern(["retention", "execute", planned.id, "--json"], tokens.alice);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/held/);
    expect(run.stderr).toContain(hold.id);
    expect(run.stdout).toBe("");
    await releaseHold(database.owner, { id: hold.id, releasedBy: "alice@ret.test" });
    const left = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM customers WHERE id = ${customerId}`.execute(database.owner);
    expect(left.rows[0]?.n).toBe(1);
  });

  test("execute ID --json waits for the end and prints the certificate", async () => {
    const run = await govern(["retention", "execute", planned.id, "--json"], tokens.alice);
    expect(run.code, run.stderr).toBe(0);
    const certificate = JSON.parse(run.stdout) as {
      request_id: string;
      sha256: string;
      issued_at: string;
      body: { tables: Record<string, { done: number }>; approvedBy?: string };
    };
    expect(certificate.request_id).toBe(planned.id);
    expect(certificate.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Number.isNaN(Date.parse(certificate.issued_at))).toBe(false);
    expect(certificate.body.tables).toMatchObject({
      customers: { done: 1 },
      jobs: { done: 1 },
      invoices: { done: 1 },
    });
    const left = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM customers WHERE id = ${customerId}`.execute(database.owner);
    expect(left.rows[0]?.n).toBe(0);
  });

  test("erase --json prints the request it made; an expired approval is refused at execute (exit 2)", async () => {
    const erase = await govern(
      ["retention", "erase", "--tenant", tenantId, "--customer", erinId, "--json"],
      tokens.alice,
    );
    expect(erase.code, erase.stderr).toBe(0);
    const request = JSON.parse(erase.stdout) as Planned;
    expect(request.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(request).toMatchObject({
      tenant_id: tenantId,
      status: "pending_approval",
      counts: { customers: 1 },
    });
    const approval = await approveRequest(database.owner, {
      requestId: request.id,
      decider: { name: "bob@ret.test", role: "compliance_officer" },
      reason: "GDPR art. 17",
    });
    expect(approval.ok, JSON.stringify(approval)).toBe(true);
    await sql`UPDATE governance.retention_requests
      SET approval_expires_at = now() - interval '1 minute' WHERE id = ${request.id}`.execute(
      database.owner,
    );
    const run = await govern(["retention", "execute", request.id, "--json"], tokens.alice);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/expired/);
    const erin = await sql<{ email: string | null }>`
      SELECT email FROM customers WHERE id = ${erinId}`.execute(database.owner);
    expect(erin.rows[0]?.email).toBe("erin@erase.test");
  });

  test("bad input exits 2 with a message, never a stack trace", async () => {
    const badTable = await govern(
      ["retention", "hold", "add", "--tenant", tenantId, "--table", "no_such", "--reason", "r"],
      tokens.alice,
    );
    expect(badTable.code).toBe(2);
    expect(badTable.stderr).toMatch(/no_such is not in the operational schema/);
    expect(badTable.stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  test("policies list shows the schedule's policies", async () => {
    const list = await govern(["retention", "policies", "list", "--json"]);
    expect(list.code, list.stderr).toBe(0);
    const ids = (JSON.parse(list.stdout) as { id: string }[]).map((p) => p.id);
    expect(ids).toEqual(
      expect.arrayContaining(["audit-logs-7y", "inactive-customers-7y", "sox-invoices-7y"]),
    );
  });
});
