import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { executeRequest } from "../jobs/retention/executor.ts";
import { seedDemoPlatform } from "../masking/demo-platform/index.ts";
import { insertUser } from "../schema/governance/console-users.repository.ts";
import { hashPassword } from "../server/auth/passwords.ts";
import { createApiToken } from "../server/auth/principal.ts";
import { asToken, type ConsoleApp, openConsoleApp } from "./support/console-app.ts";

/**
 * The retention API through the real app and the real engine, over a small demo platform whose
 * history ended nine years ago (so the policies have candidates): policies and their versions,
 * planning, the impact preview (masked), the approval gate over HTTP, holds, execution and the
 * certificate, and erasure.
 */

const NOW = new Date();
const AS_OF_SEED = new Date(Date.UTC(NOW.getUTCFullYear() - 9, 0, 1));

let t: ConsoleApp;
let pool: pg.Pool;
let tenantIds: string[];
/** A second compliance officer: the one who may approve what the first requested. */
let secondOfficer: { email: string; token: string };
/** This file's own archive store, so archive-then-delete writes nowhere shared. */
let archiveDir: string;

type Json = Record<string, unknown>;
type Request = Json & {
  id: string;
  status: string;
  policyId: string | null;
  fingerprint: string;
  totalRows: number;
  counts: Record<string, number>;
  requestedBy: string;
  requestedByYou: boolean;
};

const tokenOf = (who: "steward" | "engineer" | "admin" | "compliance_officer" | "second") =>
  who === "second" ? secondOfficer.token : t.logins[who].token;

async function call(
  who: Parameters<typeof tokenOf>[0],
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: Json; headers: Headers }> {
  const response = await t.request(path, {
    method: init.method ?? "GET",
    headers: asToken(tokenOf(who)),
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as Json) : {},
    headers: response.headers,
  };
}

async function lastAudit(action: string) {
  return t.db
    .selectFrom("governance.audit_events")
    .selectAll()
    .where("action", "=", action)
    .orderBy("id", "desc")
    .executeTakeFirst();
}

/** Plans one policy for the first tenant as the compliance officer, through the API. */
async function planPolicy(policyId: string): Promise<Request> {
  const planned = await call("compliance_officer", "/api/v1/retention/plan", {
    method: "POST",
    body: { policyIds: [policyId], tenantIds: [tenantIds[0]] },
  });
  expect(planned.status, JSON.stringify(planned.body)).toBe(200);
  const items = planned.body.items as Request[];
  const request = items.find((i) => i.policyId === policyId);
  if (!request) {
    throw new Error(`no request for ${policyId}: ${JSON.stringify(planned.body)}`);
  }
  return request;
}

beforeAll(async () => {
  t = await openConsoleApp("retentionapi", { demoPartitionsFor: AS_OF_SEED });
  archiveDir = mkdtempSync(join(tmpdir(), "govern-retention-api-"));
  pool = new pg.Pool({ connectionString: t.config.databaseUrl, max: 3 });
  const report = await seedDemoPlatform(pool, {
    tenants: 2,
    customersPerTenant: 12,
    seed: 73,
    asOf: AS_OF_SEED,
  });
  tenantIds = report.tenantIds;
  const user = await insertUser(t.db, {
    email: "second-officer@retentionapi.test",
    displayName: "Second officer",
    role: "compliance_officer",
    passwordHash: await hashPassword("second officer password"),
  });
  const { token } = await createApiToken(t.db, user.id, "second officer token");
  secondOfficer = { email: user.email, token };
}, 180_000);

afterAll(async () => {
  await pool?.end();
  await t?.close();
  if (archiveDir) {
    rmSync(archiveDir, { recursive: true, force: true });
  }
});

describe("policies", () => {
  test("lists the shipped schedules and shows one policy with its versions", async () => {
    const list = await call("steward", "/api/v1/retention/policies?pageSize=100");
    expect(list.status).toBe(200);
    const items = list.body.items as Json[];
    expect(items.map((p) => p.id)).toEqual(
      expect.arrayContaining(["audit-logs-7y", "inactive-customers-7y"]),
    );
    const detail = await call("steward", "/api/v1/retention/policies/audit-logs-7y");
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ id: "audit-logs-7y", table: "audit_logs", version: 1 });
    expect(detail.body.versions).toHaveLength(1);
    expect((await call("steward", "/api/v1/retention/policies/no-such-policy")).status).toBe(404);
  });

  test("a compliance officer's edit becomes a new version with an audit event; invalid edits are refused with every problem", async () => {
    const before = await call("compliance_officer", "/api/v1/retention/policies/audit-logs-7y");
    const definition = before.body.definition as Json;
    const edit = await call("compliance_officer", "/api/v1/retention/policies/audit-logs-7y", {
      method: "PUT",
      body: { definition: { ...definition, threshold: 25_000 }, note: "larger batches reviewed" },
    });
    expect(edit.status, JSON.stringify(edit.body)).toBe(200);
    expect(edit.body).toMatchObject({ version: 2, threshold: 25_000, source: "console" });
    const after = await call("steward", "/api/v1/retention/policies/audit-logs-7y");
    expect((after.body.versions as Json[]).map((v) => v.version)).toEqual([2, 1]);
    const audit = await lastAudit("retention.policy.update");
    expect(audit?.actor).toBe(t.logins.compliance_officer.user.email);
    expect(audit?.target).toBe("retention-policy:audit-logs-7y");
    expect(audit?.summary).toMatchObject({ from: 1, version: 2, note: "larger batches reviewed" });

    const invalid = await call("compliance_officer", "/api/v1/retention/policies/audit-logs-7y", {
      method: "PUT",
      body: {
        definition: { ...definition, period: "7 eons", dateColumn: "no_such_column" },
        note: "typo",
      },
    });
    expect(invalid.status).toBe(400);
    const error = invalid.body.error as { message: string; details: { message: string }[] };
    expect(error.message).toContain("period");
    expect(error.details.length).toBeGreaterThan(0);
    const unfit = await call("compliance_officer", "/api/v1/retention/policies/audit-logs-7y", {
      method: "PUT",
      body: { definition: { ...definition, dateColumn: "no_such_column" }, note: "typo" },
    });
    expect(unfit.status).toBe(400);
    expect((unfit.body.error as { message: string }).message).toContain("no_such_column");
    const stale = await call("compliance_officer", "/api/v1/retention/policies/audit-logs-7y", {
      method: "PUT",
      body: { definition, note: "on top of an old version", expectedVersion: 1 },
    });
    expect(stale.status).toBe(409);
    // Refused edits made no version.
    const still = await call("steward", "/api/v1/retention/policies/audit-logs-7y");
    expect(still.body.version).toBe(2);
  });

  test("stewards and engineers may not edit policies", async () => {
    const body = { definition: { id: "audit-logs-7y" }, note: "x" };
    for (const who of ["steward", "engineer", "admin"] as const) {
      const answer = await call(who, "/api/v1/retention/policies/audit-logs-7y", {
        method: "PUT",
        body,
      });
      expect(answer.status, who).toBe(403);
    }
  });
});

describe("requests and the approval gate", () => {
  let request: Request;

  test("planning makes a request whose preview shows counts per table and masked samples, never a raw email", async () => {
    // A threshold below the candidate count makes the plan need a person's approval.
    const policy = await call(
      "compliance_officer",
      "/api/v1/retention/policies/ccpa-interactions-2y",
    );
    const lowered = await call(
      "compliance_officer",
      "/api/v1/retention/policies/ccpa-interactions-2y",
      {
        method: "PUT",
        body: {
          definition: { ...(policy.body.definition as Json), threshold: 10 },
          note: "review all",
        },
      },
    );
    expect(lowered.status, JSON.stringify(lowered.body)).toBe(200);
    request = await planPolicy("ccpa-interactions-2y");
    expect(request.status).toBe("pending_approval");
    expect(request.requestedBy).toBe(t.logins.compliance_officer.user.email);
    expect(request.counts.customer_interactions).toBeGreaterThan(10);

    const detail = await call("steward", `/api/v1/retention/requests/${request.id}`);
    expect(detail.status).toBe(200);
    const impact = detail.body.impact as { table: string; tenantId: string; rows: number }[];
    expect(impact.find((i) => i.table === "customer_interactions")).toMatchObject({
      tenantId: tenantIds[0],
      rows: request.counts.customer_interactions,
    });
    const samples = detail.body.samples as { table: string; rows: Json[] }[];
    const interactions = samples.find((s) => s.table === "customer_interactions");
    expect(interactions?.rows.length).toBe(5);
    // Keys and kinds stay readable; the content is reduced to its shape.
    expect(interactions?.rows[0]?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(String(interactions?.rows[0]?.content)).toMatch(/•/);
    expect(detail.body.fingerprint).toBe(request.fingerprint);
    expect((detail.body.timeline as Json[])[0]).toMatchObject({ event: "planned" });

    // The emails and phones of the tenant's customers appear nowhere in the answer, nor does
    // the text of the interactions that quote them.
    const people = await sql<{ email: string | null; phone: string | null }>`
      SELECT email, phone FROM customers WHERE tenant_id = ${tenantIds[0]}`.execute(t.db);
    expect(people.rows.length).toBeGreaterThan(0);
    const contents = await sql<{ content: string }>`
      SELECT content FROM customer_interactions
      WHERE tenant_id = ${tenantIds[0]} AND length(content) > 8`.execute(t.db);
    const text = JSON.stringify(detail.body);
    for (const value of [
      ...people.rows.flatMap((p) => [p.email, p.phone]),
      ...contents.rows.map((c) => c.content),
    ]) {
      if (value) {
        expect(text).not.toContain(value);
      }
    }
    // Nor does any other address: only the console users' own (who requested it) may show.
    const consoleUsers = /"[\w.-]+@retentionapi\.test"/g;
    expect(text.replace(consoleUsers, '""')).not.toMatch(/[\w.+-]+@[\w-]+\.[\w.]+/);

    const listed = await call(
      "steward",
      `/api/v1/retention/requests?status=pending_approval&tenant=${tenantIds[0]}`,
    );
    expect(listed.status).toBe(200);
    expect((listed.body.items as Json[]).map((i) => i.id)).toContain(request.id);
    const none = await call("steward", "/api/v1/retention/requests?kind=erasure&status=done");
    expect(none.body).toEqual({ items: [], total: 0 });
    expect(
      (await call("steward", `/api/v1/retention/requests/${crypto.randomUUID()}`)).status,
    ).toBe(404);
  });

  test("the requester cannot approve their own request: 409 with the reason code", async () => {
    const own = await call(
      "compliance_officer",
      `/api/v1/retention/requests/${request.id}/approve`,
      {
        method: "POST",
        body: { reason: "looks right" },
      },
    );
    expect(own.status).toBe(409);
    expect(own.body.error).toMatchObject({
      code: "conflict",
      details: { reason: "self_approval" },
    });
    const audit = await lastAudit("retention.request.approve");
    expect(audit?.summary).toMatchObject({ refused: "self_approval", status: 409 });
    const seen = await call("compliance_officer", `/api/v1/retention/requests/${request.id}`);
    expect(seen.body.requestedByYou).toBe(true);
    expect(seen.body.status).toBe("pending_approval");
  });

  test("stewards, engineers and admins may not approve; a stale fingerprint is refused", async () => {
    for (const who of ["steward", "engineer", "admin"] as const) {
      const answer = await call(who, `/api/v1/retention/requests/${request.id}/approve`, {
        method: "POST",
        body: { reason: "ok" },
      });
      expect(answer.status, who).toBe(403);
    }
    const stale = await call("second", `/api/v1/retention/requests/${request.id}/approve`, {
      method: "POST",
      body: { reason: "ok", fingerprint: "0".repeat(64) },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ details: { reason: "fingerprint_mismatch" } });
  });

  test("an execution before approval is refused", async () => {
    const early = await call(
      "compliance_officer",
      `/api/v1/retention/requests/${request.id}/execute`,
      {
        method: "POST",
      },
    );
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ details: { reason: "wrong_status" } });
  });

  test("another compliance officer approves, binding the fingerprint; the decision is audited", async () => {
    const approved = await call("second", `/api/v1/retention/requests/${request.id}/approve`, {
      method: "POST",
      body: { reason: "retention period passed", fingerprint: request.fingerprint },
    });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body).toMatchObject({
      status: "approved",
      approvedBy: secondOfficer.email,
      fingerprint: request.fingerprint,
    });
    expect(approved.body.approvalExpiresAt).toEqual(expect.any(String));
    const audit = await lastAudit("retention.request.approve");
    expect(audit?.actor).toBe(secondOfficer.email);
    expect(audit?.summary).toMatchObject({
      status: 200,
      requestStatus: "approved",
      fingerprint: request.fingerprint,
    });
    const timeline = (await call("steward", `/api/v1/retention/requests/${request.id}`)).body
      .timeline as Json[];
    expect(timeline.map((e) => e.event)).toEqual(["planned", "approved"]);
  });

  test("a legal hold blocks the approved request; released, it can be executed again", async () => {
    const hold = await call("compliance_officer", "/api/v1/retention/holds", {
      method: "POST",
      body: {
        tenantId: tenantIds[0],
        table: "customer_interactions",
        reason: "litigation 2026-114",
      },
    });
    expect(hold.status, JSON.stringify(hold.body)).toBe(201);
    expect(hold.body).toMatchObject({ owner: t.logins.compliance_officer.user.email });
    const holdId = hold.body.id as string;
    expect((await lastAudit("retention.hold.add"))?.target).toBe(`legal-hold:${holdId}`);

    const held = await call(
      "compliance_officer",
      `/api/v1/retention/requests/${request.id}/execute`,
      {
        method: "POST",
      },
    );
    expect(held.status).toBe(409);
    expect(held.body.error).toMatchObject({ details: { reason: "held" } });
    expect((held.body.error as { message: string }).message).toContain(holdId);
    const blocked = await call("steward", `/api/v1/retention/requests/${request.id}`);
    expect(blocked.body.status).toBe("blocked");

    const active = await call("steward", "/api/v1/retention/holds?state=active");
    expect((active.body.items as Json[]).map((h) => h.id)).toContain(holdId);
    for (const who of ["steward", "engineer"] as const) {
      const refused = await call(who, `/api/v1/retention/holds/${holdId}/release`, {
        method: "POST",
        body: { reason: "settled" },
      });
      expect(refused.status, who).toBe(403);
    }
    const released = await call("compliance_officer", `/api/v1/retention/holds/${holdId}/release`, {
      method: "POST",
      body: { reason: "case settled" },
    });
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({ releasedBy: t.logins.compliance_officer.user.email });
    const again = await call("compliance_officer", `/api/v1/retention/holds/${holdId}/release`, {
      method: "POST",
      body: {},
    });
    expect(again.status).toBe(409);
    expect((await call("steward", `/api/v1/retention/requests/${request.id}`)).body.status).toBe(
      "approved",
    );
  });

  test("execute enqueues the retention job; the executor's certificate then downloads as JSON", async () => {
    for (const who of ["steward", "engineer"] as const) {
      const refused = await call(who, `/api/v1/retention/requests/${request.id}/execute`, {
        method: "POST",
      });
      expect(refused.status, who).toBe(403);
    }
    const enqueued = await call(
      "compliance_officer",
      `/api/v1/retention/requests/${request.id}/execute`,
      {
        method: "POST",
      },
    );
    expect(enqueued.status, JSON.stringify(enqueued.body)).toBe(202);
    const jobId = enqueued.body.jobId as string;
    const job = await t.redis.hgetall(`${t.config.queuePrefix}:retention:${jobId}`);
    expect(JSON.parse(job.data ?? "{}")).toMatchObject({
      action: "execute",
      requestId: request.id,
      actor: t.logins.compliance_officer.user.email,
    });
    expect((await lastAudit("retention.request.execute"))?.summary).toMatchObject({ jobId });

    const missing = await call("steward", `/api/v1/retention/requests/${request.id}/certificate`);
    expect(missing.status).toBe(404);

    // No worker runs in this test: run the executor the job would run.
    const config = { ...t.config, archiveDir };
    const outcome = await executeRequest({ db: t.db, pool, config }, request.id, {
      actor: "worker",
    });
    expect(outcome.outcome, JSON.stringify(outcome).slice(0, 800)).toBe("done");

    const detail = await call("steward", `/api/v1/retention/requests/${request.id}`);
    expect(detail.body).toMatchObject({ status: "done", hasCertificate: true });
    expect(detail.body.progress).toEqual({ done: request.totalRows, total: request.totalRows });

    const certificate = await call(
      "steward",
      `/api/v1/retention/requests/${request.id}/certificate`,
    );
    expect(certificate.status).toBe(200);
    expect(certificate.headers.get("content-disposition")).toBe(
      `attachment; filename="retention-certificate-${request.id}.json"`,
    );
    expect(certificate.body).toMatchObject({ requestId: request.id, totalRows: request.totalRows });
    expect(certificate.body.body).toMatchObject({
      requestId: request.id,
      requestedBy: t.logins.compliance_officer.user.email,
      approvedBy: secondOfficer.email,
    });
    const list = await call("steward", "/api/v1/retention/certificates");
    expect((list.body.items as Json[]).map((c) => c.requestId)).toContain(request.id);
  });
});

describe("rejection, investigation flag", () => {
  test("a request is rejected with a reason by another officer", async () => {
    const request = await planPolicy("job-status-history-3y");
    const rejected = await call("second", `/api/v1/retention/requests/${request.id}/reject`, {
      method: "POST",
      body: { reason: "still needed for the warranty review" },
    });
    expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);
    expect(rejected.body.status).toBe("rejected");
    const empty = await call("second", `/api/v1/retention/requests/${request.id}/reject`, {
      method: "POST",
      body: { reason: "" },
    });
    expect(empty.status).toBe(400);
  });

  test("the investigation flag is set and lifted by a compliance officer, and audited", async () => {
    expect((await call("steward", "/api/v1/retention/investigation")).status).toBe(403);
    const set = await call("compliance_officer", "/api/v1/retention/investigation", {
      method: "PUT",
      body: { active: true, reason: "SEC inquiry" },
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ regulation: "SOX", active: true, reason: "SEC inquiry" });
    expect((await lastAudit("retention.investigation.set"))?.summary).toMatchObject({
      reason: "SEC inquiry",
    });
    const lifted = await call("compliance_officer", "/api/v1/retention/investigation", {
      method: "PUT",
      body: { active: false, reason: "inquiry closed" },
    });
    expect(lifted.body).toMatchObject({ active: false });
  });
});

describe("erasure", () => {
  test("a compliance officer plans one person's erasure; the plan waits for another officer and shows none of their identifiers", async () => {
    const tenant = tenantIds[1] ?? "";
    const person = await sql<{ id: string; email: string; phone: string | null }>`
      SELECT id::text AS id, email, phone FROM customers
      WHERE tenant_id = ${tenant} AND email IS NOT NULL ORDER BY id LIMIT 1`.execute(t.db);
    const customer = person.rows[0];
    if (!customer) {
      throw new Error("the demo platform has no customer with an email");
    }
    for (const who of ["steward", "engineer"] as const) {
      const refused = await call(who, "/api/v1/retention/erasure", {
        method: "POST",
        body: { tenantId: tenant, customerId: customer.id },
      });
      expect(refused.status, who).toBe(403);
    }
    const unknown = await call("compliance_officer", "/api/v1/retention/erasure", {
      method: "POST",
      body: { tenantId: tenant, customerId: crypto.randomUUID() },
    });
    expect(unknown.status).toBe(400);

    // Another customer's message naming them: a row that only mentions the person.
    await sql`
      INSERT INTO communications (tenant_id, business_id, recipient_type, recipient_id,
        recipient_info, communication_type, direction, subject, content, status)
      SELECT c.tenant_id, c.business_id, 'customer', c.id, jsonb_build_object('email', c.email),
        'email', 'inbound', 'Referral', ${`My neighbour ${customer.email} recommended you.`},
        'delivered'
      FROM customers c
      WHERE c.tenant_id = ${tenant} AND c.id <> ${customer.id} AND c.email IS NOT NULL
      ORDER BY c.id LIMIT 1`.execute(t.db);

    const planned = await call("compliance_officer", "/api/v1/retention/erasure", {
      method: "POST",
      body: { tenantId: tenant, customerId: customer.id },
    });
    expect(planned.status, JSON.stringify(planned.body)).toBe(201);
    expect(planned.body).toMatchObject({
      kind: "erasure",
      status: "pending_approval",
      tenantId: tenant,
      subject: { customer_id: customer.id },
      requiresApproval: true,
    });
    expect(planned.body.totalRows).toBeGreaterThan(0);
    const id = planned.body.id as string;
    expect((await lastAudit("retention.erasure.plan"))?.summary).toMatchObject({
      customerId: customer.id,
    });

    const detail = await call("steward", `/api/v1/retention/requests/${id}`);
    expect(detail.status).toBe(200);
    const text = JSON.stringify(detail.body);
    expect(text).not.toContain(customer.email);
    if (customer.phone) {
      expect(text).not.toContain(customer.phone);
    }
    expect(text).not.toContain("sealed");
    // The plan says which rows only mention the person: scrubbed in these columns, not anonymized.
    const tables = (detail.body.definition as { tables: { table: string; mentions?: unknown }[] })
      .tables;
    expect(tables.find((p) => p.table === "communications")?.mentions).toMatchObject({
      rows: expect.any(Number),
    });
    expect(tables.find((p) => p.table === "customers")?.mentions ?? null).toBeNull();

    const own = await call("compliance_officer", `/api/v1/retention/requests/${id}/approve`, {
      method: "POST",
      body: { reason: "the customer asked" },
    });
    expect(own.body.error).toMatchObject({ details: { reason: "self_approval" } });
    const approved = await call("second", `/api/v1/retention/requests/${id}/approve`, {
      method: "POST",
      body: { reason: "identity verified", fingerprint: planned.body.fingerprint },
    });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body.status).toBe("approved");
  });
});
