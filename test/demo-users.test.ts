import { afterAll, beforeAll, expect, test } from "vitest";
import { ROLES } from "../schema/domain/permissions.ts";
import { countUsers, findUserByEmail } from "../schema/governance/console-users.repository.ts";
import { verifyPassword } from "../server/auth/passwords.ts";
import { ensureDemoUsers } from "../server/cli.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

/** What `npm start` does for people on a fresh store: one demo login per role, printed once. */

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase("demo_users");
});

afterAll(async () => {
  await database?.drop();
});

/** Every role once, and a second compliance officer to approve what the first planned. */
const DEMO_COUNT = ROLES.length + 1;

test("an empty store gets a user per role and two compliance officers, each with a strong password that signs in; a second start adds none", async () => {
  const logins = await ensureDemoUsers(database.config, { kind: "operator" });
  expect(logins.map((l) => l.role).sort()).toEqual(
    [...ROLES, "compliance_officer" as const].sort(),
  );
  expect(logins.map((l) => l.email)).toContain("admin@govern.local");
  expect(logins.filter((l) => l.role === "compliance_officer").map((l) => l.email)).toEqual([
    "compliance@govern.local",
    "compliance2@govern.local",
  ]);
  expect(new Set(logins.map((l) => l.password)).size).toBe(DEMO_COUNT);
  for (const login of logins) {
    expect(login.password.length).toBeGreaterThanOrEqual(16);
    const user = await findUserByEmail(database.owner, login.email);
    expect(user?.role).toBe(login.role);
    expect(await verifyPassword(login.password, user?.passwordHash)).toBe(true);
  }
  const audited = await database.owner
    .selectFrom("governance.audit_events")
    .select(["actor", "action"])
    .where("action", "=", "users.create")
    .execute();
  expect(audited).toHaveLength(DEMO_COUNT);
  expect(audited.every((e) => e.actor === "local-operator")).toBe(true);

  expect(await ensureDemoUsers(database.config, { kind: "operator" })).toEqual([]);
  expect(await countUsers(database.owner)).toBe(DEMO_COUNT);
});
