import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { silentLogger } from "../schema/logger.ts";
import { newApp } from "../server/app.ts";
import { MAX_PER_EMAIL } from "../server/auth/login-throttle.ts";
import { SESSION_COOKIE } from "../server/auth/principal.ts";
import { asToken, type ConsoleApp, openConsoleApp } from "./support/console-app.ts";

/**
 * Accounts every admin expects: disable and re-enable, password change and reset, login
 * throttling that a stranger cannot turn against a person, Host and Origin checks, and sign-in
 * while Redis is down. Each attack is made the way an outsider would, over the real app.
 */

let t: ConsoleApp;

beforeAll(async () => {
  t = await openConsoleApp("accounts");
});

afterAll(async () => {
  await t?.close();
});

const JSON_TYPE = { "content-type": "application/json" };

async function login(email: string, password: string, ip = "127.0.0.1") {
  return t.request(
    "/api/v1/auth/login",
    { method: "POST", headers: JSON_TYPE, body: JSON.stringify({ email, password }) },
    ip,
  );
}

function sessionCookie(response: Response): string {
  const match = response.headers.get("set-cookie")?.match(new RegExp(`${SESSION_COOKIE}=[^;]+`));
  expect(match, "the response sets a session cookie").toBeTruthy();
  return match?.[0] ?? "";
}

async function status(path: string, headers: Record<string, string>): Promise<number> {
  const response = await t.request(path, { headers });
  await response.arrayBuffer();
  return response.status;
}

async function errorOf(response: Response) {
  return (
    (await response.json()) as { error: { code: string; message: string; details?: unknown } }
  ).error;
}

let counter = 0;
/** A fresh user with a password, a signed-in session and an API token of their own. */
async function newPerson(role = "steward") {
  counter++;
  const email = `person-${counter}@accounts.test`;
  const password = `first password ${counter} xyz`;
  const created = await t.request("/api/v1/users", {
    method: "POST",
    headers: asToken(t.logins.admin.token),
    body: JSON.stringify({ email, displayName: `Person ${counter}`, role, password }),
  });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };
  const cookie = sessionCookie(await login(email, password, `10.9.0.${counter}`));
  const made = await t.request("/api/v1/tokens", {
    method: "POST",
    headers: { ...JSON_TYPE, cookie },
    body: JSON.stringify({ name: "laptop" }),
  });
  expect(made.status).toBe(201);
  const { token } = (await made.json()) as { token: string };
  return { id, email, password, cookie, token };
}

describe("disable and re-enable", () => {
  test("re-enabling a disabled user does not revive the API tokens issued before the disable", async () => {
    const person = await newPerson();
    const admin = asToken(t.logins.admin.token);
    expect(
      (await t.request(`/api/v1/users/${person.id}/disable`, { method: "POST", headers: admin }))
        .status,
    ).toBe(200);
    expect(
      (await t.request(`/api/v1/users/${person.id}/enable`, { method: "POST", headers: admin }))
        .status,
    ).toBe(200);
    expect(await status("/api/v1/me", { authorization: `Bearer ${person.token}` })).toBe(401);
    expect(await status("/api/v1/me", { cookie: person.cookie })).toBe(401);
    // Checked in the table itself, not through the code that decides.
    const live = await t.db
      .selectFrom("governance.api_tokens")
      .select("id")
      .where("user_id", "=", person.id)
      .where("revoked_at", "is", null)
      .execute();
    expect(live).toEqual([]);
  });
});

describe("password change", () => {
  test("changing one's password needs the current one, ends every other session and every token, and keeps this browser signed in", async () => {
    const person = await newPerson();
    const other = sessionCookie(await login(person.email, person.password, "10.9.1.1"));
    const wrong = await t.request("/api/v1/me/password", {
      method: "POST",
      headers: { ...JSON_TYPE, cookie: person.cookie },
      body: JSON.stringify({
        currentPassword: "not it at all",
        newPassword: "a brand new secret 1",
      }),
    });
    expect(wrong.status).toBe(400);
    expect((await errorOf(wrong)).details).toEqual([
      { path: "currentPassword", message: "This is not your current password." },
    ]);

    const changed = await t.request("/api/v1/me/password", {
      method: "POST",
      headers: { ...JSON_TYPE, cookie: person.cookie },
      body: JSON.stringify({
        currentPassword: person.password,
        newPassword: "a brand new secret 1",
      }),
    });
    expect(changed.status).toBe(200);
    expect(await changed.clone().json()).toEqual({ sessionsEnded: 2, tokensRevoked: 1 });
    const fresh = sessionCookie(changed);
    expect(fresh).not.toBe(person.cookie);
    expect(await status("/api/v1/me", { cookie: fresh })).toBe(200);
    expect(await status("/api/v1/me", { cookie: person.cookie })).toBe(401);
    expect(await status("/api/v1/me", { cookie: other })).toBe(401);
    expect(await status("/api/v1/me", { authorization: `Bearer ${person.token}` })).toBe(401);
    expect((await login(person.email, person.password, "10.9.1.2")).status).toBe(401);
    expect((await login(person.email, "a brand new secret 1", "10.9.1.3")).status).toBe(200);

    const events = await t.db
      .selectFrom("governance.audit_events")
      .select(["action", "summary"])
      .where("action", "=", "users.password_change")
      .execute();
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events)).not.toContain("brand new secret");
    expect(JSON.stringify(events)).not.toContain(person.password);
  });

  test("a weak new password is refused with 400 naming the field and the rule", async () => {
    const person = await newPerson();
    for (const [weak, rule] of [
      ["short1", /at least 12 characters/],
      ["aaaaaaaaaaaaaaaa", /different characters/],
      [`${person.email}-xyz`, /email/],
      [person.password, /differ from the current/],
    ] as const) {
      const response = await t.request("/api/v1/me/password", {
        method: "POST",
        headers: asToken(person.token),
        body: JSON.stringify({ currentPassword: person.password, newPassword: weak }),
      });
      expect(response.status, weak).toBe(400);
      const error = await errorOf(response);
      expect(error.code).toBe("invalid_request");
      expect(error.details).toEqual([
        { path: "newPassword", message: expect.stringMatching(rule) },
      ]);
    }
    // Nothing changed: the token still works and the old password still signs in.
    expect(await status("/api/v1/me", { authorization: `Bearer ${person.token}` })).toBe(200);
  });
});

describe("password reset by an admin", () => {
  test("a reset generates a password shown once, ends the user's sessions and tokens, and is audited without it", async () => {
    const person = await newPerson("compliance_officer");
    const response = await t.request(`/api/v1/users/${person.id}/password`, {
      method: "POST",
      headers: asToken(t.logins.admin.token),
      body: "{}",
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      password: string;
      sessionsEnded: number;
      tokensRevoked: number;
    };
    expect(body.password).toMatch(/^[\w-]{20}$/);
    expect(body).toMatchObject({ sessionsEnded: 1, tokensRevoked: 1 });
    expect(await status("/api/v1/me", { cookie: person.cookie })).toBe(401);
    expect(await status("/api/v1/me", { authorization: `Bearer ${person.token}` })).toBe(401);
    expect((await login(person.email, person.password, "10.9.2.1")).status).toBe(401);
    expect((await login(person.email, body.password, "10.9.2.2")).status).toBe(200);
    const events = await t.db
      .selectFrom("governance.audit_events")
      .select(["actor", "target", "summary"])
      .where("action", "=", "users.password_reset")
      .execute();
    expect(events).toEqual([
      expect.objectContaining({
        actor: t.logins.admin.user.email,
        target: `user:${person.email}`,
      }),
    ]);
    expect(JSON.stringify(events)).not.toContain(body.password);
  });

  test("an admin may set a chosen password, held to the same policy, and not their own", async () => {
    const person = await newPerson();
    const admin = asToken(t.logins.admin.token);
    const weak = await t.request(`/api/v1/users/${person.id}/password`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify({ password: "too short" }),
    });
    expect(weak.status).toBe(400);
    expect((await errorOf(weak)).details).toEqual([
      { path: "password", message: expect.stringMatching(/at least 12/) },
    ]);
    const set = await t.request(`/api/v1/users/${person.id}/password`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify({ password: "chosen by the admin 42" }),
    });
    expect(set.status).toBe(200);
    expect(((await set.json()) as { password: string | null }).password).toBeNull();
    expect((await login(person.email, "chosen by the admin 42", "10.9.3.1")).status).toBe(200);
    const own = await t.request(`/api/v1/users/${t.logins.admin.user.id}/password`, {
      method: "POST",
      headers: admin,
      body: "{}",
    });
    expect(own.status).toBe(409);
  });

  test("a steward cannot reset anyone's password, nor list or revoke another user's tokens", async () => {
    const person = await newPerson();
    const steward = asToken(t.logins.steward.token);
    const tokens = await t.db
      .selectFrom("governance.api_tokens")
      .select("id")
      .where("user_id", "=", person.id)
      .execute();
    const attempts = [
      t.request(`/api/v1/users/${person.id}/password`, {
        method: "POST",
        headers: steward,
        body: "{}",
      }),
      t.request(`/api/v1/users/${person.id}/tokens`, { headers: steward }),
      t.request(`/api/v1/users/${person.id}/tokens`, {
        method: "POST",
        headers: steward,
        body: JSON.stringify({ name: "mine now" }),
      }),
      t.request(`/api/v1/users/${person.id}/tokens/${tokens[0]?.id}`, {
        method: "DELETE",
        headers: steward,
      }),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.status).toBe(403);
    }
    expect(await status("/api/v1/me", { authorization: `Bearer ${person.token}` })).toBe(200);
  });
});

describe("tokens of other users, for admins", () => {
  test("an admin lists, creates and revokes a user's tokens; a token id of another user answers 404", async () => {
    const person = await newPerson();
    const admin = asToken(t.logins.admin.token);
    const listed = await t.request(`/api/v1/users/${person.id}/tokens`, { headers: admin });
    expect(listed.status).toBe(200);
    const tokens = (await listed.json()) as { id: string; name: string; prefix: string }[];
    expect(tokens.map((x) => x.name)).toEqual(["laptop"]);
    expect(JSON.stringify(tokens)).not.toContain(person.token);

    const made = await t.request(`/api/v1/users/${person.id}/tokens`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify({ name: "ci for person", expiresInDays: 7 }),
    });
    expect(made.status).toBe(201);
    const created = (await made.json()) as { id: string; token: string };
    expect(await status("/api/v1/me", { authorization: `Bearer ${created.token}` })).toBe(200);

    const elsewhere = await t.request(
      `/api/v1/users/${t.logins.engineer.user.id}/tokens/${created.id}`,
      { method: "DELETE", headers: admin },
    );
    expect(elsewhere.status).toBe(404);
    const revoked = await t.request(`/api/v1/users/${person.id}/tokens/${created.id}`, {
      method: "DELETE",
      headers: admin,
    });
    expect(revoked.status).toBe(200);
    expect(await status("/api/v1/me", { authorization: `Bearer ${created.token}` })).toBe(401);
    expect(await status("/api/v1/me", { authorization: `Bearer ${person.token}` })).toBe(200);
  });
});

describe("tokens of other users: no way around separation of duties", () => {
  test("an admin cannot create a token for a compliance officer, whose approvals the admin may not make", async () => {
    const officer = t.logins.compliance_officer.user;
    const before = await t.db
      .selectFrom("governance.api_tokens")
      .select("id")
      .where("user_id", "=", officer.id)
      .execute();
    const response = await t.request(`/api/v1/users/${officer.id}/tokens`, {
      method: "POST",
      headers: asToken(t.logins.admin.token),
      body: JSON.stringify({ name: "borrowed" }),
    });
    expect(response.status).toBe(403);
    expect((await errorOf(response)).message).toContain("retention:approve");
    const after = await t.db
      .selectFrom("governance.api_tokens")
      .select("id")
      .where("user_id", "=", officer.id)
      .execute();
    expect(after).toHaveLength(before.length);
  });
});

describe("login throttling", () => {
  test("a stranger guessing from other addresses cannot lock a person out: their own address still signs in", async () => {
    const person = await newPerson();
    const own = `10.9.0.${counter}`; // where newPerson signed in
    // A stranger who knows the email guesses from a few addresses until each is slowed down.
    const strangerStatuses = new Set<number>();
    for (let address = 1; address <= 3; address++) {
      for (let attempt = 0; attempt < 4; attempt++) {
        strangerStatuses.add(
          (await login(person.email, `guess ${address}.${attempt}`, `203.0.113.${address}`)).status,
        );
      }
    }
    expect([...strangerStatuses].sort()).toEqual([401, 429]);
    // A botnet would go on from a hundred more addresses; rather than spend minutes of scrypt
    // on it, the per-email counter is raised to where those guesses would have taken it.
    await t.redis.set(`${t.config.queuePrefix}:login-fail:email:${person.email}`, MAX_PER_EMAIL);
    // A stranger's address is slowed down even with the right password, and so is any address
    // this email never signed in from (the global per-email limit holds)...
    expect((await login(person.email, person.password, "203.0.113.3")).status).toBe(429);
    expect((await login(person.email, person.password, "10.9.0.250")).status).toBe(429);
    // ...while the person, from their own address, signs in at once.
    expect((await login(person.email, person.password, own)).status).toBe(200);
  });

  test("after a few failures from one address the wait before the next attempt grows", async () => {
    const person = await newPerson();
    const ip = "198.51.100.7";
    for (let i = 0; i < 3; i++) {
      expect((await login(person.email, `wrong ${i}`, ip)).status).toBe(401);
    }
    const first = await login(person.email, "wrong again", ip);
    expect(first.status).toBe(429);
    const firstWait = Number(first.headers.get("retry-after"));
    expect((await errorOf(first)).details).toEqual({ retryAfterSeconds: firstWait });
    expect(firstWait).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, firstWait * 1000 + 100));
    expect((await login(person.email, "wrong 4", ip)).status).toBe(401);
    const second = await login(person.email, person.password, ip);
    expect(second.status).toBe(429);
    expect(Number(second.headers.get("retry-after"))).toBe(2);
  });

  test("one address guessing many emails hits the per-address limit", {
    timeout: 180_000,
  }, async () => {
    const ip = "192.0.2.99";
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) {
      statuses.push((await login(`nobody-${i}@accounts.test`, "wrong password", ip)).status);
    }
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(statuses[20]).toBe(429);
    expect((await login(t.logins.engineer.user.email, t.logins.engineer.password, ip)).status).toBe(
      429,
    );
  });
});

describe("Host and Origin", () => {
  test("a mutating request whose Origin has another scheme, port or host is refused with 403", async () => {
    const cookie = sessionCookie(
      await login(t.logins.engineer.user.email, t.logins.engineer.password, "10.9.9.1"),
    );
    const post = (headers: Record<string, string>) =>
      t.request("/api/v1/tokens", {
        method: "POST",
        headers: { ...JSON_TYPE, cookie, ...headers },
        body: JSON.stringify({ name: "origin probe" }),
      });
    for (const origin of [
      "https://localhost",
      "http://localhost:3000",
      "http://evil.example",
      "http://localhost.evil.example",
      "null",
    ]) {
      const response = await post({ origin });
      expect(response.status, origin).toBe(403);
      expect((await errorOf(response)).code).toBe("forbidden");
    }
    // Without Origin, a cookie request is held to its Referer.
    expect((await post({ referer: "http://localhost:3000/catalog" })).status).toBe(403);
    expect((await post({ referer: "http://localhost/catalog" })).status).toBe(201);
    expect((await post({ origin: "http://localhost" })).status).toBe(201);
    const made = await t.db
      .selectFrom("governance.api_tokens")
      .select("id")
      .where("name", "=", "origin probe")
      .execute();
    expect(made).toHaveLength(2);
  });

  test("a request naming a foreign Host is refused with 400 before anything else", async () => {
    for (const host of ["evil.example", "evil.example:8080", "127.0.0.1.nip.io", "x y"]) {
      const response = await t.request("/api/v1/me", {
        headers: { host, authorization: `Bearer ${t.logins.admin.token}` },
      });
      expect(response.status, host).toBe(400);
      const error = await errorOf(response);
      expect(error.message).toMatch(/PUBLIC_URL/);
    }
    const ok = await t.request("/api/v1/me", {
      headers: { host: "localhost", authorization: `Bearer ${t.logins.admin.token}` },
    });
    expect(ok.status).toBe(200);
  });

  test("in production only the public origin and its host are accepted", async () => {
    const config = { ...t.config, env: "production" as const, publicUrl: "https://govern.example" };
    const app = newApp({
      config,
      db: t.db,
      redis: t.redis,
      analytics: t.analytics,
      logger: silentLogger,
    });
    const ask = (host: string, origin?: string) =>
      app.request("/api/v1/auth/logout", {
        method: "POST",
        headers: {
          host,
          authorization: `Bearer ${t.logins.admin.token}`,
          ...(origin ? { origin } : {}),
        },
      });
    expect((await ask("govern.example", "https://govern.example")).status).toBe(200);
    expect((await ask("govern.example", "http://govern.example")).status).toBe(403);
    expect((await ask("govern.example", "https://govern.example:8443")).status).toBe(403);
    expect((await ask("govern.example:8443")).status).toBe(400);
    expect((await ask("other.example")).status).toBe(400);
    expect((await ask("localhost:3000")).status).toBe(400);
  });
});

describe("Redis down", () => {
  let redisServer: ChildProcess | undefined;

  afterAll(() => {
    redisServer?.kill("SIGKILL");
  });

  test("sign-in answers 503 with a clear error within a second while Redis is down", async () => {
    const port = await freePort();
    redisServer = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { stdio: "ignore" },
    );
    const redis = new Redis(`redis://127.0.0.1:${port}`, {
      maxRetriesPerRequest: null,
      retryStrategy: () => 200,
    });
    redis.on("error", () => {}); // refused connections are the point of this test
    try {
      await waitFor(async () => (await redis.ping()) === "PONG");
      const app = newApp({
        config: t.config,
        db: t.db,
        redis,
        analytics: t.analytics,
        logger: silentLogger,
      });
      const signIn = () =>
        app.request("/api/v1/auth/login", {
          method: "POST",
          headers: JSON_TYPE,
          body: JSON.stringify({
            email: t.logins.steward.user.email,
            password: t.logins.steward.password,
          }),
        });
      expect((await signIn()).status).toBe(200);

      redisServer.kill("SIGKILL");
      await new Promise((resolve) => redisServer?.once("exit", resolve));
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        const response = await signIn();
        const ms = performance.now() - started;
        expect(response.status).toBe(503);
        const error = await errorOf(response);
        expect(error.code).toBe("unavailable");
        expect(error.message).toMatch(/Redis/);
        expect(ms).toBeLessThan(1000);
      }
    } finally {
      redis.disconnect();
    }
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function waitFor(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      if (await check()) {
        return;
      }
    } catch {
      // not yet
    }
    if (Date.now() > until) {
      throw new Error("timed out waiting");
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
