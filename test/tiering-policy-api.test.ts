import { afterAll, beforeAll, expect, test } from "vitest";
import {
  ZTieringPolicies,
  ZTieringPolicyPreview,
  ZTieringPolicyVersions,
  ZTieringPolicyView,
} from "../schema/domain/tiering.ts";
import { type ConsoleApp, openConsoleApp } from "./support/console-app.ts";

/**
 * Editing a tiering policy over the API: validated like a file (each problem named), a dry run
 * before saving, a new audited version on save, and no edit for a role without
 * tiering:policies.
 */

let t: ConsoleApp;

beforeAll(async () => {
  t = await openConsoleApp("tierpolicy");
}, 120_000);

afterAll(async () => {
  await t?.close();
});

function call(role: "admin" | "engineer", method: string, path: string, body?: unknown) {
  return t.request(path, {
    method,
    headers: {
      authorization: `Bearer ${t.logins[role].token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const draft = (hot: string, archive = "8 years", extra = "") => `table: customer_interactions
date_column: created_at
tiers: { hot: ${hot}, warm: 180 days, cold: 2 years, archive: ${archive} }
business_rules:
  retain_active_customers: true
  comply_with_regulations: [GDPR, CCPA]
  preserve_audit_trail: true
${extra}`;

test("a draft that breaks the rules is refused with each problem named, in the dry run and on save", async () => {
  // hot after warm, an archive shorter than the CCPA retention, and an unknown key.
  const body = draft("200 days", "1 year", "move_fast: true\n");
  const preview = await call(
    "admin",
    "POST",
    "/api/v1/tiering/policies/customer_interactions/preview",
    { body },
  );
  expect(preview.status).toBe(200);
  const parsed = ZTieringPolicyPreview.parse(await preview.json());
  expect(parsed.valid).toBe(false);
  expect(parsed.draft).toBeNull();
  expect(parsed.problems.join("\n")).toMatch(/move_fast/);
  const save = await call("admin", "PUT", "/api/v1/tiering/policies/customer_interactions", {
    body,
  });
  expect(save.status).toBe(400);
  const error = (await save.json()) as { error: { code: string; details: { message: string }[] } };
  expect(error.error.code).toBe("invalid_request");
  expect(error.error.details.length).toBeGreaterThan(0);
  // Semantic rules: ages must increase, the archive must outlast retention.
  const semantic = await call("admin", "PUT", "/api/v1/tiering/policies/customer_interactions", {
    body: draft("200 days", "1 year"),
  });
  // Each detail names its field (the console shows it there) and says the line.
  const messages = (
    (await semantic.json()) as { error: { details: { path: string; message: string }[] } }
  ).error.details
    .map((d) => `${d.path}: ${d.message}`)
    .join("\n");
  expect(messages).toMatch(/tiers\.warm: line \d+: 180 days must be longer than tiers\.hot/);
  expect(messages).toMatch(/tiers\.archive: line \d+: 1 year ends before retention policy/);
  const semanticPreview = ZTieringPolicyPreview.parse(
    await (
      await call("admin", "POST", "/api/v1/tiering/policies/customer_interactions/preview", {
        body: draft("200 days", "1 year"),
      })
    ).json(),
  );
  expect(semanticPreview.issues).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ path: "tiers.warm", line: expect.any(Number) }),
      expect.objectContaining({ path: "tiers.archive", line: expect.any(Number) }),
    ]),
  );
  // Another table's name in the body, an unknown table, an extra body field.
  expect(
    (await call("admin", "PUT", "/api/v1/tiering/policies/payments", { body: draft("30 days") }))
      .status,
  ).toBe(400);
  expect(
    (await call("admin", "PUT", "/api/v1/tiering/policies/nope", { body: draft("30 days") }))
      .status,
  ).toBe(400);
  expect(
    (
      await call("admin", "PUT", "/api/v1/tiering/policies/customer_interactions", {
        body: draft("30 days"),
        force: true,
      })
    ).status,
  ).toBe(400);
}, 60_000);

test("a valid draft previews its plan, saves as a new audited version and is the policy in force", async () => {
  const body = draft("45 days");
  const preview = ZTieringPolicyPreview.parse(
    await (
      await call("admin", "POST", "/api/v1/tiering/policies/customer_interactions/preview", {
        body,
      })
    ).json(),
  );
  expect(preview.valid).toBe(true);
  expect(preview.draft).not.toBeNull();
  expect(preview.draft?.moves.every((m) => m.table === "customer_interactions")).toBe(true);
  // An engineer may not edit.
  expect(
    (await call("engineer", "PUT", "/api/v1/tiering/policies/customer_interactions", { body }))
      .status,
  ).toBe(403);
  const saved = await call("admin", "PUT", "/api/v1/tiering/policies/customer_interactions", {
    body,
  });
  expect(saved.status).toBe(200);
  const view = ZTieringPolicyView.parse(await saved.json());
  expect(view).toMatchObject({ version: 1, source: "console", tiers: { hot: "45 days" } });
  const again = ZTieringPolicyView.parse(
    await (
      await call("admin", "PUT", "/api/v1/tiering/policies/customer_interactions", {
        body: draft("60 days"),
      })
    ).json(),
  );
  expect(again.version).toBe(2);
  const list = ZTieringPolicies.parse(
    await (await call("admin", "GET", "/api/v1/tiering/policies")).json(),
  );
  expect(list.items.find((p) => p.table === "customer_interactions")?.tiers.hot).toBe("60 days");
  expect(list.items.find((p) => p.table === "payments")?.source).toBe("file");
  const versions = ZTieringPolicyVersions.parse(
    await (
      await call("admin", "GET", "/api/v1/tiering/policies/customer_interactions/versions")
    ).json(),
  );
  expect(versions.items.map((v) => v.version)).toEqual([2, 1]);
  const audit = await t.db
    .selectFrom("governance.audit_events")
    .select(["action", "summary", "actor"])
    .where("action", "=", "tiering.policy.update")
    .where("target", "=", "public.customer_interactions")
    .execute();
  // One event per save (the refused saves are audited under their status, not as updates).
  expect(audit.filter((a) => (a.summary as { status: number }).status === 200).length).toBe(2);
}, 60_000);
