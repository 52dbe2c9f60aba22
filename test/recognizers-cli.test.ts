import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCatalogScan } from "../jobs/classify/scan.ts";
import { insertUser } from "../schema/governance/console-users.repository.ts";
import { hashPassword } from "../server/auth/passwords.ts";
import { createApiToken } from "../server/auth/principal.ts";
import { type CliEnv, governInProcess } from "./support/cli.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

/**
 * `govern classify --offline --sample-file F --recognizers R` (the offline contract with custom
 * recognizers, line-numbered errors) and `govern recognizers ...` / `govern suppressions ...`
 * against a real database: versions, audit, a preview, and decisions recorded under a user.
 */

const dir = mkdtempSync(join(tmpdir(), "govern-recognizers-cli-"));
let t: TestDatabase;
let env: CliEnv;
let steward: CliEnv;

const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const SAMPLES = JSON.stringify({
  columns: [
    { table: "public.staff", column: "badge", type: "text", samples: ["BD-100234", "BD-100877"] },
    { table: "public.staff", column: "note", type: "text", samples: ["on leave", "nights"] },
    {
      table: "public.staff",
      column: "profile",
      type: "jsonb",
      samples: [{ badge: "BD-100234", team: "north" }],
    },
  ],
});

const RECOGNIZERS_YAML = `# staff badges
recognizers:
  - name: staff_badge
    category: government_id
    pattern: 'BD-\\d{6}'
    contextWords: [badge]
`;

beforeAll(async () => {
  t = await createTestDatabase("recognizers_cli");
  await sql`CREATE TABLE public.recog_badges (id int PRIMARY KEY, tenant_id uuid NOT NULL, badge text)`.execute(
    t.owner,
  );
  await sql`GRANT SELECT ON public.recog_badges TO govern_reader`.execute(t.owner);
  await sql`INSERT INTO public.recog_badges
      SELECT i, gen_random_uuid(), 'BD-' || (100000 + i)::text FROM generate_series(1, 25) i`.execute(
    t.owner,
  );
  await runCatalogScan(
    { db: t.owner, analytics: null },
    { stores: ["postgres"], triggeredBy: "test" },
  );
  const user = await insertUser(t.owner, {
    email: "steward@recognizers-cli.test",
    displayName: "Steward",
    role: "steward",
    passwordHash: await hashPassword("a password of twenty"),
  });
  env = { GOVERN_TOKEN: undefined, NODE_ENV: "test", DATABASE_URL: t.config.databaseUrl };
  steward = { ...env, GOVERN_TOKEN: (await createApiToken(t.owner, user.id, "cli")).token };
}, 120_000);

afterAll(async () => {
  await t?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe("govern classify --offline --recognizers", () => {
  test("custom recognizers label columns and JSON paths in the offline contract", async () => {
    const samples = file("samples.json", SAMPLES);
    const without = await governInProcess(
      ["classify", "--offline", "--sample-file", samples, "--json"],
      {
        DATABASE_URL: "postgres://nobody@127.0.0.1:1/none",
      },
    );
    expect(without.code, without.stderr).toBe(0);
    expect(JSON.parse(without.stdout).columns[0].category).toBe("none");

    const recognizers = file("recognizers.yaml", RECOGNIZERS_YAML);
    const run = await governInProcess(
      ["classify", "--offline", "--sample-file", samples, "--recognizers", recognizers, "--json"],
      { DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" },
    );
    expect(run.code, run.stderr).toBe(0);
    const columns = JSON.parse(run.stdout).columns as {
      column: string;
      category: string;
      evidence: { detector: string }[];
      paths: { path: string; category: string }[];
    }[];
    expect(columns.map((c) => c.category)).toEqual(["government_id", "none", "government_id"]);
    expect(columns[0]?.evidence[0]?.detector).toBe("recognizer:staff_badge");
    expect(columns[2]?.paths).toContainEqual({ path: "badge", category: "government_id" });
  });

  test("an invalid recognizers file is refused with line-numbered problems", async () => {
    const samples = file("samples2.json", SAMPLES);
    const bad = file(
      "bad.yaml",
      `recognizers:
  - name: staff_badge
    category: government_id
    pattern: '(\\d+)+'
  - name: vat_numbers
    category: nothing
    pattern: '[A-Z]{2}\\d{9}'
    validator: { kind: stdnum, country: DE, type: nope }
`,
    );
    const run = await governInProcess(
      ["classify", "--offline", "--sample-file", samples, "--recognizers", bad],
      { DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${bad}:4: recognizers[0].pattern:`);
    expect(run.stderr).toMatch(/backtrack/);
    expect(run.stderr).toContain(`${bad}:6: recognizers[1].category:`);
    const broken = file("broken.json", '{"recognizers": [ {"name": "x1",, } ]}');
    const syntax = await governInProcess(
      ["classify", "--offline", "--sample-file", samples, "--recognizers", broken],
      { DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" },
    );
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toContain(`${broken}:1:`);
    const noSamples = await governInProcess(["classify", "--recognizers", bad], env);
    expect(noSamples.code).toBe(2);
  });
});

describe("govern recognizers / suppressions", () => {
  test("adding is a decision under a user; versions and audit follow; preview shows the change", async () => {
    const recognizers = file("add.yaml", RECOGNIZERS_YAML);
    const anonymous = await governInProcess(["recognizers", "add", "--file", recognizers], env);
    expect(anonymous.code).toBe(2);

    const added = await governInProcess(
      ["recognizers", "add", "--file", recognizers, "--json"],
      steward,
    );
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout).recognizers[0]).toMatchObject({
      name: "staff_badge",
      version: 1,
      enabled: false,
    });

    const preview = await governInProcess(
      ["recognizers", "preview", "staff_badge", "--json"],
      steward,
    );
    expect(preview.code, preview.stderr).toBe(0);
    const matches = JSON.parse(preview.stdout).matches as { table: string; effect: string }[];
    expect(matches).toContainEqual(
      expect.objectContaining({ table: "recog_badges", effect: "changes" }),
    );

    const enabled = await governInProcess(
      ["recognizers", "enable", "staff_badge", "--comment", "previewed"],
      steward,
    );
    expect(enabled.code, enabled.stderr).toBe(0);
    const again = await governInProcess(["recognizers", "enable", "staff_badge"], steward);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already enabled/);

    const show = await governInProcess(["recognizers", "show", "staff_badge", "--json"], env);
    const versions = JSON.parse(show.stdout).versions as {
      version: number;
      change: string;
      actor: string;
    }[];
    expect(versions.map((v) => [v.version, v.change, v.actor])).toEqual([
      [2, "enabled", "steward@recognizers-cli.test"],
      [1, "created", "steward@recognizers-cli.test"],
    ]);
    const audit = await t.owner
      .selectFrom("governance.audit_events")
      .select(["action", "actor"])
      .where("action", "like", "catalog.recognizer.%")
      .orderBy("id")
      .execute();
    expect(audit).toEqual([
      { action: "catalog.recognizer.create", actor: "steward@recognizers-cli.test" },
      { action: "catalog.recognizer.enable", actor: "steward@recognizers-cli.test" },
    ]);
  });

  test("a CLI rejection becomes a suppression the re-scan applies; removing it is audited", async () => {
    await runCatalogScan(
      { db: t.owner, analytics: null },
      { stores: ["postgres"], triggeredBy: "test" },
    );
    const reject = await governInProcess(
      [
        "review",
        "reject",
        "--table",
        "public.recog_badges",
        "--column",
        "badge",
        "--comment",
        "door badges, not identities",
        "--json",
      ],
      steward,
    );
    expect(reject.code, reject.stderr).toBe(0);
    expect(JSON.parse(reject.stdout).suppressions).toHaveLength(1);
    await runCatalogScan(
      { db: t.owner, analytics: null },
      { stores: ["postgres"], triggeredBy: "test" },
    );
    const row = await t.owner
      .selectFrom("governance.catalog_columns")
      .select(["proposed_category", "evidence"])
      .where("table_name", "=", "recog_badges")
      .where("column_name", "=", "badge")
      .executeTakeFirstOrThrow();
    expect(row.proposed_category).toBe("none");
    expect((row.evidence as { signal: string; note: string }[])[0]).toMatchObject({
      signal: "steward",
      note: expect.stringContaining("steward@recognizers-cli.test rejected it"),
    });

    const list = await governInProcess(["suppressions", "list", "--json"], env);
    const [suppression] = JSON.parse(list.stdout).suppressions as { id: number }[];
    const remove = await governInProcess(
      ["suppressions", "remove", String(suppression?.id)],
      steward,
    );
    expect(remove.code, remove.stderr).toBe(0);
    const twice = await governInProcess(
      ["suppressions", "remove", String(suppression?.id)],
      steward,
    );
    expect(twice.code).toBe(2);
    const audit = await t.owner
      .selectFrom("governance.audit_events")
      .select(["action", "target"])
      .where("action", "=", "catalog.suppression.remove")
      .execute();
    expect(audit).toEqual([
      { action: "catalog.suppression.remove", target: `suppression:${suppression?.id}` },
    ]);
  });
});
