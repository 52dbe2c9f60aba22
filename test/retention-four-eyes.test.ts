import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runRetentionPlanJob } from "../jobs/retention/plan.handler.ts";
import { seedDemoPlatform } from "../masking/demo-platform/index.ts";
import { governInProcess } from "./support/cli.ts";
import { asToken, type ConsoleApp, openConsoleApp } from "./support/console-app.ts";

/**
 * Four eyes that cannot be walked around. The officer who caused a plan (clicked plan, planned
 * in the background, ran the CLI) never decides it: not with a second token, not with an
 * account they created, promoted or re-enabled, not through an account such an account made.
 * A plan the schedule made is the job's: any officer decides it. Without a token the CLI
 * decides nothing. Each check reads the database directly, not the engine's answer alone.
 */

const NOW = new Date();
const AS_OF_SEED = new Date(Date.UTC(NOW.getUTCFullYear() - 9, 0, 1));
const POLICY = "inactive-customers-7y";

let t: ConsoleApp;
let pool: pg.Pool;
let tenantIds: string[];
let archiveDir: string;
/** An officer made outside the API (no one's hand in the account): decides anyone's plan. */
let independent: { email: string; token: string };

type Json = Record<string, unknown>;

async function call(token: string, path: string, init: { method?: string; body?: unknown } = {}) {
  const response = await t.request(path, {
    method: init.method ?? "GET",
    headers: asToken(token),
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json };
}

/** A new console user through the API, made by `by` (an admin's token); returns its token. */
async function newUser(
  by: string,
  email: string,
  role: string,
): Promise<{ id: string; token: string }> {
  const created = await call(by, "/api/v1/users", {
    method: "POST",
    body: { email, displayName: email, role, password: "a long enough password" },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = created.body.id as string;
  const user = await t.db
    .selectFrom("governance.console_users")
    .select("id")
    .where("email", "=", email)
    .executeTakeFirstOrThrow();
  const { createApiToken } = await import("../server/auth/principal.ts");
  return { id, token: (await createApiToken(t.db, user.id, "four eyes")).token };
}

/** The request's status and who approved it, read from the table. */
async function stored(id: string) {
  return t.db
    .selectFrom("governance.retention_requests")
    .select(["status", "requested_by", "approved_by"])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
}

/** A fresh waiting plan for the first tenant, made by `token` through the API. */
async function planAs(token: string): Promise<string> {
  // Whatever is open for the slot goes first, so each test plans anew.
  await sql`UPDATE governance.retention_requests SET status = 'expired'
    WHERE policy_id = ${POLICY} AND status IN ('pending_approval', 'approved', 'blocked')`.execute(
    t.db,
  );
  const planned = await call(token, "/api/v1/retention/plan", {
    method: "POST",
    body: { policyIds: [POLICY], tenantIds: [tenantIds[0]] },
  });
  expect(planned.status, JSON.stringify(planned.body)).toBe(200);
  const item = (planned.body.items as Json[])[0] as Json;
  expect(item.status).toBe("pending_approval");
  return item.id as string;
}

const cliEnv = () => ({
  DATABASE_URL: t.config.databaseUrl,
  CLICKHOUSE_DATA_DIR: join(archiveDir, "clickhouse"),
  ARCHIVE_DIR: archiveDir,
  NODE_ENV: "test",
});
const cli = (args: string[], token?: string) =>
  governInProcess(args, { ...cliEnv(), GOVERN_TOKEN: token });

beforeAll(async () => {
  t = await openConsoleApp("foureyes", { demoPartitionsFor: AS_OF_SEED });
  archiveDir = mkdtempSync(join(tmpdir(), "govern-four-eyes-"));
  pool = new pg.Pool({ connectionString: t.config.databaseUrl, max: 2 });
  const report = await seedDemoPlatform(pool, {
    tenants: 1,
    customersPerTenant: 12,
    seed: 41,
    asOf: AS_OF_SEED,
  });
  tenantIds = report.tenantIds;
  const { insertUser } = await import("../schema/governance/console-users.repository.ts");
  const { hashPassword } = await import("../server/auth/passwords.ts");
  const { createApiToken } = await import("../server/auth/principal.ts");
  const user = await insertUser(t.db, {
    email: "independent@foureyes.test",
    displayName: "Independent officer",
    role: "compliance_officer",
    passwordHash: await hashPassword("another long password"),
  });
  independent = {
    email: user.email,
    token: (await createApiToken(t.db, user.id, "independent")).token,
  };
}, 180_000);

afterAll(async () => {
  await pool?.end();
  await t?.close();
  if (archiveDir) {
    rmSync(archiveDir, { recursive: true, force: true });
  }
});

describe("the person who caused a plan never decides it", () => {
  test("a background plan (POST /retention/plan {background: true}) names the officer who asked, who then cannot approve or reject it", async () => {
    const officer = t.logins.compliance_officer;
    await sql`UPDATE governance.retention_requests SET status = 'expired'
      WHERE policy_id = ${POLICY} AND status IN ('pending_approval', 'approved', 'blocked')`.execute(
      t.db,
    );
    const queued = await call(officer.token, "/api/v1/retention/plan", {
      method: "POST",
      body: { policyIds: [POLICY], tenantIds: [tenantIds[0]], background: true },
    });
    expect(queued.status, JSON.stringify(queued.body)).toBe(202);
    // The queued run, as the worker runs it: its trigger is the officer who asked.
    const job = await t.db
      .selectFrom("governance.job_runs")
      .select("triggered_by")
      .where("queue", "=", "retention")
      .executeTakeFirst();
    expect(job?.triggered_by ?? officer.user.email).toBe(officer.user.email);
    await runRetentionPlanJob(
      t.db,
      async () => {},
      { action: "plan", policyIds: [POLICY], tenantIds: [tenantIds[0] as string] },
      officer.user.email,
    );
    const request = await t.db
      .selectFrom("governance.retention_requests")
      .select(["id", "requested_by"])
      .where("policy_id", "=", POLICY)
      .where("status", "=", "pending_approval")
      .executeTakeFirstOrThrow();
    expect(request.requested_by).toBe(officer.user.email);
    for (const verb of ["approve", "reject"]) {
      const refused = await call(
        officer.token,
        `/api/v1/retention/requests/${request.id}/${verb}`,
        {
          method: "POST",
          body: { reason: "my own plan" },
        },
      );
      expect(refused.status).toBe(409);
      expect((refused.body.error as Json).details).toMatchObject({ reason: "self_approval" });
    }
    expect((await stored(request.id)).status).toBe("pending_approval");
  });

  test("a plan the schedule made is the job's: any officer decides it", async () => {
    await sql`UPDATE governance.retention_requests SET status = 'expired'
      WHERE policy_id = ${POLICY} AND status IN ('pending_approval', 'approved', 'blocked')`.execute(
      t.db,
    );
    await runRetentionPlanJob(
      t.db,
      async () => {},
      { action: "plan", policyIds: [POLICY], tenantIds: [tenantIds[0] as string] },
      "schedule",
    );
    const request = await t.db
      .selectFrom("governance.retention_requests")
      .select(["id", "requested_by"])
      .where("policy_id", "=", POLICY)
      .where("status", "=", "pending_approval")
      .executeTakeFirstOrThrow();
    expect(request.requested_by).toBe("retention-job");
    const approved = await call(
      t.logins.compliance_officer.token,
      `/api/v1/retention/requests/${request.id}/approve`,
      {
        method: "POST",
        body: { reason: "reviewed" },
      },
    );
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect((await stored(request.id)).approved_by).toBe(t.logins.compliance_officer.user.email);
  });

  test("a second token of the same officer is the same person: refused", async () => {
    const officer = t.logins.compliance_officer;
    const id = await planAs(officer.token);
    const { createApiToken } = await import("../server/auth/principal.ts");
    const second = (await createApiToken(t.db, officer.user.id, "second token")).token;
    const refused = await call(second, `/api/v1/retention/requests/${id}/approve`, {
      method: "POST",
      body: { reason: "other token" },
    });
    expect(refused.status).toBe(409);
    expect((await stored(id)).status).toBe("pending_approval");
  });

  test("an officer account an admin created, promoted or re-enabled never decides that admin's plan (API and CLI), and the approval screen says why", async () => {
    const admin = t.logins.admin;
    const id = await planAs(admin.token);
    expect((await stored(id)).requested_by).toBe(admin.user.email);
    // Created by the admin as an officer.
    const created = await newUser(admin.token, "made@foureyes.test", "compliance_officer");
    // Created as an engineer by the admin, promoted by the admin.
    const promoted = await newUser(admin.token, "raised@foureyes.test", "engineer");
    expect(
      (
        await call(admin.token, `/api/v1/users/${promoted.id}`, {
          method: "PATCH",
          body: { role: "compliance_officer" },
        })
      ).status,
    ).toBe(200);
    // The shipped officer, disabled and re-enabled by the admin.
    const officer = t.logins.compliance_officer;
    await call(admin.token, `/api/v1/users/${officer.user.id}/disable`, { method: "POST" });
    await call(admin.token, `/api/v1/users/${officer.user.id}/enable`, { method: "POST" });
    const { createApiToken } = await import("../server/auth/principal.ts");
    const reenabled = (await createApiToken(t.db, officer.user.id, "after re-enable")).token;
    // The disable revoked the officer's earlier tokens: later tests act with the new one.
    officer.token = reenabled;
    // An admin account the admin made, which makes an officer: still the admin's hand.
    const deputy = await newUser(admin.token, "deputy@foureyes.test", "admin");
    const grandchild = await newUser(deputy.token, "grand@foureyes.test", "compliance_officer");

    for (const token of [created.token, promoted.token, reenabled, grandchild.token]) {
      const refused = await call(token, `/api/v1/retention/requests/${id}/approve`, {
        method: "POST",
        body: { reason: "separation?" },
      });
      expect(refused.status, JSON.stringify(refused.body)).toBe(409);
      expect((refused.body.error as Json).details).toMatchObject({
        reason: "separation_of_duties",
      });
      expect((refused.body.error as Json).message).toContain(admin.user.email);
    }
    const viaCli = await cli(["retention", "approve", id, "--reason", "cli path"], promoted.token);
    expect(viaCli.code).toBe(2);
    expect(viaCli.stderr).toMatch(/separation of duties/);
    expect((await stored(id)).status).toBe("pending_approval");

    // The approval screen shows the approver's account provenance and why they may not decide.
    const detail = await call(promoted.token, `/api/v1/retention/requests/${id}`);
    expect(detail.status).toBe(200);
    const yours = detail.body.yourAccount as { events: { event: string; by: string }[] };
    expect(yours.events.map((e) => [e.event, e.by])).toEqual([
      ["created", admin.user.email],
      ["role_changed", admin.user.email],
    ]);
    expect(detail.body.separationOfDuties).toContain(`by ${admin.user.email}`);
    // The role change is audited with its before and after.
    const audit = await t.db
      .selectFrom("governance.audit_events")
      .select(["actor", "summary"])
      .where("action", "=", "users.update")
      .where("target", "=", "user:raised@foureyes.test")
      .executeTakeFirstOrThrow();
    expect(audit.actor).toBe(admin.user.email);
    expect(audit.summary).toMatchObject({ role: { from: "engineer", to: "compliance_officer" } });

    // An officer the admin had no hand in decides it.
    const otherToken = independent.token;
    const approved = await call(otherToken, `/api/v1/retention/requests/${id}/approve`, {
      method: "POST",
      body: { reason: "independent review" },
    });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect((await stored(id)).approved_by).toBe(independent.email);
  });

  test("an account promoted or re-enabled through the CLI with the admin's token never decides that admin's plan", async () => {
    const admin = t.logins.admin;
    const id = await planAs(admin.token);
    const promoted = await newUser(admin.token, "cli-raised@foureyes.test", "engineer");
    const raise = await cli(
      ["users", "update", "--email", "cli-raised@foureyes.test", "--role", "compliance_officer"],
      admin.token,
    );
    expect(raise.code, raise.stderr).toBe(0);
    // An officer no one's hand made, disabled: the admin re-enables it through the CLI.
    const { insertUser } = await import("../schema/governance/console-users.repository.ts");
    const { hashPassword } = await import("../server/auth/passwords.ts");
    const revived = await insertUser(t.db, {
      email: "cli-revived@foureyes.test",
      displayName: "Revived officer",
      role: "compliance_officer",
      passwordHash: await hashPassword("another long password"),
    });
    await sql`UPDATE governance.console_users SET disabled_at = now()
      WHERE id = ${revived.id}::uuid`.execute(t.db);
    const enable = await cli(
      ["users", "enable", "--email", "cli-revived@foureyes.test"],
      admin.token,
    );
    expect(enable.code, enable.stderr).toBe(0);
    const { createApiToken } = await import("../server/auth/principal.ts");
    const revivedToken = (await createApiToken(t.db, revived.id, "after cli enable")).token;
    for (const token of [promoted.token, revivedToken]) {
      const refused = await call(token, `/api/v1/retention/requests/${id}/approve`, {
        method: "POST",
        body: { reason: "separation?" },
      });
      expect(refused.status, JSON.stringify(refused.body)).toBe(409);
      expect((refused.body.error as Json).details).toMatchObject({
        reason: "separation_of_duties",
      });
    }
    expect((await stored(id)).status).toBe("pending_approval");
  });

  test("a plan made through the CLI with a token names that officer, who cannot approve it through the API", async () => {
    const officer = t.logins.compliance_officer;
    await sql`UPDATE governance.retention_requests SET status = 'expired'
      WHERE policy_id = ${POLICY} AND status IN ('pending_approval', 'approved', 'blocked')`.execute(
      t.db,
    );
    const run = await cli(
      ["retention", "plan", "--policy", POLICY, "--tenant", tenantIds[0] as string, "--json"],
      officer.token,
    );
    expect(run.code, run.stderr).toBe(0);
    const [planned] = JSON.parse(run.stdout) as { id: string; requested_by: string }[];
    expect(planned?.requested_by).toBe(officer.user.email);
    const refused = await call(officer.token, `/api/v1/retention/requests/${planned?.id}/approve`, {
      method: "POST",
      body: { reason: "mine" },
    });
    expect(refused.status).toBe(409);
  });

  test("a rejected key set planned again unchanged waits for an officer (never the policy) and shows the earlier rejection and its reason", async () => {
    const id = await planAs(t.logins.admin.token);
    const rejected = await call(independent.token, `/api/v1/retention/requests/${id}/reject`, {
      method: "POST",
      body: { reason: "customers under dispute" },
    });
    expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);
    const again = await planAs(t.logins.admin.token);
    expect(again).not.toBe(id);
    const detail = await call(independent.token, `/api/v1/retention/requests/${again}`);
    expect(detail.body.approvalReasons).toContain("rejected_before");
    expect(detail.body.earlierRejection).toMatchObject({
      requestId: id,
      rejectedBy: independent.email,
      reason: "customers under dispute",
    });
  });
});

describe("the CLI without a token decides nothing", () => {
  test("plan, erase, approve, reject, execute, hold add/release and the investigation flag each exit 2 and change nothing", async () => {
    const id = await planAs(t.logins.admin.token);
    const customer = await sql<{ id: string }>`
      SELECT id::text FROM customers WHERE tenant_id = ${tenantIds[0]}::uuid LIMIT 1`.execute(t.db);
    const before = await sql<{ requests: number; holds: number; flags: number; approvals: number }>`
      SELECT (SELECT count(*)::int FROM governance.retention_requests) AS requests,
             (SELECT count(*)::int FROM governance.legal_holds) AS holds,
             (SELECT count(*)::int FROM governance.retention_investigations) AS flags,
             (SELECT count(*)::int FROM governance.retention_approvals) AS approvals`.execute(t.db);
    const tenant = tenantIds[0] as string;
    const cases = [
      ["retention", "plan", "--json"],
      ["retention", "erase", "--tenant", tenant, "--customer", customer.rows[0]?.id as string],
      ["retention", "approve", id, "--reason", "nobody"],
      ["retention", "reject", id, "--reason", "nobody"],
      ["retention", "execute", id],
      ["retention", "hold", "add", "--tenant", tenant, "--reason", "nobody"],
      ["retention", "hold", "release", id],
      ["retention", "investigation", "set", "--reason", "nobody"],
      ["retention", "investigation", "clear", "--reason", "nobody"],
    ];
    for (const args of cases) {
      const run = await cli(args);
      expect(run.code, `${args.join(" ")}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toMatch(/GOVERN_TOKEN/);
    }
    const after = await sql<{ requests: number; holds: number; flags: number; approvals: number }>`
      SELECT (SELECT count(*)::int FROM governance.retention_requests) AS requests,
             (SELECT count(*)::int FROM governance.legal_holds) AS holds,
             (SELECT count(*)::int FROM governance.retention_investigations) AS flags,
             (SELECT count(*)::int FROM governance.retention_approvals) AS approvals`.execute(t.db);
    expect(after.rows[0]).toEqual(before.rows[0]);
    expect((await stored(id)).status).toBe("pending_approval");
    const byOperator = await t.db
      .selectFrom("governance.audit_events")
      .select("action")
      .where("actor", "=", "local-operator")
      .where("action", "like", "retention.%")
      .execute();
    expect(byOperator).toEqual([]);
  }, 120_000);

  test("reads still run without a token", async () => {
    const list = await cli(["retention", "policies", "list", "--json"]);
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { id: string }[]).map((p) => p.id)).toContain(POLICY);
  });
});

describe("legal hold scope", () => {
  test("a customer of another tenant, a customer without its tenant, an unknown tenant and a table unlinked to customers are refused with 400 naming the mismatch (API) and exit 2 (CLI); nothing is placed", async () => {
    const officer = t.logins.compliance_officer.token;
    const other = await sql<{ id: string }>`
      INSERT INTO tenants (business_name) VALUES ('Other Tenant') RETURNING id::text`.execute(t.db);
    const otherTenant = other.rows[0]?.id as string;
    const customer = await sql<{ id: string }>`
      SELECT id::text FROM customers WHERE tenant_id = ${tenantIds[0]}::uuid LIMIT 1`.execute(t.db);
    const customerId = customer.rows[0]?.id as string;
    const before = await t.db.selectFrom("governance.legal_holds").select("id").execute();
    const cases: [Json, RegExp][] = [
      [{ tenantId: otherTenant, customerId }, /belongs to tenant .* not to tenant/],
      [{ tenantId: "00000000-0000-4000-8000-000000000000" }, /no tenant/],
      [{ tenantId: tenantIds[0], customerId, table: "tenants" }, /no rows linked to a customer/],
    ];
    for (const [scope, message] of cases) {
      const placed = await call(officer, "/api/v1/retention/holds", {
        method: "POST",
        body: { ...scope, reason: "litigation" },
      });
      expect(placed.status, JSON.stringify(placed.body)).toBe(400);
      expect((placed.body.error as Json).message).toMatch(message);
    }
    const viaCli = await cli(
      [
        "retention",
        "hold",
        "add",
        "--tenant",
        otherTenant,
        "--customer",
        customerId,
        "--reason",
        "x",
      ],
      officer,
    );
    expect(viaCli.code).toBe(2);
    expect(viaCli.stderr).toMatch(/belongs to tenant/);
    expect(await t.db.selectFrom("governance.legal_holds").select("id").execute()).toEqual(before);
  });
});

describe("the policy applied again in every batch", () => {
  test("a customer reactivated after approval is skipped with their jobs and invoices, and the certificate names them; the rest is deleted", async () => {
    const { executeRequest } = await import("../jobs/retention/executor.ts");
    const id = await planAs(t.logins.admin.token);
    const approved = await call(independent.token, `/api/v1/retention/requests/${id}/approve`, {
      method: "POST",
      body: { reason: "reviewed" },
    });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    // A planned customer with jobs comes back after the approval.
    const picked = await sql<{ key: string }>`
      SELECT k.key FROM governance.retention_request_keys k
      WHERE k.request_id = ${id}::uuid AND k.table_name = 'customers'
        AND EXISTS (SELECT 1 FROM jobs j WHERE j.customer_id = k.key::uuid)
      ORDER BY k.key LIMIT 1`.execute(t.db);
    const back = picked.rows[0]?.key as string;
    expect(back).toBeDefined();
    await sql`UPDATE customers SET last_interaction_at = now() WHERE id = ${back}::uuid`.execute(
      t.db,
    );
    const jobs = await sql<{ id: string }>`
      SELECT id::text FROM jobs WHERE customer_id = ${back}::uuid ORDER BY id`.execute(t.db);
    const outcome = await executeRequest(
      { db: t.db, pool, config: { ...t.config, archiveDir } },
      id,
      { actor: independent.email, checkDrift: false },
    );
    expect(outcome.outcome, JSON.stringify(outcome)).toBe("done");
    if (outcome.outcome !== "done") {
      return;
    }
    // Checked in the store: the customer and their jobs are still there, the others are gone.
    const left = await sql<{ customer: number; jobs: number; others: number }>`
      SELECT (SELECT count(*)::int FROM customers WHERE id = ${back}::uuid) AS customer,
             (SELECT count(*)::int FROM jobs WHERE customer_id = ${back}::uuid) AS jobs,
             (SELECT count(*)::int FROM customers c JOIN governance.retention_request_keys k
                ON k.request_id = ${id}::uuid AND k.table_name = 'customers'
               AND k.key = c.id::text WHERE c.id <> ${back}::uuid) AS others`.execute(t.db);
    expect(left.rows[0]).toEqual({ customer: 1, jobs: jobs.rows.length, others: 0 });
    const body = outcome.certificate.body;
    expect(body.skipped?.customers).toEqual({ rows: 1, keys: [back] });
    expect(body.skipped?.jobs?.keys.sort()).toEqual(jobs.rows.map((j) => j.id).sort());
    expect(body.tables.customers?.skipped).toBe(1);
    expect(body.tables.customers?.done).toBe((body.tables.customers?.planned ?? 0) - 1);
  }, 180_000);
});
