import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { recordRunEnd, recordRunStart } from "../jobs/job-runs.repository.ts";
import { ROLES, type Role } from "../schema/domain/permissions.ts";
import { appendAuditEvent } from "../schema/governance/audit-events.repository.ts";
import { type ConsoleApp, openConsoleApp } from "./support/console-app.ts";

/**
 * The endpoints the console's shell relies on: the session bootstrap that never fails on the
 * sign-in page, the audit trail's action list and prefix filter, the tenant directory behind
 * the tenant picker, and the live event stream.
 */

const id = randomBytes(4).toString("hex");
let t: ConsoleApp;
const tenantIds: string[] = [];

beforeAll(async () => {
  t = await openConsoleApp("consoleapi");
  for (const [name, region] of [
    [`Acme Plumbing ${id}`, "eu-west"],
    [`Acme 100% Heating ${id}`, "us-east"],
    [`Zed Roofing ${id}`, "ap-south"],
  ] as const) {
    const row = await t.db
      .insertInto("tenants")
      .values({ business_name: name, region })
      .returning("id")
      .executeTakeFirstOrThrow();
    tenantIds.push(row.id);
  }
  for (const action of ["retention.plan", "retention.approve", "auth.login", "retentionist"]) {
    await appendAuditEvent(t.db, {
      actor: `fixture-${id}`,
      actorRole: "admin",
      action,
      target: `fixture:${id}`,
      summary: {},
      requestId: null,
      sourceIp: null,
    });
  }
});

afterAll(async () => {
  await t?.close();
});

const as = (role: Role | undefined, init: RequestInit = {}) => {
  const headers = new Headers(init.headers);
  if (role) {
    headers.set("authorization", `Bearer ${t.logins[role].token}`);
  }
  return { ...init, headers };
};

describe("GET /api/v1/session", () => {
  test("answers 200 with user null when nobody is signed in, so the sign-in page logs no failed request", async () => {
    const response = await t.request("/api/v1/session");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ user: null, permissions: [] });
  });

  test("answers the signed-in person and their permissions for a session cookie", async () => {
    const login = await t.request("/api/v1/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: t.logins.steward.user.email, password: "role password 12345" }),
    });
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const body = (await (await t.request("/api/v1/session", { headers: { cookie } })).json()) as {
      user: { email: string; role: string };
      permissions: string[];
    };
    expect(body.user.email).toBe(t.logins.steward.user.email);
    expect(body.user.role).toBe("steward");
    expect(body.permissions).toContain("catalog:review");
  });

  test("a forged or unknown session cookie is nobody, not an error", async () => {
    const response = await t.request("/api/v1/session", {
      headers: { cookie: "govern_session=forged-value-that-is-no-session" },
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { user: unknown }).user).toBeNull();
  });
});

describe("audit actions and prefix filter", () => {
  test("GET /audit/actions lists each distinct action once with its count", async () => {
    const response = await t.request("/api/v1/audit/actions", as("compliance_officer"));
    expect(response.status).toBe(200);
    const { items } = (await response.json()) as { items: { action: string; count: number }[] };
    const actions = items.map((i) => i.action);
    expect(new Set(actions).size).toBe(actions.length);
    expect(actions).toEqual(expect.arrayContaining(["retention.plan", "retention.approve"]));
    expect(items.find((i) => i.action === "retention.plan")?.count).toBeGreaterThanOrEqual(1);
    expect((await t.request("/api/v1/audit/actions", as("steward"))).status).toBe(403);
    expect((await t.request("/api/v1/audit/actions")).status).toBe(401);
  });

  test("an action ending in * filters by prefix, matched literally; without it the match is exact", async () => {
    const list = async (action: string) => {
      const response = await t.request(
        `/api/v1/audit?actor=fixture-${id}&action=${encodeURIComponent(action)}`,
        as("admin"),
      );
      expect(response.status).toBe(200);
      const body = (await response.json()) as { items: { action: string }[] };
      return body.items.map((i) => i.action).sort();
    };
    expect(await list("retention.*")).toEqual(["retention.approve", "retention.plan"]);
    expect(await list("retention*")).toEqual([
      "retention.approve",
      "retention.plan",
      "retentionist",
    ]);
    expect(await list("retention.")).toEqual([]);
    expect(await list("retention.plan")).toEqual(["retention.plan"]);
    // LIKE wildcards typed by a person are not wildcards.
    expect(await list("retention_*")).toEqual([]);
    expect(await list("%*")).toEqual([]);
  });
});

describe("GET /api/v1/tenants", () => {
  test.each(ROLES)("is readable by %s, by business name, with paging", async (role) => {
    const response = await t.request(`/api/v1/tenants?q=acme&pageSize=1`, as(role));
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      items: { id: string; businessName: string; region: string }[];
      total: number;
    };
    expect(body.total).toBe(2);
    expect(body.items).toHaveLength(1);
    // By name, case-insensitively: "Acme 100% Heating" before "Acme Plumbing".
    expect(body.items[0]?.businessName).toBe(`Acme 100% Heating ${id}`);
    const second = (await (
      await t.request(`/api/v1/tenants?q=ACME&pageSize=1&page=2`, as(role))
    ).json()) as { items: { businessName: string }[] };
    expect(second.items.map((i) => i.businessName)).toEqual([`Acme Plumbing ${id}`]);
  });

  test("searches by region and id prefix, matches % literally, and looks up names by ids", async () => {
    const names = async (query: string) =>
      (
        (await (await t.request(`/api/v1/tenants?${query}`, as("engineer"))).json()) as {
          items: { businessName: string }[];
        }
      ).items.map((i) => i.businessName);
    expect(await names("q=ap-south")).toEqual([`Zed Roofing ${id}`]);
    expect(await names(`q=${tenantIds[2]?.slice(0, 8)}`)).toContain(`Zed Roofing ${id}`);
    expect(await names(`q=${encodeURIComponent("100%")}`)).toEqual([`Acme 100% Heating ${id}`]);
    expect(await names(`q=${encodeURIComponent("%")}`)).toEqual([`Acme 100% Heating ${id}`]);
    expect(await names(`ids=${tenantIds[0]},${tenantIds[2]}`)).toEqual([
      `Acme Plumbing ${id}`,
      `Zed Roofing ${id}`,
    ]);
  });

  test("refuses anonymous callers, unknown fields and ids that are not UUIDs", async () => {
    expect((await t.request("/api/v1/tenants")).status).toBe(401);
    expect((await t.request("/api/v1/tenants?tenant=x", as("admin"))).status).toBe(400);
    const bad = await t.request("/api/v1/tenants?ids=1,2", as("admin"));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { details: unknown[] } }).error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: expect.stringContaining("ids") })]),
    );
    expect((await t.request("/api/v1/tenants?pageSize=1000", as("admin"))).status).toBe(400);
  });
});

describe("GET /api/v1/events", () => {
  /** Reads server-sent events until `until` says stop or the time runs out. */
  async function readEvents(
    response: Response,
    until: (events: { event: string; data: unknown }[]) => boolean,
    ms = 15_000,
  ) {
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    const events: { event: string; data: unknown }[] = [];
    let buffer = "";
    const deadline = Date.now() + ms;
    while (!until(events) && Date.now() < deadline) {
      const chunk = await Promise.race([
        reader.read(),
        new Promise<undefined>((resolve) =>
          setTimeout(() => resolve(undefined), deadline - Date.now()),
        ),
      ]);
      if (!chunk || chunk.done) {
        break;
      }
      buffer += decoder.decode(chunk.value, { stream: true });
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = block.match(/^event: (.*)$/m)?.[1];
        const data = block.match(/^data: (.*)$/m)?.[1];
        if (event && data) {
          events.push({ event, data: JSON.parse(data) });
        }
        end = buffer.indexOf("\n\n");
      }
    }
    await reader.cancel();
    return events;
  }

  test("pushes a job run's start and end to a listener, after a ready event", async () => {
    const response = await t.request(
      "/api/v1/events?topics=jobs",
      as("engineer", { headers: { accept: "text/event-stream" } }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const reading = readEvents(response, (events) =>
      events.some((e) => (e.data as { status?: string }).status === "succeeded"),
    );
    // Let the feed take its baseline, then change a run.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const runId = await recordRunStart(t.db, {
      queue: "partitions",
      jobName: "partitions",
      attempt: 1,
      payload: {},
    });
    if (!runId) {
      throw new Error("the run was not recorded");
    }
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await recordRunEnd(t.db, runId, { status: "succeeded" });
    const events = await reading;
    expect(events[0]).toEqual({ event: "ready", data: { topics: ["jobs"] } });
    const mine = events.filter((e) => (e.data as { id?: string }).id === runId);
    expect(mine.map((e) => (e.data as { status: string }).status)).toEqual([
      "running",
      "succeeded",
    ]);
    expect(mine.at(-1)).toEqual({
      event: "change",
      data: { topic: "jobs", id: runId, status: "succeeded", progress: 100 },
    });
  }, 30_000);

  test("refuses a topic the role may not read, unknown topics and anonymous callers", async () => {
    expect((await t.request("/api/v1/events?topics=retention", as("engineer"))).status).toBe(403);
    expect((await t.request("/api/v1/events?topics=jobs,retention", as("engineer"))).status).toBe(
      403,
    );
    expect((await t.request("/api/v1/events?topics=users", as("admin"))).status).toBe(400);
    expect((await t.request("/api/v1/events?topics=", as("admin"))).status).toBe(400);
    expect((await t.request("/api/v1/events?topics=jobs")).status).toBe(401);
  });

  test("a caller that does not accept an event stream gets the ready event and the end", async () => {
    const response = await t.request("/api/v1/events?topics=retention", as("compliance_officer"));
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain("event: ready");
    expect(text).not.toContain("event: change");
    // Without topics: every topic the role may read.
    const all = await (await t.request("/api/v1/events", as("engineer"))).text();
    expect(all).toContain('data: {"topics":["jobs","datasets"]}');
  });
});
