import { createHash, randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { storeCertificate } from "../jobs/retention/certificate.ts";
import type { Role } from "../schema/domain/permissions.ts";
import { asToken, type ConsoleApp, openConsoleApp } from "./support/console-app.ts";

/**
 * The API behind the console's guarded decisions: rejecting a PII proposal needs a reason, a
 * decision can be undone by its maker for a few minutes (and only while nothing came after it),
 * retention requests and certificates open by their short id, and a certificate's sha256 is
 * verified. Expectations are computed here (sha256 by node:crypto, states read with SQL), not
 * taken from the code under test.
 */

let t: ConsoleApp;
const ids = new Map<string, string>();
let tableId = "";

type Detail = {
  id: string;
  reviewStatus: string;
  needsRereview: boolean;
  decidedCategory: string | null;
  history: { id: number; action: string; comment: string | null }[];
};

function post(path: string, body: unknown, role: Role = "steward") {
  return t.request(path, {
    method: "POST",
    headers: asToken(t.logins[role].token),
    body: JSON.stringify(body),
  });
}

function get(path: string, role: Role = "compliance_officer") {
  return t.request(path, { headers: asToken(t.logins[role].token) });
}

async function column(
  name: string,
  proposed: string,
  state: { status?: string; decided?: string; rereview?: boolean } = {},
) {
  const row = await t.db
    .insertInto("governance.catalog_columns")
    .values({
      table_id: tableId,
      store: "postgres",
      schema_name: "public",
      table_name: "people",
      column_name: name,
      json_path: "",
      data_type: "text",
      ordinal: ids.size + 1,
      is_primary_key: false,
      proposed_category: proposed,
      proposed_sensitivity: proposed === "none" ? "internal" : "confidential",
      confidence: 0.9,
      evidence: JSON.stringify([]),
      masked_samples: JSON.stringify([]),
      stats: JSON.stringify({}),
      classified_at: new Date(),
      review_status: state.status ?? "pending",
      decided_category: state.decided ?? null,
      decided_sensitivity: state.decided ? "confidential" : null,
      decided_by: state.decided ? "earlier@steward.test" : null,
      decided_at: state.decided ? new Date("2026-11-01T10:00:00Z") : null,
      needs_rereview: state.rereview ?? false,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  ids.set(name, row.id);
  return row.id;
}

const stateOf = (id: string) =>
  t.db
    .selectFrom("governance.catalog_columns")
    .select([
      "review_status",
      "decided_category",
      "decided_by",
      "decided_at",
      "needs_rereview",
      "decision_comment",
    ])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();

async function insertRequest(id: string, status = "rejected") {
  await t.db
    .insertInto("governance.retention_requests")
    .values({
      id,
      kind: "retention",
      policy_id: "audit-logs-7y",
      policy_version: 1,
      tenant_id: randomUUID(),
      fingerprint: createHash("sha256").update(id).digest("hex"),
      status,
      requires_approval: true,
      requested_by: "someone@officer.test",
    })
    .execute();
}

beforeAll(async () => {
  t = await openConsoleApp("consoledecisions");
  const table = await t.db
    .insertInto("governance.catalog_tables")
    .values({
      store: "postgres",
      schema_name: "public",
      table_name: "people",
      kind: "table",
      row_estimate: 10,
      constraints: JSON.stringify([]),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  tableId = table.id;
  await column("email", "email");
  await column("nickname", "none");
  await column("phone", "phone");
  await column("notes", "free_text_pii", {
    status: "accepted",
    decided: "free_text_pii",
    rereview: true,
  });
  await column("address", "postal_address");
  await column("city", "postal_address");
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe("rejecting a proposal of personal data", () => {
  test("without a reason is refused with 400 naming the comment field, and nothing changes", async () => {
    const id = ids.get("email") ?? "";
    for (const body of [{ action: "reject" }, { action: "reject", comment: "   " }]) {
      const response = await post(`/api/v1/catalog/columns/${id}/review`, body);
      expect(response.status).toBe(400);
      const error = ((await response.json()) as { error: { details: { path: string }[] } }).error;
      expect(error.details.map((d) => d.path)).toContain("comment");
    }
    expect((await stateOf(id)).review_status).toBe("pending");
  });

  test("in bulk without a reason is refused as well when any targeted proposal is PII", async () => {
    const response = await post("/api/v1/catalog/review", {
      ids: [ids.get("nickname"), ids.get("phone")],
      action: "reject",
    });
    expect(response.status).toBe(400);
    expect((await stateOf(ids.get("nickname") ?? "")).review_status).toBe("pending");
  });

  test("with a reason it is decided and the reason kept; a non-PII proposal needs none", async () => {
    const email = ids.get("email") ?? "";
    const response = await post(`/api/v1/catalog/columns/${email}/review`, {
      action: "reject",
      comment: "holds a system mailbox, not a person's",
    });
    expect(response.status).toBe(200);
    expect(await stateOf(email)).toMatchObject({
      review_status: "rejected",
      decided_category: "none",
      decision_comment: "holds a system mailbox, not a person's",
    });
    const plain = await post(`/api/v1/catalog/columns/${ids.get("nickname")}/review`, {
      action: "reject",
    });
    expect(plain.status).toBe(200);
  });
});

describe("undo of a decision", () => {
  test("puts a pending proposal back to pending, recorded as a review event and an audit event", async () => {
    const id = ids.get("phone") ?? "";
    const before = await stateOf(id);
    const decided = (await (
      await post(`/api/v1/catalog/columns/${id}/review`, { action: "accept" })
    ).json()) as Detail;
    expect(decided.reviewStatus).toBe("accepted");
    const eventId = decided.history[0]?.id;
    const undone = await post(`/api/v1/catalog/columns/${id}/review/undo`, { eventId });
    expect(undone.status, await undone.clone().text()).toBe(200);
    expect(await stateOf(id)).toEqual(before);
    const events = await t.db
      .selectFrom("governance.catalog_review_events")
      .select(["action", "comment"])
      .where("column_id", "=", id)
      .orderBy("id")
      .execute();
    expect(events.map((e) => e.action)).toEqual(["accepted", "reopened"]);
    const audit = await t.db
      .selectFrom("governance.audit_events")
      .select(["actor", "target", "action"])
      .where("action", "=", "catalog.review.undo")
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ target: `catalog_column:${id}` });
  });

  test("restores an earlier decision and its re-review flag exactly", async () => {
    const id = ids.get("notes") ?? "";
    const before = await stateOf(id);
    const decided = (await (
      await post(`/api/v1/catalog/columns/${id}/review`, {
        action: "override",
        category: "none",
        comment: "generated text",
      })
    ).json()) as Detail;
    expect(decided.needsRereview).toBe(false);
    const undone = await post(`/api/v1/catalog/columns/${id}/review/undo`, {
      eventId: decided.history[0]?.id,
    });
    expect(undone.status).toBe(200);
    expect(await stateOf(id)).toEqual(before);
    expect(before).toMatchObject({ review_status: "accepted", needs_rereview: true });
  });

  test("is refused (409) twice over, by another person, or once a later decision came", async () => {
    const id = ids.get("address") ?? "";
    const first = (await (
      await post(`/api/v1/catalog/columns/${id}/review`, { action: "accept" })
    ).json()) as Detail;
    const eventId = first.history[0]?.id;
    // Another steward-capable person (the admin) may not undo the steward's decision.
    const byOther = await post(`/api/v1/catalog/columns/${id}/review/undo`, { eventId }, "admin");
    expect(byOther.status).toBe(409);
    expect(await post(`/api/v1/catalog/columns/${id}/review/undo`, { eventId })).toHaveProperty(
      "status",
      200,
    );
    const again = await post(`/api/v1/catalog/columns/${id}/review/undo`, { eventId });
    expect(again.status).toBe(409);

    const city = ids.get("city") ?? "";
    const accepted = (await (
      await post(`/api/v1/catalog/columns/${city}/review`, { action: "accept" })
    ).json()) as Detail;
    await post(`/api/v1/catalog/columns/${city}/review`, {
      action: "override",
      category: "postal_address",
      sensitivity: "restricted",
    });
    const late = await post(`/api/v1/catalog/columns/${city}/review/undo`, {
      eventId: accepted.history[0]?.id,
    });
    expect(late.status).toBe(409);
    expect((await stateOf(city)).review_status).toBe("overridden");
  });

  test("is refused after the undo window, and for roles that may not review", async () => {
    const id = ids.get("nickname") ?? "";
    const decided = (await (
      await post(`/api/v1/catalog/columns/${id}/review`, { action: "accept" })
    ).json()) as Detail;
    const eventId = decided.history[0]?.id ?? 0;
    const engineer = await post(
      `/api/v1/catalog/columns/${id}/review/undo`,
      { eventId },
      "engineer",
    );
    expect(engineer.status).toBe(403);
    await sql`UPDATE governance.catalog_review_events SET occurred_at = now() - interval '1 hour'
      WHERE id = ${eventId}`.execute(t.db);
    const late = await post(`/api/v1/catalog/columns/${id}/review/undo`, { eventId });
    expect(late.status).toBe(409);
    expect((await stateOf(id)).review_status).toBe("accepted");
  });
});

describe("short ids of retention requests", () => {
  const unique = "5a1e0c1d-0000-4000-8000-000000000001";
  const twinA = "7e57ab1e-1111-4000-8000-000000000001";
  const twinB = "7e57ab1e-2222-4000-8000-000000000002";

  beforeAll(async () => {
    await insertRequest(unique);
    await insertRequest(twinA);
    await insertRequest(twinB);
  });

  test("an 8-hex prefix opens the one request it names; the full id still works", async () => {
    for (const ref of ["5a1e0c1d", "5A1E0C1D", "5a1e0c1d-0000", unique]) {
      const response = await get(`/api/v1/retention/requests/${ref}`);
      expect(response.status, ref).toBe(200);
      expect(((await response.json()) as { id: string }).id).toBe(unique);
    }
  });

  test("an ambiguous prefix is 409 listing the candidates; more digits resolve it", async () => {
    const response = await get("/api/v1/retention/requests/7e57ab1e");
    expect(response.status).toBe(409);
    const error = (
      (await response.json()) as { error: { message: string; details: { id: string }[] } }
    ).error;
    expect(error.message).toMatch(/ambiguous/);
    expect(error.details.map((d) => d.id).sort()).toEqual([twinA, twinB]);
    const longer = await get("/api/v1/retention/requests/7e57ab1e-2");
    expect(((await longer.json()) as { id: string }).id).toBe(twinB);
  });

  test("an unknown prefix is 404, and a malformed one 400, never 500", async () => {
    expect((await get("/api/v1/retention/requests/00000000")).status).toBe(404);
    for (const bad of [
      "27c18b7",
      "zzzzzzzz",
      "27c18b76%27%20or%201%3D1",
      "%25%25%25%25%25%25%25%25",
    ]) {
      expect((await get(`/api/v1/retention/requests/${bad}`)).status, bad).toBe(400);
    }
  });

  test("a certificate opens by short id and its sha256 verifies; a tampered body does not", async () => {
    const body = {
      certificate: "govern.retention.deletion-certificate/v1" as const,
      requestId: unique,
      kind: "retention" as const,
      policy: { id: "audit-logs-7y", version: 1 },
      tenantId: randomUUID(),
      subject: {},
      cutoff: null,
      requestedBy: "someone@officer.test",
      requestedAt: "2026-12-01T00:00:00.000Z",
      approvedBy: "other@officer.test",
      approvedAt: "2026-12-01T01:00:00.000Z",
      approvalReason: "ok",
      executedBy: "other@officer.test",
      startedAt: "2026-12-01T02:00:00.000Z",
      finishedAt: "2026-12-01T02:01:00.000Z",
      fingerprint: "f".repeat(64),
      tables: { audit_logs: { planned: 3, done: 3, action: "delete", archived: null, skipped: 0 } },
      keySet: { planned: null, ledger: "x", archived: null },
      archive: null,
      execution: { batches: 1, longestBatchLockMs: 2, rowsPerSecond: 100 },
    };
    await storeCertificate(t.db, body);
    const certificate = await get("/api/v1/retention/requests/5a1e0c1d/certificate");
    expect(certificate.status).toBe(200);
    const verified = (await (
      await get("/api/v1/retention/requests/5a1e0c1d/certificate/verify")
    ).json()) as { valid: boolean; sha256: string; recomputed: string };
    // The canonical form, written out here independently: keys sorted at every depth.
    const canonical = (v: unknown): unknown =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(
            Object.keys(v as object)
              .sort()
              .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
          )
        : v;
    const expected = createHash("sha256")
      .update(JSON.stringify(canonical(body)))
      .digest("hex");
    expect(verified).toMatchObject({ valid: true, sha256: expected, recomputed: expected });

    // Tampering as someone with the table's ownership would: past the append-only trigger.
    await t.db.transaction().execute(async (trx) => {
      await sql`ALTER TABLE governance.retention_certificates DISABLE TRIGGER USER`.execute(trx);
      await sql`UPDATE governance.retention_certificates
        SET body = jsonb_set(body, '{tables,audit_logs,done}', '2')
        WHERE request_id = ${unique}::uuid`.execute(trx);
      await sql`ALTER TABLE governance.retention_certificates ENABLE TRIGGER USER`.execute(trx);
    });
    const tampered = (await (
      await get(`/api/v1/retention/requests/${unique}/certificate/verify`)
    ).json()) as { valid: boolean };
    expect(tampered.valid).toBe(false);
  });
});
