import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type ConsoleApp, openConsoleApp } from "./support/console-app.ts";
import { makeQualityTenant, type QualityTenant } from "./support/quality-fixtures.ts";

let t: ConsoleApp;
let a: QualityTenant;

beforeAll(async () => {
  t = await openConsoleApp("quality_api");
  a = await makeQualityTenant(t.db, "Epsilon Electric", {
    customers: 10,
    nullEvery: 5,
    badEvery: 3,
  });
  // The catalog says customers.email holds e-mail addresses (accepted), so samples mask as email.
  const table = await sql<{ id: string }>`
    INSERT INTO governance.catalog_tables (store, schema_name, table_name, kind)
    VALUES ('postgres', 'public', 'customers', 'table') RETURNING id`.execute(t.db);
  await sql`
    INSERT INTO governance.catalog_columns (table_id, column_name, json_path, ordinal, data_type, is_nullable,
      proposed_category, proposed_sensitivity, review_status, decided_category, decided_sensitivity)
    VALUES (${table.rows[0]?.id}, 'email', '', 1, 'character varying', true, 'email', 'confidential',
      'accepted', 'email', 'confidential')`
    .execute(t.db)
    .catch(() => undefined);
}, 120_000);

afterAll(async () => {
  await t?.close();
});

function call(
  role: keyof ConsoleApp["logins"],
  path: string,
  init: { method?: string; body?: unknown } = {},
) {
  return t.request(path, {
    method: init.method ?? "GET",
    headers: {
      authorization: `Bearer ${t.logins[role].token}`,
      ...(init.body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

const EMAIL_RULE = {
  id: "api_email_format",
  table: "customers",
  column: "email",
  kind: "validity",
  check: { format: "email" },
  threshold: 0.9,
  severity: "error",
  tenants: [] as string[],
};

describe("quality API", () => {
  test("the OpenAPI document lists the quality operations", async () => {
    const doc = (await (await call("admin", "/api/v1/openapi.json")).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/quality/rules",
        "/api/v1/quality/run",
        "/api/v1/quality/incidents/{id}/transition",
      ]),
    );
  });

  test("a custom SQL rule that escapes is refused with 400 naming the token, and nothing is stored", async () => {
    const res = await call("steward", "/api/v1/quality/rules", {
      method: "POST",
      body: {
        rule: {
          id: "evil",
          table: "payments",
          kind: "custom_sql",
          sql: "SELECT pg_catalog.pg_sleep(100)",
        },
      },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string; details: { token: string }[] } };
    expect(body.error.message).toMatch(/pg_catalog\.pg_sleep/);
    expect(body.error.details[0]?.token).toBe("pg_catalog.pg_sleep");
    const n = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM governance.quality_rules`.execute(t.db);
    expect(n.rows[0]?.n).toBe(0);
  });

  test("a rule with unknown fields or a bad severity is refused with 400", async () => {
    const res = await call("steward", "/api/v1/quality/rules", {
      method: "POST",
      body: { rule: { ...EMAIL_RULE, tenants: "all", severity: "fatal", extra: 1 } },
    });
    expect(res.status).toBe(400);
  });

  test("preview evaluates without storing; save, run, and samples are masked unless raw is allowed", async () => {
    const rule = { ...EMAIL_RULE, tenants: [a.id] };
    const preview = await call("steward", "/api/v1/quality/rules/preview", {
      method: "POST",
      body: { rule },
    });
    expect(preview.status).toBe(200);
    const p = (await preview.json()) as {
      runId: string | null;
      results: { failing: number; total: number }[];
    };
    expect(p.runId).toBeNull();
    // 10 customers: 2 without email (NULL fails), 2 more malformed (3, 6, 9 minus the NULL 5 and 10).
    expect(p.results[0]).toMatchObject({ total: 10 });
    const failing = p.results[0]?.failing ?? 0;
    expect(failing).toBeGreaterThan(0);
    const stored = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM governance.quality_results`.execute(t.db);
    expect(stored.rows[0]?.n).toBe(0);

    expect(
      (await call("steward", "/api/v1/quality/rules", { method: "POST", body: { rule } })).status,
    ).toBe(200);
    const run = await call("steward", "/api/v1/quality/run", {
      method: "POST",
      body: { rule: "api_email_format" },
    });
    expect(run.status).toBe(200);
    const r = (await run.json()) as {
      results: { id: string; failing: number }[];
      incidents: { opened: string[] };
    };
    expect(r.results[0]?.failing).toBe(failing);
    expect(r.incidents.opened).toHaveLength(1);
    const resultId = r.results[0]?.id as string;

    const masked = (await (
      await call("steward", `/api/v1/quality/results/${resultId}/samples`)
    ).json()) as {
      masked: boolean;
      rows: { value: string | null }[];
    };
    expect(masked.masked).toBe(true);
    const raw = await sql<{ email: string | null }>`
      SELECT email FROM customers WHERE tenant_id = ${a.id} AND email IS NOT NULL`.execute(t.db);
    const rawValues = new Set(raw.rows.map((x) => x.email));
    for (const row of masked.rows) {
      if (row.value !== null) {
        expect(rawValues.has(row.value)).toBe(false);
      }
    }
    expect(
      (await call("steward", `/api/v1/quality/results/${resultId}/samples?raw=true`)).status,
    ).toBe(403);
    const officer = await call(
      "compliance_officer",
      `/api/v1/quality/results/${resultId}/samples?raw=true`,
    );
    expect(officer.status).toBe(200);
    const rawRows = (await officer.json()) as { masked: boolean; rows: { value: string | null }[] };
    expect(rawRows.masked).toBe(false);
    expect(rawRows.rows.some((row) => row.value !== null && rawValues.has(row.value))).toBe(true);
    const audit = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM governance.audit_events WHERE action = 'quality.samples.raw'`.execute(
      t.db,
    );
    expect(audit.rows[0]?.n).toBe(1);
  });

  test("the incident workflow refuses steps out of order with 409 and records each step", async () => {
    const list = (await (
      await call("engineer", "/api/v1/quality/incidents?status=open")
    ).json()) as {
      incidents: { id: string; rule: string }[];
    };
    const id = list.incidents.find((i) => i.rule === "api_email_format")?.id as string;
    expect(id).toBeDefined();
    const step = (action: string, extra: Record<string, unknown> = {}) =>
      call("engineer", `/api/v1/quality/incidents/${id}/transition`, {
        method: "POST",
        body: { action, ...extra },
      });
    expect((await step("assign")).status).toBe(400);
    expect((await step("ack")).status).toBe(200);
    expect((await step("ack")).status).toBe(409);
    expect((await step("assign", { assignee: "engineer@quality_api.test" })).status).toBe(200);
    expect((await step("comment", { comment: "looking into the import" })).status).toBe(200);
    expect((await step("resolve")).status).toBe(200);
    expect((await step("resolve")).status).toBe(409);
    const detail = (await (await call("steward", `/api/v1/quality/incidents/${id}`)).json()) as {
      events: { action: string }[];
    };
    expect(detail.events.map((e) => e.action)).toEqual([
      "opened",
      "acknowledged",
      "assigned",
      "comment",
      "resolved",
    ]);
    expect(
      (
        await call(
          "steward",
          "/api/v1/quality/incidents/00000000-0000-0000-0000-000000000000/transition",
          {
            method: "POST",
            body: { action: "ack" },
          },
        )
      ).status,
    ).toBe(404);
  });

  test("rules list, results history and the summary read back what ran", async () => {
    const rules = (await (await call("engineer", "/api/v1/quality/rules")).json()) as {
      rules: { id: string; lastScore: number | null; sparkline: number[] }[];
    };
    const mine = rules.rules.find((r) => r.id === "api_email_format");
    expect(mine?.lastScore).not.toBeNull();
    expect(mine?.sparkline).toHaveLength(1);
    const summary = (await (await call("engineer", "/api/v1/quality/summary")).json()) as {
      rules: number;
    };
    expect(summary.rules).toBe(4);
    const results = await call("engineer", "/api/v1/quality/results?rule=api_email_format");
    expect(results.status).toBe(200);
  });

  test("suggested rules (catalog PII formats and profiling) are accepted into stored rules, once", async () => {
    const gen = await call("steward", "/api/v1/quality/suggestions/generate", {
      method: "POST",
      body: { tables: ["customers"] },
    });
    expect(gen.status).toBe(200);
    const list = (await (
      await call("steward", "/api/v1/quality/suggestions?status=proposed")
    ).json()) as {
      suggestions: { id: string; ruleId: string; origin: string }[];
    };
    expect(list.suggestions.length).toBeGreaterThan(0);
    const pick = list.suggestions[0] as { id: string; ruleId: string };
    const decided = await call("steward", `/api/v1/quality/suggestions/${pick.id}/decision`, {
      method: "POST",
      body: { action: "accept" },
    });
    expect(decided.status).toBe(200);
    const stored = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM governance.quality_rules WHERE id = ${pick.ruleId} AND source = 'suggestion'`.execute(
      t.db,
    );
    expect(stored.rows[0]?.n).toBe(1);
    const again = await call("steward", `/api/v1/quality/suggestions/${pick.id}/decision`, {
      method: "POST",
      body: { action: "reject" },
    });
    expect(again.status).toBe(404);
  });
});
