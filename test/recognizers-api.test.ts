import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCatalogScan } from "../jobs/classify/scan.ts";
import type { TCatalogColumnDetail } from "../schema/contracts/catalog.ts";
import type {
  TRecognizer,
  TRecognizerDetail,
  TRecognizerPreview,
  TSuppression,
} from "../schema/contracts/recognizers.ts";
import { asToken, type ConsoleApp, openConsoleApp } from "./support/console-app.ts";

/**
 * Custom recognizers and suppressions over HTTP (issue 21): validation (bounded, backtracking-safe
 * patterns, library validators), audited versions, a preview on live samples before enabling, a
 * scan that applies an enabled recognizer, and a steward's rejection that becomes a suppression
 * the next scan honours and the evidence names — removable, and audited.
 */

let t: ConsoleApp;
const EMPLOYEE = {
  name: "employee_number",
  category: "government_id",
  pattern: "EMP-\\d{6}",
  contextWords: ["staff"],
  minShare: 0.8,
};

async function call<T>(
  method: string,
  path: string,
  body?: unknown,
  role: "steward" | "engineer" | "admin" = "steward",
): Promise<{ status: number; body: T }> {
  const res = await t.request(path, {
    method,
    headers: { ...asToken(t.logins[role].token), "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as T };
}

async function scan(): Promise<void> {
  await runCatalogScan(
    { db: t.db, analytics: null },
    { stores: ["postgres"], triggeredBy: "test" },
  );
}

async function column(table: string, name: string): Promise<TCatalogColumnDetail> {
  const row = await t.db
    .selectFrom("governance.catalog_columns")
    .select("id")
    .where("table_name", "=", table)
    .where("column_name", "=", name)
    .where("json_path", "=", "")
    .executeTakeFirstOrThrow();
  return (await call<TCatalogColumnDetail>("GET", `/api/v1/catalog/columns/${row.id}`)).body;
}

async function audits(action: string): Promise<{ actor: string; target: string | null }[]> {
  return t.db
    .selectFrom("governance.audit_events")
    .select(["actor", "target"])
    .where("action", "=", action)
    .execute();
}

beforeAll(async () => {
  t = await openConsoleApp("recognizers_api");
  // Two tables of our own: staff references nobody's built-in detector knows, and e-mails in two
  // places for a suppression across tables.
  await sql`CREATE TABLE public.recog_staff (
      id int PRIMARY KEY, tenant_id uuid NOT NULL, staff_ref text, contact text)`.execute(t.db);
  await sql`CREATE TABLE public.recog_other (
      id int PRIMARY KEY, tenant_id uuid NOT NULL, mail text)`.execute(t.db);
  // Staff references inside a JSON document too: the preview reads JSON leaves as the scan does.
  await sql`CREATE TABLE public.recog_profiles (
      id int PRIMARY KEY, tenant_id uuid NOT NULL, profile jsonb)`.execute(t.db);
  await sql`GRANT SELECT ON public.recog_staff, public.recog_other, public.recog_profiles
      TO govern_reader`.execute(t.db);
  await sql`INSERT INTO public.recog_profiles
      SELECT i, gen_random_uuid(), jsonb_build_object(
        'staff', jsonb_build_object('ref', 'EMP-' || lpad((200000 + i * 11)::text, 6, '0')),
        'team', 'ops')
      FROM generate_series(1, 30) i`.execute(t.db);
  await sql`INSERT INTO public.recog_staff
      SELECT i, gen_random_uuid(), 'EMP-' || lpad((100000 + i * 7)::text, 6, '0'),
             'person' || i || '@example.com'
      FROM generate_series(1, 40) i`.execute(t.db);
  await sql`INSERT INTO public.recog_other
      SELECT i, gen_random_uuid(), 'someone' || i || '@example.org'
      FROM generate_series(1, 40) i`.execute(t.db);
  await scan();
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe("custom recognizers", () => {
  test("an invalid definition is refused with each problem under its field", async () => {
    const nested = await call<{ error: { details: { path: string; message: string }[] } }>(
      "POST",
      "/api/v1/catalog/recognizers",
      { definition: { ...EMPLOYEE, pattern: "(\\d+)+$" } },
    );
    expect(nested.status).toBe(400);
    expect(nested.body.error.details[0]?.path).toBe("definition.pattern");
    expect(nested.body.error.details[0]?.message).toMatch(/backtrack/);

    const bad = await call<{ error: { details: { path: string; message: string }[] } }>(
      "POST",
      "/api/v1/catalog/recognizers",
      {
        definition: {
          ...EMPLOYEE,
          pattern: "EMP-(\\d{6}",
          validator: { kind: "stdnum", country: "DE", type: "nope" },
        },
      },
    );
    expect(bad.status).toBe(400);
    const paths = bad.body.error.details.map((d) => d.path);
    expect(paths).toEqual(["definition.pattern", "definition.validator"]);
    expect(bad.body.error.details[1]?.message).toMatch(/idnr/);

    for (const definition of [
      { ...EMPLOYEE, category: "none" },
      { ...EMPLOYEE, pattern: "x".repeat(501) },
      { ...EMPLOYEE, extra: true },
      { ...EMPLOYEE, pattern: "a*" },
      { ...EMPLOYEE, name: "Bad Name" },
    ]) {
      const res = await call("POST", "/api/v1/catalog/recognizers", { definition });
      expect(res.status, JSON.stringify(definition)).toBe(400);
    }
    const engineer = await call(
      "POST",
      "/api/v1/catalog/recognizers",
      { definition: EMPLOYEE },
      "engineer",
    );
    expect(engineer.status).toBe(403);
    expect(
      await t.db.selectFrom("governance.classification_recognizers").selectAll().execute(),
    ).toEqual([]);
  });

  test("the preview shows, masked, which columns the recognizer would relabel", async () => {
    const res = await call<TRecognizerPreview>("POST", "/api/v1/catalog/recognizers/preview", {
      definition: EMPLOYEE,
      rows: 50,
    });
    expect(res.status).toBe(200);
    const staff = res.body.matches.find(
      (m) => m.table === "recog_staff" && m.column === "staff_ref",
    );
    expect(staff).toMatchObject({
      currentCategory: "none",
      newCategory: "government_id",
      effect: "changes",
      matched: 40,
      sampled: 40,
      contextWord: "staff",
    });
    // Masked: no sampled reference appears whole.
    for (const example of staff?.examples ?? []) {
      expect(example).not.toMatch(/\d{3}/);
    }
    expect(staff?.jsonPath).toBe("");
    // A JSON column's leaf, by its path, with the label its catalog row would get.
    const profile = res.body.matches.find((m) => m.table === "recog_profiles");
    expect(profile).toMatchObject({
      column: "profile",
      jsonPath: "staff.ref",
      currentCategory: "none",
      newCategory: "government_id",
      effect: "changes",
      matched: 30,
      sampled: 30,
    });
    expect(res.body.changes).toBe(2);
    expect(res.body.matches.some((m) => m.column === "contact")).toBe(false);
    expect(res.body.matches.some((m) => m.jsonPath === "team")).toBe(false);
  });

  test("versions: create, edit, enable are each a version with who and when, and audited", async () => {
    const created = await call<TRecognizer>("POST", "/api/v1/catalog/recognizers", {
      definition: { ...EMPLOYEE, minShare: 0.5 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      version: 1,
      enabled: false,
      createdBy: "steward@recognizers_api.test",
    });
    const taken = await call("POST", "/api/v1/catalog/recognizers", { definition: EMPLOYEE });
    expect(taken.status).toBe(409);

    const edited = await call<TRecognizer>(
      "PUT",
      `/api/v1/catalog/recognizers/${created.body.id}`,
      { definition: EMPLOYEE, comment: "80 % of samples" },
    );
    expect(edited.body).toMatchObject({ version: 2, enabled: false });
    const same = await call("PUT", `/api/v1/catalog/recognizers/${created.body.id}`, {
      definition: EMPLOYEE,
    });
    expect(same.status).toBe(409);

    const enabled = await call<TRecognizer>(
      "POST",
      "/api/v1/catalog/recognizers/employee_number/enabled",
      { enabled: true },
      "admin",
    );
    expect(enabled.body).toMatchObject({
      version: 3,
      enabled: true,
      updatedBy: "admin@recognizers_api.test",
    });

    const detail = await call<TRecognizerDetail>(
      "GET",
      "/api/v1/catalog/recognizers/employee_number",
    );
    expect(
      detail.body.versions.map((v) => [v.version, v.change, v.actor, v.definition.minShare]),
    ).toEqual([
      [3, "enabled", "admin@recognizers_api.test", 0.8],
      [2, "edited", "steward@recognizers_api.test", 0.8],
      [1, "created", "steward@recognizers_api.test", 0.5],
    ]);
    expect(detail.body.versions[1]?.comment).toBe("80 % of samples");
    expect(await audits("catalog.recognizer.create")).toEqual([
      { actor: "steward@recognizers_api.test", target: "recognizer:employee_number" },
    ]);
    expect(await audits("catalog.recognizer.edit")).toHaveLength(1);
    expect(await audits("catalog.recognizer.enable")).toEqual([
      { actor: "admin@recognizers_api.test", target: "recognizer:employee_number" },
    ]);
  });

  test("a scan applies the enabled recognizer, naming its version in the evidence", async () => {
    await scan();
    const staff = await column("recog_staff", "staff_ref");
    expect(staff.proposedCategory).toBe("government_id");
    expect(staff.evidence[0]).toMatchObject({
      detector: "recognizer:employee_number@v3",
      signal: "value",
      matched: 40,
      sampled: 40,
    });
  });
});

describe("suppressions learned from decisions", () => {
  test("a rejection suppresses the category on that column: the re-scan proposes none and says why", async () => {
    const staff = await column("recog_staff", "staff_ref");
    const rejected = await call<TCatalogColumnDetail>(
      "POST",
      `/api/v1/catalog/columns/${staff.id}/review`,
      { action: "reject", comment: "internal reference, not a person's id" },
    );
    expect(rejected.status).toBe(200);
    const list = await call<{ suppressions: TSuppression[] }>(
      "GET",
      "/api/v1/catalog/suppressions",
    );
    expect(list.body.suppressions).toHaveLength(1);
    const s = list.body.suppressions[0] as TSuppression;
    const event = rejected.body.history.find((h) => h.action === "rejected");
    expect(s).toMatchObject({
      scope: "column",
      table: "recog_staff",
      column: "staff_ref",
      category: "government_id",
      replacementCategory: "none",
      decision: "rejected",
      reviewEventId: event?.id,
      createdBy: "steward@recognizers_api.test",
    });

    await scan();
    const after = await column("recog_staff", "staff_ref");
    expect(after.proposedCategory).toBe("none");
    expect(after.needsRereview).toBe(false);
    expect(after.evidence[0]).toMatchObject({ detector: `suppression#${s.id}`, signal: "steward" });
    expect(after.evidence[0]?.note).toContain("steward@recognizers_api.test rejected it");
    expect(after.evidence[0]?.note).toContain(`review event #${event?.id}`);
    // The recognizer's evidence is kept, marked suppressed.
    expect(after.evidence.find((e) => e.detector.startsWith("recognizer:"))?.note).toMatch(
      /^suppressed/,
    );
  });

  test("across tables: the detector's call is ignored on every table, and removal is audited", async () => {
    const contact = await column("recog_staff", "contact");
    expect(contact.proposedCategory).toBe("email");
    const before = await column("recog_other", "mail");
    expect(before.proposedCategory).toBe("email");
    const res = await call("POST", `/api/v1/catalog/columns/${contact.id}/review`, {
      action: "reject",
      comment: "test fixtures, not people",
      suppressAcrossTables: true,
    });
    expect(res.status).toBe(200);
    const live = (
      await call<{ suppressions: TSuppression[] }>("GET", "/api/v1/catalog/suppressions")
    ).body.suppressions;
    const global = live.find((s) => s.scope === "all_tables");
    expect(global).toMatchObject({ category: "email", replacementCategory: "none" });
    expect(global?.detector).toBe(
      contact.evidence
        .filter((e) => e.category === "email" && e.signal === "value")
        .sort((a, b) => b.matched - a.matched)[0]?.detector,
    );

    await scan();
    const other = await column("recog_other", "mail");
    expect(other.proposedCategory).toBe("none");
    expect(other.evidence[0]?.detector).toBe(`suppression#${global?.id}`);

    const removed = await call<TSuppression>(
      "DELETE",
      `/api/v1/catalog/suppressions/${global?.id}`,
    );
    expect(removed.status).toBe(200);
    expect(removed.body.removedBy).toBe("steward@recognizers_api.test");
    expect((await call("DELETE", `/api/v1/catalog/suppressions/${global?.id}`)).status).toBe(409);
    expect(await audits("catalog.suppression.remove")).toEqual([
      { actor: "steward@recognizers_api.test", target: `suppression:${global?.id}` },
    ]);
    await scan();
    expect((await column("recog_other", "mail")).proposedCategory).toBe("email");
  });

  test("undoing the decision removes the suppressions it created", async () => {
    const contact = await column("recog_staff", "contact");
    const event = contact.history.find((h) => h.action === "rejected");
    const undo = await call("POST", `/api/v1/catalog/columns/${contact.id}/review/undo`, {
      eventId: event?.id,
    });
    expect(undo.status).toBe(200);
    const live = (
      await call<{ suppressions: TSuppression[] }>("GET", "/api/v1/catalog/suppressions")
    ).body.suppressions;
    expect(live.map((s) => s.column)).toEqual(["staff_ref"]);
  });
});
