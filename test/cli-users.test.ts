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

  test("users enable after a disable does not revive the tokens issued before it", async () => {
    const add = await govern([
      "users",
      "add",
      "--email",
      "back@cli.test",
      "--role",
      "steward",
      "--password",
      "coming back 12345",
    ]);
    expect(add.code, add.stderr).toBe(0);
    const old = await tokenFor("back@cli.test");
    expect(
      (await govern(["users", "disable", "--email", "back@cli.test"], tokens.admin)).code,
    ).toBe(0);
    const enable = await govern(["users", "enable", "--email", "back@cli.test"], tokens.admin);
    expect(enable.code, enable.stderr).toBe(0);
    expect(enable.stdout).toContain("enabled back@cli.test");
    const refused = await govern(["tokens", "list"], old);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("not a valid API token");
    const fresh = await tokenFor("back@cli.test");
    expect((await govern(["tokens", "list"], fresh)).code).toBe(0);
  });

  test("users reset-password prints a generated password once and ends the user's tokens", async () => {
    const add = await govern([
      "users",
      "add",
      "--email",
      "forgot@cli.test",
      "--role",
      "engineer",
      "--password",
      "forgotten 1234567",
    ]);
    expect(add.code, add.stderr).toBe(0);
    const old = await tokenFor("forgot@cli.test");
    const weak = await govern(
      ["users", "reset-password", "--email", "forgot@cli.test", "--password", "short"],
      tokens.admin,
    );
    expect(weak.code).toBe(2);
    expect(weak.stderr).toContain("at least 12 characters");
    const steward = await govern(
      ["users", "reset-password", "--email", "forgot@cli.test"],
      tokens.steward,
    );
    expect(steward.code).toBe(2);
    const reset = await govern(
      ["users", "reset-password", "--email", "forgot@cli.test", "--json"],
      tokens.admin,
    );
    expect(reset.code, reset.stderr).toBe(0);
    const body = JSON.parse(reset.stdout) as { password: string; tokensRevoked: number };
    expect(body.password).toMatch(/^[\w-]{20}$/);
    expect(body.tokensRevoked).toBe(1);
    expect((await govern(["tokens", "list"], old)).code).toBe(2);
    const audit = await database.owner
      .selectFrom("governance.audit_events")
      .select(["actor", "summary"])
      .where("action", "=", "users.password_reset")
      .execute();
    expect(audit.map((e) => e.actor)).toEqual(["root@cli.test"]);
    expect(JSON.stringify(audit)).not.toContain(body.password);
  });

  test("users change-password needs a token and the current password, then revokes every token", async () => {
    const add = await govern([
      "users",
      "add",
      "--email",
      "rotate@cli.test",
      "--role",
      "steward",
      "--password",
      "rotate me 1234567",
    ]);
    expect(add.code, add.stderr).toBe(0);
    const token = await tokenFor("rotate@cli.test");
    const second = await tokenFor("rotate@cli.test");
    const anonymous = await govern(["users", "change-password", "--current", "x", "--new", "y"]);
    expect(anonymous.code).toBe(2);
    const wrong = await govern(
      ["users", "change-password", "--current", "not it", "--new", "a new one 7654321"],
      token,
    );
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("not your current password");
    const listed = await govern(["tokens", "list", "--json"], token);
    expect((JSON.parse(listed.stdout) as unknown[]).length).toBe(2);
    const changed = await govern(
      ["users", "change-password", "--current", "rotate me 1234567", "--new", "a new one 7654321"],
      token,
    );
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout).toContain("2 token(s) revoked");
    expect((await govern(["tokens", "list"], token)).code).toBe(2);
    expect((await govern(["tokens", "list"], second)).code).toBe(2);
  });

  test("users update changes a role and a name; tokens list of another user needs users:read", async () => {
    const update = await govern(
      ["users", "update", "--email", "comp@cli.test", "--name", "Compliance Lead", "--json"],
      tokens.admin,
    );
    expect(update.code, update.stderr).toBe(0);
    expect(JSON.parse(update.stdout)).toMatchObject({ displayName: "Compliance Lead" });
    const own = await govern(
      ["users", "update", "--email", "root@cli.test", "--role", "steward"],
      tokens.admin,
    );
    expect(own.code).toBe(2);
    const others = await govern(["tokens", "list", "--email", "root@cli.test"], tokens.steward);
    expect(others.code).toBe(2);
    const asAdmin = await govern(
      ["tokens", "list", "--email", "stew@cli.test", "--json"],
      tokens.admin,
    );
    expect(asAdmin.code, asAdmin.stderr).toBe(0);
    expect(asAdmin.stdout).not.toContain(tokens.steward);
  });

  test("an admin's token cannot make a token for a compliance officer (powers the admin lacks)", async () => {
    const run = await govern(["tokens", "create", "--email", "comp@cli.test"], tokens.admin);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("retention:approve");
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
