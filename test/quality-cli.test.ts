import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { insertUser } from "../schema/governance/console-users.repository.ts";
import { hashPassword } from "../server/auth/passwords.ts";
import { createApiToken } from "../server/auth/principal.ts";
import { type CliEnv, type CliRun, governInProcess } from "./support/cli.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { makeQualityTenant, type QualityTenant } from "./support/quality-fixtures.ts";

const dataDir = resolve(".data/test-clickhouse", `quality-cli-${randomBytes(6).toString("hex")}`);
let t: TestDatabase;
let env: CliEnv;
let scratch: string;
let steward: string;
let engineer: string;
let a: QualityTenant;

function govern(args: string[], extra: CliEnv = {}): Promise<CliRun> {
  return governInProcess(args, { ...env, ...extra });
}

beforeAll(async () => {
  t = await createTestDatabase("quality_cli");
  a = await makeQualityTenant(t.owner, "Gamma Gardens", {
    customers: 20,
    nullEvery: 5,
    negativeEvery: 10,
  });
  await makeQualityTenant(t.owner, "Delta Decks", { customers: 5 });
  const passwordHash = await hashPassword("quality cli password 1");
  for (const role of ["steward", "engineer"] as const) {
    const user = await insertUser(t.owner, {
      email: `${role}@quality-cli.test`,
      displayName: role,
      role,
      passwordHash,
    });
    const { token } = await createApiToken(t.owner, user.id, "cli");
    if (role === "steward") {
      steward = token;
    } else {
      engineer = token;
    }
  }
  scratch = await mkdtemp(join(tmpdir(), "govern-quality-cli-"));
  env = {
    GOVERN_TOKEN: undefined,
    NODE_ENV: "test",
    DATABASE_URL: t.config.databaseUrl,
    CLICKHOUSE_DATA_DIR: dataDir,
    CLICKHOUSE_DATABASE: "govern_quality_cli",
  };
}, 120_000);

afterAll(async () => {
  await t?.drop();
  await rm(dataDir, { recursive: true, force: true });
  if (scratch) {
    await rm(scratch, { recursive: true, force: true });
  }
});

describe("govern quality", () => {
  test("rules list shows the built-in rules", async () => {
    const run = await govern(["quality", "rules", "list", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const ids = (JSON.parse(run.stdout) as { rules: { id: string }[] }).rules.map((r) => r.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        "customer_email_completeness",
        "payment_amount_validity",
        "job_status_consistency",
      ]),
    );
  });

  test("rules add is a decision: without a token it is refused", async () => {
    const file = join(scratch, "ok.yaml");
    await writeFile(file, "id: x_rule\ntable: payments\ncolumn: amount\nkind: completeness\n");
    const run = await govern(["quality", "rules", "add", "--file", file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/GOVERN_TOKEN/);
  });

  test("a rejected rule exits 2 naming the problem and its line, and stores nothing", async () => {
    const file = join(scratch, "bad.yaml");
    await writeFile(
      file,
      [
        "- id: good_one",
        "  table: payments",
        "  column: amount",
        "  kind: completeness",
        "- id: bad_one",
        "  table: payments",
        "  column: amount",
        "  kind: validity",
        "  check: {range: {min: 0}}",
        "  severity: urgent",
      ].join("\n"),
    );
    const run = await govern(["quality", "rules", "add", "--file", file, "--json"], {
      GOVERN_TOKEN: steward,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/bad\.yaml:10: severity/);
    const stored = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM governance.quality_rules`.execute(t.owner);
    expect(stored.rows[0]?.n).toBe(0);
  });

  test("a custom SQL rule that tries to write exits 2 naming the token", async () => {
    const file = join(scratch, "escape.yaml");
    await writeFile(
      file,
      'id: sneaky\ntable: payments\nkind: custom_sql\nsql: "SELECT id FROM payments; DELETE FROM payments"\n',
    );
    const run = await govern(["quality", "rules", "add", "--file", file], {
      GOVERN_TOKEN: steward,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/sql rejected at ";"/);
  });

  test("a steward stores rules; a column that does not exist is refused", async () => {
    const file = join(scratch, "good.yaml");
    await writeFile(
      file,
      [
        "- id: payments_positive",
        "  table: payments",
        "  column: amount",
        "  kind: validity",
        "  check: {range: {min: 0, max: 1000000}}",
        "  threshold: 0.99",
        "  severity: critical",
        "  tenants: per_tenant",
        "- id: negative_payments_sql",
        "  table: payments",
        "  kind: custom_sql",
        "  sql: SELECT id FROM payments WHERE amount < 0",
        "  threshold: 0.5",
        "  severity: warning",
        "  tenants: per_tenant",
      ].join("\n"),
    );
    const run = await govern(["quality", "rules", "add", "--file", file, "--json"], {
      GOVERN_TOKEN: steward,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      rules: [
        { id: "payments_positive", version: 1 },
        { id: "negative_payments_sql", version: 1 },
      ],
    });
    const missing = join(scratch, "missing.yaml");
    await writeFile(
      missing,
      "id: nope\ntable: payments\ncolumn: no_such_column\nkind: completeness\n",
    );
    const refused = await govern(["quality", "rules", "add", "--file", missing], {
      GOVERN_TOKEN: steward,
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/no_such_column does not exist/);
  });

  test("run prints the contract's JSON; --fail-on critical exits 3 when a critical rule fails", async () => {
    const run = await govern(["quality", "run", "--table", "payments", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { results: Record<string, unknown>[] };
    for (const r of out.results) {
      expect(Object.keys(r).sort()).toEqual(
        [
          "failing",
          "passed",
          "rule",
          "score",
          "severity",
          "table",
          "tenant_id",
          "threshold",
        ].sort(),
      );
    }
    const forA = out.results.find((r) => r.rule === "payments_positive" && r.tenant_id === a.id);
    expect(forA).toEqual({
      rule: "payments_positive",
      table: "public.payments",
      tenant_id: a.id,
      score: 0.9,
      threshold: 0.99,
      passed: false,
      severity: "critical",
      failing: 2,
    });
    const custom = out.results.find(
      (r) => r.rule === "negative_payments_sql" && r.tenant_id === a.id,
    );
    expect(custom).toMatchObject({ failing: 2, score: 0.9, passed: true });
    const gated = await govern([
      "quality",
      "run",
      "--rule",
      "payments_positive",
      "--fail-on",
      "critical",
      "--json",
    ]);
    expect(gated.code).toBe(3);
    const lenient = await govern([
      "quality",
      "run",
      "--rule",
      "negative_payments_sql",
      "--fail-on",
      "warning",
      "--json",
    ]);
    expect(lenient.code).toBe(0);
    const bad = await govern(["quality", "run", "--fail-on", "fatal"]);
    expect(bad.code).toBe(2);
  });

  test("run exits 1 when a rule cannot be evaluated", async () => {
    await sql`INSERT INTO governance.quality_rules (id, definition, source, created_by, updated_by)
              VALUES ('broken_rule', ${JSON.stringify({ id: "broken_rule", table: "payments", column: "gone", kind: "completeness" })}::jsonb, 'api', 'test', 'test')`.execute(
      t.owner,
    );
    const run = await govern(["quality", "run", "--rule", "broken_rule", "--json"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/broken_rule could not be evaluated/);
    await sql`DELETE FROM governance.quality_rules WHERE id = 'broken_rule'`.execute(t.owner);
  });

  test("incidents list prints the contract's JSON; ack, assign and resolve need a token with the permission", async () => {
    const list = await govern(["quality", "incidents", "list", "--json"]);
    expect(list.code, list.stderr).toBe(0);
    const incidents = (JSON.parse(list.stdout) as { incidents: Record<string, unknown>[] })
      .incidents;
    const mine = incidents.find((i) => i.rule === "payments_positive");
    expect(mine).toBeDefined();
    expect(Object.keys(mine ?? {}).sort()).toEqual([
      "id",
      "opened_at",
      "resolved_at",
      "rule",
      "status",
    ]);
    expect(mine).toMatchObject({ status: "new", resolved_at: null });
    const id = mine?.id as string;

    expect((await govern(["quality", "incidents", "ack", id])).code).toBe(2);
    const ack = await govern(["quality", "incidents", "ack", id, "--json"], {
      GOVERN_TOKEN: engineer,
    });
    expect(ack.code, ack.stderr).toBe(0);
    const again = await govern(["quality", "incidents", "ack", id], { GOVERN_TOKEN: engineer });
    expect(again.code).toBe(2);
    const assign = await govern(
      ["quality", "incidents", "assign", id, "--assignee", "engineer@quality-cli.test"],
      {
        GOVERN_TOKEN: steward,
      },
    );
    expect(assign.code, assign.stderr).toBe(0);
    const resolve = await govern(
      ["quality", "incidents", "resolve", id, "--comment", "fixed upstream", "--json"],
      {
        GOVERN_TOKEN: steward,
      },
    );
    expect(resolve.code, resolve.stderr).toBe(0);
    const after = JSON.parse((await govern(["quality", "incidents", "list", "--json"])).stdout) as {
      incidents: { id: string; status: string; resolved_at: string | null }[];
    };
    expect(after.incidents.find((i) => i.id === id)).toMatchObject({ status: "resolved" });
    const audit = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM governance.audit_events WHERE action LIKE 'quality.incident.%'`.execute(
      t.owner,
    );
    expect(audit.rows[0]?.n).toBe(3);
  });
});
