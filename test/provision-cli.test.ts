import { execFile } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCatalogScan } from "../jobs/classify/scan.ts";
import { datasetDatabaseName } from "../masking/provision/provision.ts";
import { reviewColumns } from "../schema/governance/catalog-review.repository.ts";
import { insertUser } from "../schema/governance/console-users.repository.ts";
import { hashPassword } from "../server/auth/passwords.ts";
import { createApiToken } from "../server/auth/principal.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { dropDatasetByName } from "./support/dataset-cleanup.ts";

const BIN = join(import.meta.dirname, "../bin/govern.js");
const suffix = Math.random().toString(36).slice(2, 8);

describe("govern provision / masking rules / datasets CLI", () => {
  let t: TestDatabase;
  /** Provisioning and masking rules are decisions: made by a console user, through a token. */
  let adminToken: string;
  const govern = (args: string[], token: string = adminToken) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        "node",
        [BIN, ...args],
        { env: { ...process.env, DATABASE_URL: t.config.databaseUrl, GOVERN_TOKEN: token } },
        (error, stdout, stderr) => {
          resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
        },
      );
    });

  beforeAll(async () => {
    t = await createTestDatabase("provision_cli");
    const admin = await insertUser(t.owner, {
      email: "admin@provision-cli.test",
      displayName: "Admin",
      role: "admin",
      passwordHash: await hashPassword("admin password 12345"),
    });
    adminToken = (await createApiToken(t.owner, admin.id, "provision cli")).token;
  });
  afterAll(async () => {
    await dropDatasetByName(t.config, datasetDatabaseName(`ok-${suffix}`)).catch(() => {});
    await t?.drop();
  });

  it("refuses while the catalog does not know the columns, naming each as table.column", async () => {
    const r = await govern(["provision", "--name", `no-${suffix}`, "--json"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("customers.email");
    const body = JSON.parse(r.stdout) as { refused: boolean; blocking: string[] };
    expect(body.refused).toBe(true);
    expect(body.blocking).toContain("customers.email");
    expect(body.blocking).toContain("payments.credit_card_number");
  }, 120_000);

  it("without a token, provision, masking rules set and datasets drop are refused (exit 2) and change nothing", async () => {
    const counts = async () => ({
      rules: (await t.owner.selectFrom("governance.masking_rules").select("id").execute()).length,
      datasets: (await t.owner.selectFrom("governance.datasets").select("id").execute()).length,
    });
    const before = await counts();
    const runs = [
      ["provision", "--name", `anon-${suffix}`, "--json"],
      [
        "masking",
        "rules",
        "set",
        "--table",
        "payments",
        "--column",
        "card_last4",
        "--strategy",
        "nullify",
      ],
      ["datasets", "drop", `no-${suffix}`],
    ];
    for (const args of runs) {
      const run = await govern(args, "");
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr).toMatch(/decision.*GOVERN_TOKEN/);
    }
    expect(await counts()).toEqual(before);
  }, 120_000);

  it("rejects bad options with exit 2", async () => {
    expect((await govern(["provision", "--name", "Bad Name!"])).code).toBe(2);
    expect((await govern(["provision", "--name", "x", "--percent", "0"])).code).toBe(2);
    expect((await govern(["provision", "--name", "x", "--tenants", "nope"])).code).toBe(2);
    expect(
      (await govern(["masking", "rules", "allow", "--table", "customers", "--column", "email"]))
        .code,
    ).toBe(2);
  }, 120_000);

  it("sets, allows and lists rules once the catalog knows the columns, and provisions with --json", async () => {
    await runCatalogScan({ db: t.owner }, { stores: ["postgres"], triggeredBy: "test" });
    await reviewColumns(t.owner, {
      target: { filter: { store: "postgres" } },
      action: "accept",
      actor: "steward@test",
    });
    const set = await govern([
      "masking",
      "rules",
      "set",
      "--table",
      "payments",
      "--column",
      "card_last4",
      "--strategy",
      "partial",
      "--params",
      '{"keep":2}',
      "--json",
    ]);
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ strategy: "partial", version: 1 });
    const again = await govern([
      "masking",
      "rules",
      "set",
      "--table",
      "payments",
      "--column",
      "card_last4",
      "--strategy",
      "nullify",
      "--json",
    ]);
    expect(JSON.parse(again.stdout)).toMatchObject({ strategy: "nullify", version: 2 });
    const allow = await govern([
      "masking",
      "rules",
      "allow",
      "--table",
      "tenants",
      "--column",
      "business_name",
      "--reason",
      "public business names",
    ]);
    expect(allow.code).toBe(0);
    const list = await govern(["masking", "rules", "list", "--set-only", "--json"]);
    const rules = JSON.parse(list.stdout) as { table: string; column: string; strategy: string }[];
    expect(rules.map((r) => `${r.table}.${r.column}:${r.strategy}`)).toEqual([
      "payments.card_last4:nullify",
      "tenants.business_name:allow",
    ]);
    // Without --set-only: every personal-data column with the rule in force, defaults included.
    const inForce = JSON.parse(
      (await govern(["masking", "rules", "list", "--table", "customers", "--json"])).stdout,
    ) as { column: string; jsonPath: string; strategy: string; source: string }[];
    expect(inForce).toContainEqual(
      expect.objectContaining({
        column: "email",
        jsonPath: "",
        strategy: "substitute",
        source: "default",
      }),
    );

    const ok = await govern(["provision", "--name", `ok-${suffix}`, "--json"]);
    expect(ok.stderr).not.toContain("refused");
    expect(ok.code).toBe(0);
    const body = JSON.parse(ok.stdout) as {
      database_url: string;
      report: { leakScan: { clean: boolean } };
    };
    expect(body.database_url).toContain(datasetDatabaseName(`ok-${suffix}`));
    expect(body.report.leakScan.clean).toBe(true);
    const datasets = await govern(["datasets", "list", "--json"]);
    expect(JSON.parse(datasets.stdout) as { name: string; status: string }[]).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: `ok-${suffix}`, status: "ready" })]),
    );
    const drop = await govern(["datasets", "drop", `ok-${suffix}`]);
    expect(drop.code).toBe(0);
  }, 600_000);
});
