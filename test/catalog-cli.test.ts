import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startOfTodayUtc } from "../masking/demo-platform/clock.ts";
import { seedDemoPlatform } from "../masking/demo-platform/index.ts";
import { insertUser } from "../schema/governance/console-users.repository.ts";
import { createApiToken } from "../server/auth/principal.ts";
import { type CliEnv, type CliRun, governInProcess } from "./support/cli.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

const dataDir = resolve(".data/test-clickhouse", `catalog-cli-${randomBytes(6).toString("hex")}`);
const CH_DATABASE = "govern_catalog_cli";
let t: TestDatabase;
let env: CliEnv;
let scratch: string;

function govern(args: string[], extraEnv: CliEnv = {}): Promise<CliRun> {
  return governInProcess(args, { ...env, ...extraEnv });
}

type Entry = {
  table: string;
  column: string;
  store: string;
  category: string | null;
  sensitivity: string | null;
  confidence: number | null;
  evidence: unknown[];
  paths: { path: string; category: string | null; status: string }[];
  status: string;
  needs_rereview: boolean;
};

let scanned: { columns: Entry[] };

beforeAll(async () => {
  t = await createTestDatabase("catalog_cli", { demoPartitionsFor: startOfTodayUtc() });
  const pool = new pg.Pool({ connectionString: t.config.databaseUrl, max: 3 });
  try {
    await seedDemoPlatform(pool, { tenants: 2, customersPerTenant: 30, seed: 5 });
  } finally {
    await pool.end();
  }
  scratch = await mkdtemp(join(tmpdir(), "govern-catalog-cli-"));
  // Commands run in this process (test/support/cli.ts); test/cli.test.ts spawns the real binary.
  env = {
    GOVERN_TOKEN: undefined,
    NODE_ENV: "test",
    DATABASE_URL: t.config.databaseUrl,
    CLICKHOUSE_DATA_DIR: dataDir,
    CLICKHOUSE_DATABASE: CH_DATABASE,
  };
  // Creates the analytics tables, so the scan has ClickHouse tables to list.
  const etl = await govern(["etl", "--json"]);
  expect(etl.code, etl.stderr).toBe(0);
  const run = await govern(["classify", "--json"]);
  expect(run.code, run.stderr).toBe(0);
  scanned = JSON.parse(run.stdout);
}, 300_000);

afterAll(async () => {
  await t?.drop();
  await rm(dataDir, { recursive: true, force: true });
  if (scratch) {
    await rm(scratch, { recursive: true, force: true });
  }
});

function entry(table: string, column: string): Entry {
  const found = scanned.columns.find((c) => c.table === table && c.column === column);
  if (!found) {
    throw new Error(`${table}.${column} not in the classify output`);
  }
  return found;
}

describe("govern classify", () => {
  test("--json scans now and prints every column in the offline shape, tables schema-qualified, with review status", () => {
    const email = entry("public.customers", "email");
    expect(email).toMatchObject({
      store: "postgres",
      category: "email",
      status: "pending",
      needs_rereview: false,
    });
    expect(typeof email.confidence).toBe("number");
    expect(Array.isArray(email.evidence)).toBe(true);
    expect(Array.isArray(email.paths)).toBe(true);
    const addresses = entry("public.customers", "addresses");
    expect(addresses.paths.map((p) => p.path)).toContain("[].line1");
    expect(addresses.paths.every((p) => p.status === "pending")).toBe(true);
    // Path rows are listed under their column, never as entries of their own.
    expect(new Set(scanned.columns.map((c) => `${c.table}.${c.column}`)).size).toBe(
      scanned.columns.length,
    );
    expect(entry(`${CH_DATABASE}.revenue_daily`, "tenant_id").store).toBe("clickhouse");
  });

  test("--sample-file classifies offline in input order, with no database reachable and no token", async () => {
    const file = join(scratch, "samples.json");
    await writeFile(
      file,
      JSON.stringify({
        columns: [
          {
            table: "t",
            column: "contact",
            type: "text",
            samples: ["ana@example.com", "bo@example.org"],
          },
          { table: "t", column: "id", type: "integer", samples: [1, 2, 3] },
          {
            table: "t",
            column: "profile",
            type: "jsonb",
            samples: [{ email: "ana@example.com" }, { email: "bo@example.org" }],
          },
        ],
      }),
    );
    const run = await govern(["classify", "--sample-file", file, "--json"], {
      DATABASE_URL: "postgres://postgres@127.0.0.1:1/nowhere",
    });
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { columns: Entry[] };
    expect(out.columns.map((c) => c.column)).toEqual(["contact", "id", "profile"]);
    for (const c of out.columns) {
      expect(Object.keys(c).sort()).toEqual(
        ["category", "column", "confidence", "evidence", "paths", "sensitivity", "table"].sort(),
      );
    }
    expect(out.columns[0]?.category).toBe("email");
    expect(out.columns[2]?.paths).toEqual([{ path: "email", category: "email" }]);

    const missing = await govern(["classify", "--sample-file", join(scratch, "nope.json")], {
      DATABASE_URL: "postgres://postgres@127.0.0.1:1/nowhere",
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read");
  }, 180_000);
});

describe("govern review", () => {
  /** Reviews are decisions: a steward's, through their token, recorded under their name. */
  let steward: CliEnv;
  const STEWARD = "steward@catalog.test";

  beforeAll(async () => {
    const user = await insertUser(t.owner, {
      email: STEWARD,
      displayName: "Steward",
      role: "steward",
      passwordHash: "x",
    });
    steward = { GOVERN_TOKEN: (await createApiToken(t.owner, user.id, "cli")).token };
  });

  test("without a token, accept, override, reject and accept --all exit 2 and decide nothing", async () => {
    const before = await t.owner
      .selectFrom("governance.catalog_columns")
      .select("id")
      .where("review_status", "<>", "pending")
      .execute();
    const cases = [
      ["review", "accept", "--table", "customers", "--column", "email"],
      ["review", "accept", "--all"],
      ["review", "reject", "--table", "customers", "--column", "phone"],
      ["review", "override", "--table", "customers", "--column", "email", "--category", "none"],
    ];
    for (const args of cases) {
      const run = await govern(args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr).toMatch(/is a decision.*GOVERN_TOKEN/);
    }
    const after = await t.owner
      .selectFrom("governance.catalog_columns")
      .select("id")
      .where("review_status", "<>", "pending")
      .execute();
    expect(after).toEqual(before);
    const audited = await t.owner
      .selectFrom("governance.audit_events")
      .select("id")
      .where("action", "like", "catalog.review.%")
      .execute();
    expect(audited).toEqual([]);
  }, 180_000);

  test("accept, override and reject one column (or a JSON path) as the token's steward, audited under them", async () => {
    const accept = await govern(
      ["review", "accept", "--table", "customers", "--column", "email", "--comment", "looks right"],
      steward,
    );
    expect(accept.code, accept.stderr).toBe(0);
    const override = await govern(
      [
        "review",
        "override",
        "--table",
        "public.customers",
        "--column",
        "phone",
        "--category",
        "none",
        "--sensitivity",
        "internal",
        "--json",
      ],
      steward,
    );
    expect(override.code, override.stderr).toBe(0);
    expect(JSON.parse(override.stdout)).toMatchObject({ changed: 1 });
    const reject = await govern(
      [
        "review",
        "reject",
        "--table",
        "customers",
        "--column",
        "addresses",
        "--path",
        "[].line2",
        "--comment",
        "apartment numbers only",
      ],
      steward,
    );
    expect(reject.code, reject.stderr).toBe(0);

    const rows = await t.owner
      .selectFrom("governance.catalog_columns")
      .select(["column_name", "json_path", "review_status", "decided_category", "decided_by"])
      .where("table_name", "=", "customers")
      .where("review_status", "<>", "pending")
      .orderBy("column_name")
      .execute();
    expect(rows).toEqual([
      {
        column_name: "addresses",
        json_path: "[].line2",
        review_status: "rejected",
        decided_category: "none",
        decided_by: STEWARD,
      },
      {
        column_name: "email",
        json_path: "",
        review_status: "accepted",
        decided_category: "email",
        decided_by: STEWARD,
      },
      {
        column_name: "phone",
        json_path: "",
        review_status: "overridden",
        decided_category: "none",
        decided_by: STEWARD,
      },
    ]);
    const audit = await t.owner
      .selectFrom("governance.audit_events")
      .select(["actor", "action"])
      .where("action", "like", "catalog.review.%")
      .orderBy("id")
      .execute();
    expect(audit).toEqual([
      { actor: STEWARD, action: "catalog.review.accept" },
      { actor: STEWARD, action: "catalog.review.override" },
      { actor: STEWARD, action: "catalog.review.reject" },
    ]);
  }, 180_000);

  test("accept --all by category and minimum confidence", async () => {
    const run = await govern(
      [
        "review",
        "accept",
        "--all",
        "--category",
        "person_name",
        "--min-confidence",
        "0.9",
        "--json",
      ],
      steward,
    );
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { changed: number; ids: string[] };
    expect(result.changed).toBeGreaterThan(0);
    const left = await t.owner
      .selectFrom("governance.catalog_columns")
      .select("id")
      .where("proposed_category", "=", "person_name")
      .where("confidence", ">=", 0.9)
      .where("review_status", "=", "pending")
      .where("dropped_at", "is", null)
      .execute();
    expect(left).toEqual([]);
  }, 180_000);

  test("unknown tables, columns and categories, and bad options, exit 2 with a message", async () => {
    const cases: [string[], RegExp][] = [
      [["review", "accept", "--table", "nope", "--column", "x"], /no table nope in the catalog/],
      [["review", "accept", "--table", "customers", "--column", "nope"], /no column nope/],
      [
        ["review", "override", "--table", "customers", "--column", "email", "--category", "bogus"],
        /--category must be one of/,
      ],
      [
        ["review", "override", "--table", "customers", "--column", "email"],
        /--category is required/,
      ],
      [["review", "accept", "--all", "--min-confidence", "2"], /between 0 and 1/],
    ];
    const runs = await Promise.all(cases.map(([args]) => govern(args, steward)));
    runs.forEach((run, i) => {
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(cases[i]?.[1] ?? /./);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    });
  }, 300_000);

  test("a token whose role may not review is refused", async () => {
    const user = await insertUser(t.owner, {
      email: "engineer@catalog.test",
      displayName: "Engineer",
      role: "engineer",
      passwordHash: "x",
    });
    const { token } = await createApiToken(t.owner, user.id, "cli");
    const run = await govern(["review", "accept", "--table", "customers", "--column", "email"], {
      GOVERN_TOKEN: token,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("catalog:review");
  }, 180_000);
});
