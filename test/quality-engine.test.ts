import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { applyIncidents, listIncidents, transitionIncident } from "../jobs/quality/incidents.ts";
import { runQuality } from "../jobs/quality/run.ts";
import type { Notify, RuleRecord } from "../jobs/quality/types.ts";
import {
  loadQualityRules,
  parseQualityRule,
  parseQualityRules,
  QualityRulesError,
} from "../rules/quality/loader.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { makeQualityTenant, type QualityTenant } from "./support/quality-fixtures.ts";

let t: TestDatabase;
let a: QualityTenant;
let b: QualityTenant;
const emptyDir = mkdtempSync(join(tmpdir(), "quality-rules-"));

beforeAll(async () => {
  t = await createTestDatabase("quality_engine");
  // Tenant A: 20 customers, 2 without email (90% complete), 1 negative payment (95% valid).
  a = await makeQualityTenant(t.owner, "Alpha Plumbing", {
    customers: 20,
    nullEvery: 10,
    negativeEvery: 20,
  });
  // Tenant B: 10 customers, all with email, all payments positive.
  b = await makeQualityTenant(t.owner, "Beta Electric", { customers: 10 });
}, 120_000);
afterAll(async () => {
  await t?.drop();
});

const record = (raw: unknown): RuleRecord => ({
  rule: parseQualityRule(raw),
  version: 1,
  source: "test",
});

describe("rule files", () => {
  test("the built-in rules are the seed's three, with the seed's thresholds and severities", () => {
    const rules = loadQualityRules();
    const byId = Object.fromEntries(rules.map((r) => [r.id, r]));
    expect(Object.keys(byId).sort()).toEqual([
      "customer_email_completeness",
      "job_status_consistency",
      "payment_amount_validity",
    ]);
    expect(byId.customer_email_completeness).toMatchObject({
      threshold: 0.95,
      severity: "error",
      kind: "completeness",
    });
    expect(byId.payment_amount_validity).toMatchObject({ threshold: 0.99, severity: "critical" });
    expect(byId.job_status_consistency?.check.allowed).toEqual([
      "pending",
      "in_progress",
      "completed",
      "cancelled",
    ]);
  });

  test("a rule file's problems name the line they are on", () => {
    const text = [
      "- id: ok_rule",
      "  table: payments",
      "  column: amount",
      "  kind: validity",
      "  check: {range: {min: 0}}",
      "- id: Bad-Id",
      "  table: payments",
      "  kind: completeness",
      "  threshold: 1.5",
      "  severity: fatal",
    ].join("\n");
    let error: unknown;
    try {
      parseQualityRules(text, "x.yaml");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(QualityRulesError);
    const problems = (error as QualityRulesError).problems.join("\n");
    expect(problems).toContain("x.yaml:6: id:");
    expect(problems).toContain("x.yaml:9: threshold:");
    expect(problems).toContain("x.yaml:10: severity:");
  });

  test("invalid YAML and duplicate ids are refused with their line", () => {
    expect(() => parseQualityRules("id: [unclosed", "y.yaml")).toThrow(/y\.yaml:1/);
    const dup =
      "- {id: a, table: payments, column: amount, kind: completeness}\n- {id: a, table: payments, column: amount, kind: completeness}\n";
    expect(() => parseQualityRules(dup, "d.yaml")).toThrow(/d\.yaml:2: id: duplicate rule id a/);
  });
});

describe("evaluation", () => {
  test("the seed's rules give per-tenant scores from the share of passing rows", async () => {
    const report = await runQuality(
      { db: t.owner, rulesDir: join(import.meta.dirname, "../rules/quality") },
      { dryRun: true, table: "customers" },
    );
    const forA = report.results.find(
      (r) => r.rule === "customer_email_completeness" && r.tenantId === a.id,
    );
    const forB = report.results.find(
      (r) => r.rule === "customer_email_completeness" && r.tenantId === b.id,
    );
    expect(forA).toMatchObject({
      score: 0.9,
      passed: false,
      failing: 2,
      total: 20,
      table: "public.customers",
    });
    expect(forB).toMatchObject({ score: 1, passed: true, failing: 0, total: 10 });
    expect(forA?.sampleKeys.sort()).toEqual([a.customers[9], a.customers[19]].sort());
  });

  test("all structured rules of one table run in a single aggregate statement", async () => {
    const rules = [
      record({
        id: "c1",
        table: "payments",
        column: "amount",
        kind: "completeness",
        tenants: "per_tenant",
      }),
      record({
        id: "v1",
        table: "payments",
        column: "amount",
        kind: "validity",
        check: { range: { min: 0 } },
        tenants: "per_tenant",
      }),
      record({
        id: "v2",
        table: "payments",
        column: "status",
        kind: "validity",
        check: { set: ["completed"] },
      }),
      record({ id: "u1", table: "payments", column: "id", kind: "uniqueness" }),
      record({
        id: "k1",
        table: "payments",
        column: "status",
        kind: "consistency",
        check: { allowed: ["completed", "pending"] },
      }),
      record({
        id: "r1",
        table: "payments",
        column: "customer_id",
        kind: "consistency",
        check: { reference: { table: "customers", column: "id" } },
      }),
      record({
        id: "f1",
        table: "payments",
        kind: "freshness",
        check: { timestamp: "paid_at", max_age_hours: 1 },
      }),
      record({ id: "n1", table: "payments", kind: "volume", check: { min_rows: 1 } }),
    ];
    await sql`SELECT pg_stat_reset()`.execute(t.owner);
    const before = await sql<{ n: number }>`
      SELECT coalesce(seq_scan, 0)::int AS n FROM pg_stat_user_tables WHERE relname = 'payments'`.execute(
      t.owner,
    );
    const report = await runQuality({ db: t.owner }, { rules, dryRun: true, sampleSize: 0 });
    await new Promise((r) => setTimeout(r, 700));
    const after = await sql<{ n: number }>`
      SELECT coalesce(seq_scan, 0)::int AS n FROM pg_stat_user_tables WHERE relname = 'payments'`.execute(
      t.owner,
    );
    expect(report.results.every((r) => r.error === null)).toBe(true);
    // One scan of payments (the reference check probes customers, not payments).
    expect((after.rows[0]?.n ?? 0) - (before.rows[0]?.n ?? 0)).toBeLessThanOrEqual(1);
    const v1a = report.results.find((r) => r.rule === "v1" && r.tenantId === a.id);
    expect(v1a).toMatchObject({ failing: 1, total: 20 });
    expect(report.results.find((r) => r.rule === "u1")).toMatchObject({ failing: 0, total: 30 });
    expect(report.results.find((r) => r.rule === "r1")).toMatchObject({ failing: 0 });
    expect(report.results.find((r) => r.rule === "f1")).toMatchObject({ passed: true });
  });

  test("format validity uses the classifier's validators", async () => {
    const rules = [
      record({
        id: "e1",
        table: "customers",
        column: "email",
        kind: "validity",
        check: { format: "email", ignore_nulls: true },
      }),
    ];
    const report = await runQuality({ db: t.owner }, { rules, dryRun: true });
    expect(report.results[0]).toMatchObject({ failing: 0, total: 30, passed: true });
  });

  test("a rule on a column that does not exist is reported, not thrown", async () => {
    const rules = [record({ id: "x1", table: "payments", column: "nope", kind: "completeness" })];
    const report = await runQuality({ db: t.owner }, { rules, dryRun: true });
    expect(report.results[0]?.error).toMatch(/nope does not exist/);
  });
});

describe("incidents", () => {
  test("a failing rule opens one incident and alerts once; it stays de-duplicated and auto-resolves", async () => {
    const sent: Parameters<Notify>[0][] = [];
    const notify: Notify = async (e) => {
      sent.push(e);
    };
    const rule = record({
      id: "alpha_emails",
      table: "customers",
      column: "email",
      kind: "completeness",
      threshold: 0.95,
      severity: "error",
      tenants: [a.id],
    });
    const deps = { db: t.owner, notify, rulesDir: emptyDir };
    const first = await runQuality(deps, { rules: [rule] });
    expect(first.incidents.opened).toHaveLength(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      kind: "quality.incident.opened",
      severity: "error",
      dedupeKey: first.incidents.opened[0],
    });
    expect(sent[0]?.title).toContain("alpha_emails failed on public.customers (0.9 < 0.95)");

    await runQuality(deps, { rules: [rule] });
    await runQuality(deps, { rules: [rule] });
    expect(sent.filter((e) => e.kind === "quality.incident.opened")).toHaveLength(1);
    const open = await listIncidents(t.owner, { rule: "alpha_emails", status: "open" });
    expect(open).toHaveLength(1);

    const id = open[0]?.id as string;
    expect((await transitionIncident(t.owner, id, { action: "ack", actor: "s@x" })).status).toBe(
      "acknowledged",
    );
    await expect(transitionIncident(t.owner, id, { action: "ack", actor: "s@x" })).rejects.toThrow(
      /not new/,
    );
    expect(
      (await transitionIncident(t.owner, id, { action: "assign", actor: "s@x", assignee: "e@x" }))
        .assignee,
    ).toBe("e@x");

    // The data is fixed: the rule passes and the incident resolves by itself.
    await sql`UPDATE customers SET email = 'fixed-' || id || '@alpha.example.com' WHERE tenant_id = ${a.id} AND email IS NULL`.execute(
      t.owner,
    );
    const fixed = await runQuality(deps, { rules: [rule] });
    expect(fixed.incidents.resolved).toEqual([id]);
    const after = await listIncidents(t.owner, { id });
    expect(after[0]).toMatchObject({ status: "resolved" });
    expect(sent.filter((e) => e.kind === "quality.incident.opened")).toHaveLength(1);

    // Failing again opens a new incident, with a new alert.
    await sql`UPDATE customers SET email = NULL WHERE id = ${a.customers[0] as string}`.execute(
      t.owner,
    );
    await sql`UPDATE customers SET email = NULL WHERE id = ${a.customers[1] as string}`.execute(
      t.owner,
    );
    const again = await runQuality(deps, { rules: [rule] });
    expect(again.incidents.opened).toHaveLength(1);
    expect(again.incidents.opened[0]).not.toBe(id);
    expect(sent.filter((e) => e.kind === "quality.incident.opened")).toHaveLength(2);
  });

  test("warnings never open incidents", async () => {
    const sent: unknown[] = [];
    const res = {
      rule: "w",
      version: 1,
      table: "public.x",
      column: null,
      kind: "completeness" as const,
      tenantId: null,
      severity: "warning" as const,
      threshold: 1,
      score: 0.5,
      passed: false,
      failing: 1,
      total: 2,
      sampleKeys: [],
      detail: {},
      error: null,
    };
    const changes = await applyIncidents(
      t.owner,
      [{ result: res, id: "00000000-0000-0000-0000-000000000001" }],
      async (e) => {
        sent.push(e);
      },
    );
    expect(changes.opened).toEqual([]);
    expect(sent).toEqual([]);
  });
});

void writeFileSync;
