import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { SESSION_COOKIE } from "../server/auth/principal.ts";
import { asToken, type ConsoleApp, openConsoleApp } from "./support/console-app.ts";

/** Sign-in, sessions, API tokens and the role checks on user administration, over the real app. */

let t: ConsoleApp;

beforeAll(async () => {
  t = await openConsoleApp("auth");
});

afterAll(async () => {
  await t?.close();
});

async function login(email: string, password: string, cookie?: string) {
  return t.request("/api/v1/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
    body: JSON.stringify({ email, password }),
  });
}

/** `govern_session=...` from a response's Set-Cookie, ready to send back. */
function sessionCookie(response: Response): string {
  const match = response.headers.get("set-cookie")?.match(new RegExp(`${SESSION_COOKIE}=[^;]+`));
  expect(match, "the response sets a session cookie").toBeTruthy();
  return match?.[0] ?? "";
}

async function me(headers: Record<string, string>) {
  return t.request("/api/v1/me", { headers });
}

async function expectErrorModel(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { error: Record<string, unknown> };
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  expect(body.error.requestId).toBe(response.headers.get("x-request-id"));
}

describe("password sign-in", () => {
  test("login sets an HttpOnly, SameSite=Strict, expiring session cookie that opens /me", async () => {
    const { user, password } = t.logins.steward;
    const response = await login(user.email, password);
    expect(response.status).toBe(200);
    const header = response.headers.get("set-cookie") ?? "";
    expect(header).toMatch(/HttpOnly/i);
    expect(header).toMatch(/SameSite=Strict/i);
    expect(header).toMatch(/Expires=/i);
    expect(header).toMatch(/Path=\//i);
    const body = (await response.json()) as { user: { email: string }; permissions: string[] };
    expect(body.user.email).toBe(user.email);
    const who = await me({ cookie: sessionCookie(response) });
    expect(who.status).toBe(200);
  });

  test("signing in again rotates the session: a new cookie, and the old one stops working", async () => {
    const { user, password } = t.logins.compliance_officer;
    const first = sessionCookie(await login(user.email, password));
    const second = sessionCookie(await login(user.email, password, first));
    expect(second).not.toBe(first);
    expect((await me({ cookie: second })).status).toBe(200);
    await expectErrorModel(await me({ cookie: first }), 401, "unauthenticated");
  });

  test("a wrong password answers 401 in the error model and sets no cookie", async () => {
    const response = await login(t.logins.engineer.user.email, "not the password at all");
    expect(response.headers.get("set-cookie")).toBeNull();
    await expectErrorModel(response, 401, "unauthenticated");
  });

  test("an unknown email answers exactly like a wrong password", async () => {
    await expectErrorModel(
      await login("nobody@auth.test", "whatever12345"),
      401,
      "unauthenticated",
    );
  });

  test("repeated failures from one address are throttled with 429, even with the right password", async () => {
    const email = t.logins.admin.user.email;
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await login(email, `wrong password ${i}`)).status);
    }
    expect(statuses.slice(0, 3)).toEqual(Array(3).fill(401));
    expect(statuses[3]).toBe(429);
    await expectErrorModel(await login(email, t.logins.admin.password), 429, "rate_limited");
    // Clear the counters so the admin can sign in again in later tests.
    const keys = await t.redis.keys(`${t.config.queuePrefix}:login-*`);
    await t.redis.del(...keys);
  });

  test("logout ends the session", async () => {
    const { user, password } = t.logins.engineer;
    const cookie = sessionCookie(await login(user.email, password));
    const out = await t.request("/api/v1/auth/logout", { method: "POST", headers: { cookie } });
    expect(out.status).toBe(200);
    await expectErrorModel(await me({ cookie }), 401, "unauthenticated");
  });
});

describe("disabled users", () => {
  test("a disabled user loses their sessions and tokens at once and cannot sign in", async () => {
    const admin = asToken(t.logins.admin.token);
    const created = await t.request("/api/v1/users", {
      method: "POST",
      headers: admin,
      body: JSON.stringify({
        email: "leaver@auth.test",
        displayName: "Leaver",
        role: "steward",
        password: "leaver password 123",
      }),
    });
    expect(created.status).toBe(201);
    const leaver = (await created.json()) as { id: string };
    const cookie = sessionCookie(await login("leaver@auth.test", "leaver password 123"));
    const tokenResponse = await t.request("/api/v1/tokens", {
      method: "POST",
      headers: { cookie, "content-type": "application/json" },
      body: JSON.stringify({ name: "laptop" }),
    });
    expect(tokenResponse.status).toBe(201);
    const { token } = (await tokenResponse.json()) as { token: string };
    expect((await me({ authorization: `Bearer ${token}` })).status).toBe(200);

    const disabled = await t.request(`/api/v1/users/${leaver.id}/disable`, {
      method: "POST",
      headers: admin,
    });
    expect(disabled.status).toBe(200);
    expect(((await disabled.json()) as { disabledAt: string | null }).disabledAt).not.toBeNull();
    await expectErrorModel(await me({ cookie }), 401, "unauthenticated");
    await expectErrorModel(await me({ authorization: `Bearer ${token}` }), 401, "unauthenticated");
    await expectErrorModel(
      await login("leaver@auth.test", "leaver password 123"),
      401,
      "unauthenticated",
    );
    const sessions = await t.db
      .selectFrom("governance.sessions")
      .select("user_id")
      .where("user_id", "=", leaver.id)
      .execute();
    expect(sessions).toEqual([]);

    const enabled = await t.request(`/api/v1/users/${leaver.id}/enable`, {
      method: "POST",
      headers: admin,
    });
    expect(enabled.status).toBe(200);
    expect((await login("leaver@auth.test", "leaver password 123")).status).toBe(200);
    // Re-enabling opens no old door: the token issued before the disable stays revoked.
    await expectErrorModel(await me({ authorization: `Bearer ${token}` }), 401, "unauthenticated");
  });
});

describe("API tokens", () => {
  test("a bearer token works on every authenticated route; once revoked it does not", async () => {
    const engineer = asToken(t.logins.engineer.token);
    const created = await t.request("/api/v1/tokens", {
      method: "POST",
      headers: engineer,
      body: JSON.stringify({ name: "ci", expiresInDays: 30 }),
    });
    expect(created.status).toBe(201);
    const { id, token } = (await created.json()) as { id: string; token: string };
    expect((await me({ authorization: `Bearer ${token}` })).status).toBe(200);

    const revoked = await t.request(`/api/v1/tokens/${id}`, {
      method: "DELETE",
      headers: engineer,
    });
    expect(revoked.status).toBe(200);
    expect(((await revoked.json()) as { revokedAt: string | null }).revokedAt).not.toBeNull();
    await expectErrorModel(await me({ authorization: `Bearer ${token}` }), 401, "unauthenticated");
  });

  test("a made-up or malformed bearer token is 401, never a fallback to anonymous access", async () => {
    await expectErrorModel(
      await me({ authorization: "Bearer gov_made-up-token-value" }),
      401,
      "unauthenticated",
    );
    await expectErrorModel(await me({ authorization: "Bearer" }), 401, "unauthenticated");
  });

  test("a steward's or engineer's token gets 403 on every user-administration route", async () => {
    const target = t.logins.admin.user.id;
    for (const role of ["steward", "engineer"] as const) {
      const headers = asToken(t.logins[role].token);
      const attempts = [
        t.request("/api/v1/users", { headers }),
        t.request("/api/v1/users", {
          method: "POST",
          headers,
          body: JSON.stringify({
            email: `sneaky-${role}@auth.test`,
            displayName: "Sneaky",
            role: "admin",
            password: "sneaky password 123",
          }),
        }),
        t.request(`/api/v1/users/${t.logins[role].user.id}`, {
          method: "PATCH",
          headers,
          body: JSON.stringify({ role: "admin" }),
        }),
        t.request(`/api/v1/users/${target}/disable`, { method: "POST", headers }),
        t.request(`/api/v1/users/${target}/enable`, { method: "POST", headers }),
      ];
      for (const response of await Promise.all(attempts)) {
        await expectErrorModel(response, 403, "forbidden");
      }
    }
    const sneaky = await t.db
      .selectFrom("governance.console_users")
      .select("email")
      .where("email", "like", "sneaky-%")
      .execute();
    expect(sneaky).toEqual([]);
  });
});
