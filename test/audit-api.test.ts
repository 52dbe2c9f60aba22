import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type AnalyticsStore, createAnalyticsStore } from "../schema/analytics/analytics-store.ts";
import type { Config } from "../schema/config.ts";
import type { Role } from "../schema/domain/permissions.ts";
import { appendAuditEvent } from "../schema/governance/audit-events.repository.ts";
import { streamAuditEvents } from "../schema/governance/audit-query.ts";
import { insertUser } from "../schema/governance/console-users.repository.ts";
import { silentLogger } from "../schema/logger.ts";
import { newApp } from "../server/app.ts";
import { createApiToken } from "../server/auth/principal.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

/** The audit trail over HTTP: filtered listing, streamed export, and chain verification. */

const id = randomBytes(4).toString("hex");
const dataDir = join(import.meta.dirname, `../.data/test-audit-api-${id}`);
let t: TestDatabase;
let config: Config;
let redis: Redis;
let analytics: AnalyticsStore;
let app: ReturnType<typeof newApp>;
const tokens = {} as Record<Role, string>;

async function call(path: string, role?: Role, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (role) {
    headers.set("authorization", `Bearer ${tokens[role]}`);
  }
  return app.request(path, { ...init, headers });
}

async function insertAt(occurredAt: string, actor: string, action: string, target: string) {
  await t.owner
    .insertInto("governance.audit_events")
    .values({
      occurred_at: new Date(occurredAt),
      actor,
      action,
      target,
      summary: JSON.stringify({ note: "fixture" }),
      prev_hash: Buffer.alloc(0),
      hash: Buffer.alloc(0),
    })
    .execute();
}

beforeAll(async () => {
  t = await createTestDatabase("auditapi");
  config = {
    ...t.config,
    queuePrefix: `govern-test-audit-${id}`,
    clickhouse: { ...t.config.clickhouse, dataDir },
  };
  redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  analytics = await createAnalyticsStore(config);
  app = newApp({ config, db: t.owner, redis, analytics, logger: silentLogger });
  for (const role of ["steward", "compliance_officer", "engineer", "admin"] as const) {
    const user = await insertUser(t.owner, {
      email: `${role}@audit.test`,
      displayName: role,
      role,
      passwordHash: "unused",
    });
    tokens[role] = (await createApiToken(t.owner, user.id, "test")).token;
  }
  await insertAt("2026-01-05T10:00:00Z", "alice@a.test", "fixture.create", "dataset:customers");
  await insertAt("2026-02-05T10:00:00Z", "bob@a.test", "fixture.delete", "dataset:invoices");
  await insertAt("2026-03-05T10:00:00Z", "alice@a.test", "fixture.delete", "table:Customers_2026");
  await insertAt(
    "2026-04-05T10:00:00Z",
    "mallory@a.test",
    "fixture.inject",
    '=HYPERLINK("http://x","y"), "quoted"\nnext line',
  );
  await appendAuditEvent(t.owner, {
    actor: "carol@a.test",
    actorRole: "admin",
    action: "fixture.tag",
    target: "+1 100% _match_",
    summary: { from: "a", to: "b" },
    requestId: "req-1",
    sourceIp: "10.1.2.3",
  });
});

afterAll(async () => {
  await analytics?.close();
  await redis?.quit();
  await t?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

type Page = { items: Record<string, unknown>[]; total: number };

describe("GET /api/v1/audit", () => {
  test("lists events newest first with every field and the total", async () => {
    const response = await call("/api/v1/audit?action=fixture.tag", "compliance_officer");
    expect(response.status).toBe(200);
    const body = (await response.json()) as Page;
    expect(body.total).toBe(1);
    expect(body.items[0]).toEqual({
      id: expect.any(Number),
      occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      actor: "carol@a.test",
      actorRole: "admin",
      action: "fixture.tag",
      target: "+1 100% _match_",
      summary: { from: "a", to: "b" },
      requestId: "req-1",
      sourceIp: "10.1.2.3",
    });
  });

  test("filters by actor, action, target substring (case-insensitive, literal %) and time", async () => {
    const get = async (query: string) =>
      ((await (await call(`/api/v1/audit?${query}`, "admin")).json()) as Page).items.map(
        (i) => i.target,
      );
    expect(await get("actor=alice%40a.test&sort=asc")).toEqual([
      "dataset:customers",
      "table:Customers_2026",
    ]);
    expect(await get("action=fixture.delete&sort=asc")).toEqual([
      "dataset:invoices",
      "table:Customers_2026",
    ]);
    expect(await get("target=CUSTOMERS&sort=asc")).toEqual([
      "dataset:customers",
      "table:Customers_2026",
    ]);
    expect(await get("target=100%25")).toEqual(["+1 100% _match_"]);
    expect(await get("target=x%25y")).toEqual([]);
    expect(await get("from=2026-02-01&to=2026-03-31T23:59:59Z&sort=asc")).toEqual([
      "dataset:invoices",
      "table:Customers_2026",
    ]);
  });

  test("pages through results in the requested order", async () => {
    const first = (await (
      await call("/api/v1/audit?action=fixture.delete&pageSize=1&page=1&sort=desc", "admin")
    ).json()) as Page;
    const second = (await (
      await call("/api/v1/audit?action=fixture.delete&pageSize=1&page=2&sort=desc", "admin")
    ).json()) as Page;
    expect(first.total).toBe(2);
    expect(first.items.map((i) => i.target)).toEqual(["table:Customers_2026"]);
    expect(second.items.map((i) => i.target)).toEqual(["dataset:invoices"]);
  });

  test("rejects oversized pages, unknown parameters, bad dates and reversed ranges with 400", async () => {
    for (const query of [
      "pageSize=201",
      "page=0",
      "colour=red",
      "from=yesterday",
      "sort=sideways",
      "from=2026-03-01&to=2026-02-01",
      "from=2026-02-30",
      "page=0x10",
      "pageSize=1e2",
      "actor=%00",
      "target=a%0Ab",
    ]) {
      const response = await call(`/api/v1/audit?${query}`, "admin");
      expect(response.status, query).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: "invalid_request" } });
    }
  });

  test("is refused to stewards and engineers (403) and to anonymous callers (401)", async () => {
    expect((await call("/api/v1/audit", "steward")).status).toBe(403);
    expect((await call("/api/v1/audit", "engineer")).status).toBe(403);
    expect((await call("/api/v1/audit")).status).toBe(401);
    expect((await call("/api/v1/audit/export", "steward")).status).toBe(403);
    expect((await call("/api/v1/audit/export")).status).toBe(401);
  });
});

describe("GET /api/v1/audit/export", () => {
  test("streams CSV as a download, escaping quotes, commas, newlines and formula cells", async () => {
    const response = await call(
      "/api/v1/audit/export?format=csv&actor=mallory%40a.test",
      "compliance_officer",
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/csv");
    expect(response.headers.get("content-disposition")).toMatch(
      /^attachment; filename="audit-.*\.csv"$/,
    );
    const text = await response.text();
    const lines = text.split("\r\n");
    expect(lines[0]).toBe("id,occurredAt,actor,actorRole,action,target,summary,requestId,sourceIp");
    // The formula is defused with a leading apostrophe, then quoted because of , " and \n.
    expect(text).toContain(
      `,fixture.inject,"'=HYPERLINK(""http://x"",""y""), ""quoted""\nnext line","{""note"":""fixture""}",,\r\n`,
    );
    expect(text.endsWith("\r\n")).toBe(true);
  });

  test("guards every formula prefix (= + - @) in CSV cells", async () => {
    const response = await call("/api/v1/audit/export?format=csv&action=fixture.tag", "admin");
    const text = await response.text();
    expect(text).toContain(",'+1 100% _match_,");
  });

  test("streams NDJSON with one event per line, honouring filters and order", async () => {
    const response = await call(
      "/api/v1/audit/export?format=ndjson&action=fixture.delete&sort=asc",
      "admin",
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/x-ndjson");
    expect(response.headers.get("content-disposition")).toMatch(/\.ndjson"$/);
    const events = (await response.text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(events.map((e) => e.target)).toEqual(["dataset:invoices", "table:Customers_2026"]);
    expect(events[0]).toMatchObject({ actor: "bob@a.test", summary: { note: "fixture" } });
  });

  test("an export is read in keyset pages that lose no row, even among equal timestamps", async () => {
    for (let i = 0; i < 23; i++) {
      await insertAt("2026-05-05T10:00:00.123456Z", "tie@a.test", "fixture.tie", `t${i}`);
    }
    for (const order of ["asc", "desc"] as const) {
      const seen: number[] = [];
      for await (const event of streamAuditEvents(t.owner, { actor: "tie@a.test" }, order, 5)) {
        seen.push(event.id);
      }
      expect(seen).toHaveLength(23);
      expect(new Set(seen).size).toBe(23);
      const sorted = [...seen].sort((a, b) => (order === "asc" ? a - b : b - a));
      expect(seen).toEqual(sorted);
    }
  });

  test("an export over HTTP arrives whole and is itself audited", async () => {
    for (let i = 0; i < 30; i++) {
      await appendAuditEvent(t.owner, { actor: "bulk@a.test", action: "fixture.bulk" });
    }
    const text = await (
      await call("/api/v1/audit/export?format=ndjson&actor=bulk%40a.test", "admin")
    ).text();
    const ids = text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).id as number);
    expect(ids).toHaveLength(30);
    expect(new Set(ids).size).toBe(30);
    const audited = await t.owner
      .selectFrom("governance.audit_events")
      .select("actor")
      .where("action", "=", "audit.export")
      .execute();
    expect(audited.map((a) => a.actor)).toContain("admin@audit.test");
  });

  test("rejects an unknown format with 400", async () => {
    expect((await call("/api/v1/audit/export?format=xlsx", "admin")).status).toBe(400);
  });
});

describe("POST /api/v1/audit/verify", () => {
  const verify = async (role: Role = "compliance_officer") =>
    call("/api/v1/audit/verify", role, { method: "POST" });

  test("reports an intact chain with the number of rows checked", async () => {
    const response = await verify();
    expect(response.status).toBe(200);
    const body = (await response.json()) as { ok: boolean; checked: number };
    expect(body.ok).toBe(true);
    expect(body.checked).toBeGreaterThanOrEqual(5);
    expect(body).not.toHaveProperty("firstBroken");
  });

  test("is refused to stewards and engineers", async () => {
    expect((await verify("steward")).status).toBe(403);
    expect((await verify("engineer")).status).toBe(403);
  });

  async function asSuperuser(statement: ReturnType<typeof sql>) {
    await sql`ALTER TABLE governance.audit_events DISABLE TRIGGER audit_events_append_only`.execute(
      t.owner,
    );
    try {
      await statement.execute(t.owner);
    } finally {
      await sql`ALTER TABLE governance.audit_events ENABLE TRIGGER audit_events_append_only`.execute(
        t.owner,
      );
    }
  }

  async function idOf(action: string, target: string): Promise<number> {
    const row = await t.owner
      .selectFrom("governance.audit_events")
      .select("id")
      .where("action", "=", action)
      .where("target", "=", target)
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  test("names a row whose content the superuser changed, and recovers when it is restored", async () => {
    const changed = await idOf("fixture.delete", "dataset:invoices");
    await asSuperuser(
      sql`UPDATE governance.audit_events SET actor = 'nobody@a.test' WHERE id = ${changed}`,
    );
    const body = await (await verify()).json();
    expect(body).toMatchObject({
      ok: false,
      firstBroken: { id: changed, reason: expect.stringMatching(/changed/) },
    });
    await asSuperuser(
      sql`UPDATE governance.audit_events SET actor = 'bob@a.test' WHERE id = ${changed}`,
    );
    expect(await (await verify()).json()).toMatchObject({ ok: true });
  });

  test("names the row after one the superuser deleted", async () => {
    const deleted = await idOf("fixture.delete", "table:Customers_2026");
    const next = await t.owner
      .selectFrom("governance.audit_events")
      .select("id")
      .where("id", ">", deleted)
      .orderBy("id")
      .executeTakeFirstOrThrow();
    await asSuperuser(sql`DELETE FROM governance.audit_events WHERE id = ${deleted}`);
    const body = await (await verify()).json();
    expect(body).toMatchObject({
      ok: false,
      firstBroken: { id: Number(next.id), reason: expect.stringMatching(/deleted/) },
    });
  });

  test("the verification itself is recorded in the audit trail", async () => {
    const rows = await t.owner
      .selectFrom("governance.audit_events")
      .select(["actor", "summary"])
      .where("action", "=", "audit.verify")
      .execute();
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(rows.some((r) => (r.summary as { ok?: boolean }).ok === false)).toBe(true);
  });
});
