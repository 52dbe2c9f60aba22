import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type CliRun, governInProcess } from "./support/cli.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

/**
 * `govern users|tokens|audit`: the CLI contract, and who may run what (GOVERN_TOKEN). Commands
 * run in this process (test/support/cli.ts); test/cli.test.ts spawns the real binary.
 */

let database: TestDatabase;

function govern(args: string[], token?: string): Promise<CliRun> {
  return governInProcess(args, {
    DATABASE_URL: database.config.databaseUrl,
    GOVERN_TOKEN: token,
  });
}

async function tokenFor(email: string): Promise<string> {
  const run = await govern(["tokens", "create", "--email", email, "--json"]);
  expect(run.code, run.stderr).toBe(0);
  const parsed = JSON.parse(run.stdout) as { token: string };
  expect(parsed.token).toMatch(/^gov_/);
  return parsed.token;
}

async function auditRows() {
  return database.owner
    .selectFrom("governance.audit_events")
    .select(["id", "actor", "actor_role", "action", "target"])
    .orderBy("id")
    .execute();
}

const tokens: Record<string, string> = {};

beforeAll(async () => {
  database = await createTestDatabase("cli_users");
  for (const [email, role] of [
    ["root@cli.test", "admin"],
    ["stew@cli.test", "steward"],
    ["comp@cli.test", "compliance_officer"],
    ["eng@cli.test", "engineer"],
  ] as const) {
    const run = await govern([
      "users",
      "add",
      "--email",
      email,
      "--role",
      role,
      "--password",
      "twelve chars or more",
    ]);
    expect(run.code, run.stderr).toBe(0);
    tokens[role] = await tokenFor(email);
  }
}, 120_000);

afterAll(async () => {
  await database?.drop();
});

describe("as the local operator (no GOVERN_TOKEN)", () => {
  test("users add, then users list shows the user, as text and as JSON", async () => {
    const text = await govern(["users", "list"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^stew@cli\.test\s+steward\s+active\s+stew$/m);
    const json = await govern(["users", "list", "--json"]);
    const users = JSON.parse(json.stdout) as { email: string; role: string; disabledAt: null }[];
    expect(users.map((u) => u.email)).toEqual([
      "comp@cli.test",
      "eng@cli.test",
      "root@cli.test",
      "stew@cli.test",
    ]);
    expect(json.stdout).not.toMatch(/scrypt|password/i);
  });

  test("users add refuses a short password, an unknown role and a duplicate email", async () => {
    const short = await govern([
      "users",
      "add",
      "--email",
      "a@cli.test",
      "--role",
      "admin",
      "--password",
      "short",
    ]);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain("--password");
    const role = await govern([
      "users",
      "add",
      "--email",
      "a@cli.test",
      "--role",
      "root",
      "--password",
      "long enough password",
    ]);
    expect(role.code).toBe(2);
    expect(role.stderr).toContain(
      "--role must be one of steward, compliance_officer, engineer, admin",
    );
    const twice = await govern([
      "users",
      "add",
      "--email",
      "ROOT@cli.test",
      "--role",
      "admin",
      "--password",
      "long enough password",
    ]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain("exists");
  });

  test("what the operator does is audited as local-operator", async () => {
    const rows = await auditRows();
    const created = rows.filter((r) => r.action === "users.create");
    expect(created).toHaveLength(4);
    expect(created.every((r) => r.actor === "local-operator" && r.actor_role === null)).toBe(true);
    expect(rows.filter((r) => r.action === "tokens.create")).toHaveLength(4);
  });

  test("a command that acts as a console user is refused without a token", async () => {
    const run = await govern(["audit", "verify"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("GOVERN_TOKEN");
  });
});

describe("as the user whose token is in GOVERN_TOKEN", () => {
  test("an invalid token is refused with exit 2, even for bootstrap commands", async () => {
    const run = await govern(["users", "list"], "gov_not-a-real-token");
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("GOVERN_TOKEN is not a valid API token");
  });

  test("a steward's or engineer's token may not administer users", async () => {
    for (const role of ["steward", "engineer"]) {
      const add = await govern(
        [
          "users",
          "add",
          "--email",
          `x-${role}@cli.test`,
          "--role",
          "admin",
          "--password",
          "long enough password",
        ],
        tokens[role],
      );
      expect(add.code).toBe(2);
      expect(add.stderr).toContain("users:write");
      expect((await govern(["users", "list"], tokens[role])).code).toBe(2);
      const other = await govern(
        ["tokens", "create", "--email", "root@cli.test", "--json"],
        tokens[role],
      );
      expect(other.code).toBe(2);
    }
    const users = await database.owner
      .selectFrom("governance.console_users")
      .select("email")
      .execute();
    expect(users.map((u) => u.email)).not.toContain("x-steward@cli.test");
  });

  test("anyone may create a token for themself; an admin's token administers users, audited as them", async () => {
    const own = await govern(
      ["tokens", "create", "--email", "eng@cli.test", "--name", "ci", "--json"],
      tokens.engineer,
    );
    expect(own.code, own.stderr).toBe(0);
    const add = await govern(
      [
        "users",
        "add",
        "--email",
        "new@cli.test",
        "--role",
        "steward",
        "--password",
        "long enough password",
        "--name",
        "New Person",
      ],
      tokens.admin,
    );
    expect(add.code, add.stderr).toBe(0);
    const rows = await auditRows();
    const last = rows.filter((r) => r.action === "users.create").at(-1);
    expect(last).toMatchObject({
      actor: "root@cli.test",
      actor_role: "admin",
      target: "user:new@cli.test",
    });
  });

  test("users disable ends the user's access: their token stops working", async () => {
    const token = await tokenFor("new@cli.test");
    expect(
      (await govern(["tokens", "create", "--email", "new@cli.test", "--json"], token)).code,
    ).toBe(0);
    const disable = await govern(["users", "disable", "--email", "new@cli.test"], tokens.admin);
    expect(disable.code, disable.stderr).toBe(0);
    expect(disable.stdout).toContain("disabled new@cli.test");
    const after = await govern(["users", "list", "--json"]);
    const user = (JSON.parse(after.stdout) as { email: string; disabledAt: string | null }[]).find(
      (u) => u.email === "new@cli.test",
    );
    expect(user?.disabledAt).not.toBeNull();
    expect((await govern(["tokens", "create", "--email", "new@cli.test"], token)).code).toBe(2);
  });

  test("an admin cannot disable themself from the CLI either", async () => {
    const run = await govern(["users", "disable", "--email", "root@cli.test"], tokens.admin);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("your own account");
  });

  test("tokens revoke: the token stops working at once", async () => {
    const created = await govern(["tokens", "create", "--email", "eng@cli.test", "--json"]);
    const { token, id } = JSON.parse(created.stdout) as { token: string; id: string };
    expect((await govern(["tokens", "create", "--email", "eng@cli.test"], token)).code).toBe(0);
    const revoke = await govern(["tokens", "revoke", "--id", id], tokens.engineer);
    expect(revoke.code, revoke.stderr).toBe(0);
    const refused = await govern(["tokens", "create", "--email", "eng@cli.test"], token);
    expect(refused.code).toBe(2);
    expect((await govern(["tokens", "revoke", "--id", "not-a-uuid"])).code).toBe(2);
  });

  test("audit list shows events filtered by actor, for roles that may read the audit", async () => {
    const run = await govern(
      ["audit", "list", "--actor", "root@cli.test", "--json"],
      tokens.compliance_officer,
    );
    expect(run.code, run.stderr).toBe(0);
    const events = JSON.parse(run.stdout) as { actor: string; action: string }[];
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.every((e) => e.actor === "root@cli.test")).toBe(true);
    expect((await govern(["audit", "list"], tokens.engineer)).code).toBe(2);
  });
});

describe("govern audit verify", () => {
  test("exits 0 on an intact chain and 1 naming the first changed row, then the first row after a deleted one", async () => {
    const intact = await govern(["audit", "verify"], tokens.compliance_officer);
    expect(intact.code, intact.stderr).toBe(0);
    expect(intact.stdout).toMatch(/intact \(\d+ rows checked\)/);
    expect((await govern(["audit", "verify"], tokens.steward)).code).toBe(2);

    const rows = await auditRows();
    const victim = rows[2];
    const removed = rows[4];
    const next = rows[5];
    if (!victim || !removed || !next) {
      throw new Error("expected audit rows from the setup");
    }
    // The superuser can bypass the append-only trigger; the hash chain still tells.
    await database.owner.transaction().execute(async (trx) => {
      await sql`SET LOCAL session_replication_role = replica`.execute(trx);
      await sql`UPDATE governance.audit_events SET target = 'user:someone-else' WHERE id = ${victim.id}`.execute(
        trx,
      );
    });
    const changed = await govern(["audit", "verify", "--json"], tokens.admin);
    expect(changed.code).toBe(1);
    const report = JSON.parse(changed.stdout) as { ok: boolean; firstBroken: { id: number } };
    expect(report.ok).toBe(false);
    expect(report.firstBroken.id).toBe(victim.id);
    expect(changed.stderr).toContain(`row ${victim.id}`);

    await database.owner.transaction().execute(async (trx) => {
      await sql`SET LOCAL session_replication_role = replica`.execute(trx);
      await sql`UPDATE governance.audit_events SET target = ${victim.target} WHERE id = ${victim.id}`.execute(
        trx,
      );
      await sql`DELETE FROM governance.audit_events WHERE id = ${removed.id}`.execute(trx);
    });
    const deleted = await govern(["audit", "verify"], tokens.admin);
    expect(deleted.code).toBe(1);
    expect(deleted.stdout).toContain(`row ${next.id}`);
  });
});
