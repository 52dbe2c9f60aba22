import { afterAll, beforeAll, expect, test } from "vitest";
import type { Role } from "../schema/domain/permissions.ts";
import { insertUser } from "../schema/governance/console-users.repository.ts";
import { hashPassword } from "../server/auth/passwords.ts";
import { createApiToken } from "../server/auth/principal.ts";
import { startWebhookReceiver, type WebhookReceiver } from "./support/alert-receivers.ts";
import { governInProcess } from "./support/cli.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

/**
 * `govern notify ...`: channels added, tested and removed by a console user through a token
 * (the operator may only read), secrets that never reach the output, and bad input exiting 2.
 */

let database: TestDatabase;
let hooks: WebhookReceiver;
const tokens: Partial<Record<Role, string>> = {};

beforeAll(async () => {
  database = await createTestDatabase("notifycli");
  hooks = await startWebhookReceiver();
  for (const role of ["steward", "engineer"] as const) {
    const created = await insertUser(database.owner, {
      email: `${role}@notifycli.test`,
      displayName: role,
      role,
      passwordHash: await hashPassword("twelve chars or more"),
    });
    tokens[role] = (await createApiToken(database.owner, created.id, "cli test")).token;
  }
});

afterAll(async () => {
  await hooks?.close();
  await database?.drop();
});

const govern = (args: string[], role?: Role) =>
  governInProcess(args, {
    DATABASE_URL: database.config.databaseUrl,
    GOVERN_TOKEN: role ? tokens[role] : undefined,
  });

test("a steward adds, tests and removes a webhook channel; secrets never reach the output", async () => {
  const added = await govern(
    [
      "notify",
      "channels",
      "add",
      "--name",
      "ops hook",
      "--type",
      "webhook",
      "--url",
      hooks.url("/hook/secret-path-token"),
      "--secret",
      "cli signing secret",
      "--min-severity",
      "error",
      "--kinds",
      "quality.*",
      "--json",
    ],
    "steward",
  );
  expect(added.code, added.stderr).toBe(0);
  const channel = JSON.parse(added.stdout) as { id: string; owner: string; kinds: string[] };
  expect(channel).toMatchObject({ owner: "steward@notifycli.test", kinds: ["quality.*"] });
  const listed = await govern(["notify", "channels", "list", "--json"]);
  expect(listed.code).toBe(0);
  for (const out of [added.stdout, listed.stdout]) {
    expect(out).not.toContain("secret-path-token");
    expect(out).not.toContain("cli signing secret");
  }
  const tested = await govern(["notify", "channels", "test", channel.id, "--json"], "steward");
  expect(tested.code, tested.stderr).toBe(0);
  expect(JSON.parse(tested.stdout)).toMatchObject({ status: "sent", kind: "notify.test" });
  expect(hooks.received("/hook/secret-path-token")).toHaveLength(1);

  hooks.failAlways("/hook/secret-path-token");
  const failing = await govern(["notify", "channels", "test", channel.id], "steward");
  expect(failing.code).toBe(1);
  expect(failing.stdout).toContain("HTTP 503");

  const log = await govern(["notify", "deliveries", "--status", "failed", "--json"]);
  expect(JSON.parse(log.stdout)).toMatchObject({ total: 1 });

  const removed = await govern(["notify", "channels", "remove", channel.id], "steward");
  expect(removed.code).toBe(0);
  expect(removed.stdout).toContain("removed ops hook");
  const audit = await database.owner
    .selectFrom("governance.audit_events")
    .select(["action", "actor"])
    .where("action", "like", "notifications.%")
    .orderBy("id")
    .execute();
  expect(audit.map((a) => a.action)).toEqual([
    "notifications.channel.create",
    "notifications.channel.test",
    "notifications.channel.test",
    "notifications.channel.delete",
  ]);
  expect(new Set(audit.map((a) => a.actor))).toEqual(new Set(["steward@notifycli.test"]));
});

test("without a token, or with a role that may not manage channels, changes exit 2", async () => {
  const args = [
    "notify",
    "channels",
    "add",
    "--name",
    "x",
    "--type",
    "webhook",
    "--url",
    "https://example.com/h",
  ];
  const operator = await govern(args);
  expect(operator.code).toBe(2);
  const engineer = await govern(args, "engineer");
  expect(engineer.code).toBe(2);
  expect(engineer.stderr).toContain("notifications:manage");
});

test("bad input exits 2 naming what is wrong", async () => {
  const ftp = await govern(
    [
      "notify",
      "channels",
      "add",
      "--name",
      "f",
      "--type",
      "webhook",
      "--url",
      "ftp://example.com/x",
    ],
    "steward",
  );
  expect(ftp.code).toBe(2);
  expect(ftp.stderr).toContain("webhook.url");
  const noType = await govern(["notify", "channels", "add", "--name", "n"], "steward");
  expect(noType.code).toBe(2);
  const badId = await govern(["notify", "channels", "test", "not-a-uuid"], "steward");
  expect(badId.code).toBe(2);
  const badStatus = await govern(["notify", "deliveries", "--status", "lost"]);
  expect(badStatus.code).toBe(2);
});
