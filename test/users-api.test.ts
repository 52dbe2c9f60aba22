import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { asToken, type ConsoleApp, openConsoleApp } from "./support/console-app.ts";

/** User administration, own tokens and the API reference page, over the real app. */

let t: ConsoleApp;
let admin: Record<string, string>;

type UserBody = { id: string; email: string; role: string; displayName: string };
type Page = { items: UserBody[]; total: number };

beforeAll(async () => {
  t = await openConsoleApp("usersapi");
  admin = asToken(t.logins.admin.token);
  for (let i = 0; i < 12; i++) {
    const response = await t.request("/api/v1/users", {
      method: "POST",
      headers: admin,
      body: JSON.stringify({
        email: `Person${String(i).padStart(2, "0")}@Example.org`,
        displayName: `Person ${i} ${i % 2 ? "odd" : "even"}`,
        role: i % 3 === 0 ? "engineer" : "steward",
        password: "a long enough password",
      }),
    });
    expect(response.status).toBe(201);
  }
});

afterAll(async () => {
  await t?.close();
});

async function listUsers(query: string): Promise<Page> {
  const response = await t.request(`/api/v1/users?${query}`, { headers: admin });
  expect(response.status).toBe(200);
  return (await response.json()) as Page;
}

describe("GET /api/v1/users", () => {
  test("pages on the server: pageSize items per page, the total over all pages", async () => {
    const first = await listUsers("page=1&pageSize=5&sort=email:asc");
    const third = await listUsers("page=3&pageSize=5&sort=email:asc");
    expect(first.total).toBe(16);
    expect(first.items).toHaveLength(5);
    expect(third.items).toHaveLength(5);
    const all = await listUsers("pageSize=200&sort=email:asc");
    expect(all.items.map((u) => u.email)).toEqual(
      [...all.items.map((u) => u.email)].sort((a, b) => a.localeCompare(b)),
    );
    expect(third.items).toEqual(all.items.slice(10, 15));
  });

  test("searches email and name case-insensitively, filters by role, sorts descending", async () => {
    const odd = await listUsers("q=ODD");
    expect(odd.total).toBe(6);
    const engineers = await listUsers("role=engineer&q=person");
    expect(engineers.items.every((u) => u.role === "engineer")).toBe(true);
    expect(engineers.total).toBe(4);
    const desc = await listUsers("q=person&sort=email:desc&pageSize=2");
    expect(desc.items.map((u) => u.email)).toEqual([
      "person11@example.org",
      "person10@example.org",
    ]);
  });

  test("a LIKE wildcard in the search is taken literally", async () => {
    expect((await listUsers("q=%25")).total).toBe(0);
    expect((await listUsers("q=person_1")).total).toBe(0);
  });

  test("never returns password hashes", async () => {
    const response = await t.request("/api/v1/users?pageSize=200", { headers: admin });
    expect(await response.text()).not.toMatch(/scrypt|password/i);
  });

  test.each([
    "pageSize=0",
    "pageSize=201",
    "page=0",
    "sort=password_hash:asc",
    "sort=email",
    "role=superuser",
    "limit=5",
  ])("rejects %s with 400 in the error model", async (query) => {
    const response = await t.request(`/api/v1/users?${query}`, { headers: admin });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      "invalid_request",
    );
  });
});

describe("changing users", () => {
  test("creating a user with an existing email (any case) is 409", async () => {
    const response = await t.request("/api/v1/users", {
      method: "POST",
      headers: admin,
      body: JSON.stringify({
        email: "PERSON01@example.org",
        displayName: "Twin",
        role: "steward",
        password: "a long enough password",
      }),
    });
    expect(response.status).toBe(409);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("conflict");
  });

  test("a password shorter than 12 characters is refused", async () => {
    const response = await t.request("/api/v1/users", {
      method: "POST",
      headers: admin,
      body: JSON.stringify({
        email: "short@example.org",
        displayName: "Short",
        role: "steward",
        password: "elevenchars",
      }),
    });
    expect(response.status).toBe(400);
  });

  test("PATCH changes name and role, and the change is audited with before and after", async () => {
    const target = (await listUsers("q=person02")).items[0] as UserBody;
    const response = await t.request(`/api/v1/users/${target.id}`, {
      method: "PATCH",
      headers: admin,
      body: JSON.stringify({ role: "compliance_officer", displayName: "Renamed" }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      role: "compliance_officer",
      displayName: "Renamed",
    });
    const event = await t.db
      .selectFrom("governance.audit_events")
      .select(["actor", "action", "target", "summary"])
      .where("action", "=", "users.update")
      .executeTakeFirstOrThrow();
    expect(event.actor).toBe(t.logins.admin.user.email);
    expect(event.target).toBe(`user:${target.email}`);
    expect(event.summary).toMatchObject({ role: { from: target.role, to: "compliance_officer" } });
  });

  test("an empty PATCH and an unknown user id are refused", async () => {
    const id = t.logins.steward.user.id;
    const empty = await t.request(`/api/v1/users/${id}`, {
      method: "PATCH",
      headers: admin,
      body: "{}",
    });
    expect(empty.status).toBe(400);
    const missing = await t.request("/api/v1/users/00000000-0000-4000-8000-000000000000", {
      method: "PATCH",
      headers: admin,
      body: JSON.stringify({ displayName: "Ghost" }),
    });
    expect(missing.status).toBe(404);
  });

  test("an admin can neither disable themself nor change their own role", async () => {
    const self = t.logins.admin.user.id;
    const disable = await t.request(`/api/v1/users/${self}/disable`, {
      method: "POST",
      headers: admin,
    });
    expect(disable.status).toBe(409);
    const demote = await t.request(`/api/v1/users/${self}`, {
      method: "PATCH",
      headers: admin,
      body: JSON.stringify({ role: "steward" }),
    });
    expect(demote.status).toBe(409);
    expect((await t.request("/api/v1/me", { headers: admin })).status).toBe(200);
  });
});

describe("own API tokens", () => {
  test("the token is shown once; the list shows only its prefix", async () => {
    const steward = asToken(t.logins.steward.token);
    const created = await t.request("/api/v1/tokens", {
      method: "POST",
      headers: steward,
      body: JSON.stringify({ name: "notebook" }),
    });
    expect(created.status).toBe(201);
    const { id, token } = (await created.json()) as { id: string; token: string };
    const list = await t.request("/api/v1/tokens", { headers: steward });
    const text = await list.text();
    expect(text).not.toContain(token);
    const tokens = JSON.parse(text) as { id: string; prefix: string; name: string }[];
    const mine = tokens.find((x) => x.id === id);
    expect(mine?.name).toBe("notebook");
    expect(token.startsWith(mine?.prefix ?? "-")).toBe(true);
    // Only the caller's own tokens are listed.
    expect(tokens).toHaveLength(2);
  });

  test("another person's token id answers 404 and stays valid", async () => {
    const engineer = asToken(t.logins.engineer.token);
    const created = await t.request("/api/v1/tokens", {
      method: "POST",
      headers: engineer,
      body: JSON.stringify({ name: "mine" }),
    });
    const { id, token } = (await created.json()) as { id: string; token: string };
    const attempt = await t.request(`/api/v1/tokens/${id}`, {
      method: "DELETE",
      headers: asToken(t.logins.admin.token),
    });
    expect(attempt.status).toBe(404);
    expect((await t.request("/api/v1/me", { headers: asToken(token) })).status).toBe(200);
  });
});

describe("GET /api/v1/docs", () => {
  test("needs a session or token, like the OpenAPI document it renders", async () => {
    expect((await t.request("/api/v1/docs")).status).toBe(401);
    expect((await t.request("/api/v1/openapi.json")).status).toBe(401);
  });

  test("is a readable page of every route, with no scripts, under the app's CSP", async () => {
    const response = await t.request("/api/v1/docs", {
      headers: { authorization: `Bearer ${t.logins.steward.token}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/text\/html/);
    expect(response.headers.get("content-security-policy")).toMatch(/script-src 'self'/);
    const html = await response.text();
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/https?:\/\/(?!127)/);
    for (const path of ["/api/v1/users", "/api/v1/users/{id}/disable", "/api/v1/tokens/{id}"]) {
      expect(html).toContain(path);
    }
    expect(html).toContain("access: users:write");
    expect(html).toContain("CreateUserRequest");
  });
});
