import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createNotifier } from "../jobs/notify/notify.ts";
import { silentLogger } from "../schema/logger.ts";
import { startWebhookReceiver, type WebhookReceiver } from "./support/alert-receivers.ts";
import { asToken, type ConsoleApp, openConsoleApp } from "./support/console-app.ts";

/**
 * /api/v1/notifications through the real app: who may configure channels and read the log,
 * secrets that go in and never come out (answers, lists, audit trail), input refused with a 4xx
 * naming the field, test sends and retries against a real receiver.
 */

let t: ConsoleApp;
let hooks: WebhookReceiver;
type Json = Record<string, unknown>;
type Who = "steward" | "engineer" | "admin" | "compliance_officer";

const SECRET = "webhook-signing-secret-42";
const TOKEN_PATH = "/services/T01/B02/xoxb-very-secret-token";

beforeAll(async () => {
  t = await openConsoleApp("notifyapi");
  hooks = await startWebhookReceiver();
});

afterAll(async () => {
  await hooks?.close();
  await t?.close();
});

async function call(who: Who, path: string, init: { method?: string; body?: unknown } = {}) {
  const response = await t.request(path, {
    method: init.method ?? "GET",
    headers: asToken(t.logins[who].token),
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const raw = await response.text();
  return { status: response.status, body: (raw ? JSON.parse(raw) : {}) as Json, raw };
}

async function auditTrail(): Promise<string> {
  const rows = await t.db
    .selectFrom("governance.audit_events")
    .select(["action", "summary"])
    .where("action", "like", "notifications.%")
    .execute();
  return JSON.stringify(rows);
}

let channelId = "";

describe("channels", () => {
  test("a steward adds a signed webhook channel; its URL and secret never come back", async () => {
    const created = await call("steward", "/api/v1/notifications/channels", {
      method: "POST",
      body: {
        name: "data-team slack",
        type: "webhook",
        minSeverity: "error",
        kinds: ["quality.*"],
        webhook: { url: hooks.url(TOKEN_PATH), secret: SECRET },
      },
    });
    expect(created.status, created.raw).toBe(201);
    channelId = String(created.body.id);
    expect(created.body).toMatchObject({
      name: "data-team slack",
      type: "webhook",
      enabled: true,
      owner: "steward@notifyapi.test",
      minSeverity: "error",
      kinds: ["quality.*"],
      digestWarnings: true,
      webhook: { hasSecret: true },
      email: null,
    });
    const listed = await call("engineer", "/api/v1/notifications/channels");
    expect(listed.status).toBe(200);
    for (const text of [created.raw, listed.raw, await auditTrail()]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain("xoxb-very-secret-token");
    }
    expect(await auditTrail()).toContain("notifications.channel.create");
  });

  test("roles without notifications:manage cannot add, change, test or remove channels", async () => {
    for (const who of ["engineer", "compliance_officer"] as const) {
      const denied = await call(who, "/api/v1/notifications/channels", {
        method: "POST",
        body: { name: "x", type: "webhook", webhook: { url: hooks.url("/x") } },
      });
      expect(denied.status).toBe(403);
      expect(
        (
          await call(who, `/api/v1/notifications/channels/${channelId}`, {
            method: "PATCH",
            body: { enabled: false },
          })
        ).status,
      ).toBe(403);
      expect(
        (await call(who, `/api/v1/notifications/channels/${channelId}/test`, { method: "POST" }))
          .status,
      ).toBe(403);
      expect(
        (await call(who, `/api/v1/notifications/channels/${channelId}`, { method: "DELETE" }))
          .status,
      ).toBe(403);
    }
  });

  test("bad input answers 4xx naming what is wrong", async () => {
    const post = (body: unknown) =>
      call("admin", "/api/v1/notifications/channels", { method: "POST", body });
    const ftp = await post({
      name: "ftp",
      type: "webhook",
      webhook: { url: "ftp://example.com/x" },
    });
    expect(ftp.status).toBe(400);
    expect(ftp.raw).toContain("webhook.url");
    const creds = await post({
      name: "creds",
      type: "webhook",
      webhook: { url: "https://user:pw@example.com/hook" },
    });
    expect(creds.status).toBe(400);
    const unknown = await post({
      name: "u",
      type: "webhook",
      webhook: { url: "https://example.com/hook" },
      sneaky: true,
    });
    expect(unknown.status).toBe(400);
    const badKind = await post({
      name: "k",
      type: "webhook",
      kinds: ["DROP TABLE"],
      webhook: { url: "https://example.com/hook" },
    });
    expect(badKind.status).toBe(400);
    expect(badKind.raw).toContain("kinds.0");
    const noRecipients = await post({ name: "m", type: "email", email: { to: [] } });
    expect(noRecipients.status).toBe(400);
    const taken = await post({
      name: "Data-Team Slack",
      type: "webhook",
      webhook: { url: "https://example.com/hook" },
    });
    expect(taken.status).toBe(409);
    const emailOnWebhook = await call("admin", `/api/v1/notifications/channels/${channelId}`, {
      method: "PATCH",
      body: { email: { to: ["a@example.com"] } },
    });
    expect(emailOnWebhook.status).toBe(400);
    const missing = await call(
      "admin",
      "/api/v1/notifications/channels/00000000-0000-4000-8000-000000000000",
      { method: "PATCH", body: { enabled: false } },
    );
    expect(missing.status).toBe(404);
  });

  test("a test send goes out signed and shows in the delivery log", async () => {
    const sent = await call("steward", `/api/v1/notifications/channels/${channelId}/test`, {
      method: "POST",
    });
    expect(sent.status, sent.raw).toBe(200);
    expect(sent.body).toMatchObject({ status: "sent", attempts: 1, kind: "notify.test" });
    const [request] = hooks.received(TOKEN_PATH);
    const timestamp = String(request?.headers["x-govern-timestamp"]);
    const expected = `sha256=${createHmac("sha256", SECRET).update(`${timestamp}.${request?.body}`).digest("hex")}`;
    expect(request?.headers["x-govern-signature"]).toBe(expected);
    const log = await call("engineer", `/api/v1/notifications/deliveries?channel=${channelId}`);
    expect(log.status).toBe(200);
    expect(log.body.total).toBe(1);
  });

  test("a failing receiver makes a failed test send that names the reason", async () => {
    hooks.failFirst(TOKEN_PATH, 1);
    const sent = await call("steward", `/api/v1/notifications/channels/${channelId}/test`, {
      method: "POST",
    });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ status: "failed", attempts: 1 });
    expect(String(sent.body.lastError)).toContain("HTTP 503");
  });

  test("removing the signing secret and rotating the URL are write-only changes, audited without values", async () => {
    const changed = await call("admin", `/api/v1/notifications/channels/${channelId}`, {
      method: "PATCH",
      body: { webhook: { secret: null }, minSeverity: "warning", digestWarnings: false },
    });
    expect(changed.status, changed.raw).toBe(200);
    expect(changed.body).toMatchObject({
      minSeverity: "warning",
      digestWarnings: false,
      webhook: { hasSecret: false },
    });
    await call("admin", `/api/v1/notifications/channels/${channelId}/test`, { method: "POST" });
    const last = hooks.received(TOKEN_PATH).at(-1);
    expect(last?.headers["x-govern-signature"]).toBeUndefined();
    const trail = await auditTrail();
    expect(trail).toContain("secret removed");
    expect(trail).not.toContain(SECRET);
  });
});

describe("deliveries", () => {
  test("the log filters by status and channel; a failed delivery can be retried by a manager only", async () => {
    const path = "/retry-me";
    const other = await call("steward", "/api/v1/notifications/channels", {
      method: "POST",
      body: {
        name: "flaky",
        type: "webhook",
        digestWarnings: false,
        webhook: { url: hooks.url(path) },
      },
    });
    expect(other.status).toBe(201);
    const otherId = String(other.body.id);
    hooks.failAlways(path);
    const config = { ...t.config, notify: { ...t.config.notify, maxAttempts: 1 } };
    await createNotifier({ db: t.db, config, logger: silentLogger })({
      kind: "quality.incident.opened",
      severity: "critical",
      title: "orders late",
      body: "no orders for 3 hours",
      link: "/quality/incidents/1",
      dedupeKey: "incident:1",
    });
    const failed = await call(
      "engineer",
      `/api/v1/notifications/deliveries?status=failed&channel=${otherId}`,
    );
    expect(failed.body.total).toBe(1);
    const [delivery] = failed.body.items as Json[];
    expect(delivery).toMatchObject({ channelName: "flaky", title: "orders late", attempts: 1 });
    expect(
      (
        await call("engineer", `/api/v1/notifications/deliveries/${delivery?.id}/retry`, {
          method: "POST",
        })
      ).status,
    ).toBe(403);
    hooks.failFirst(path, 0);
    const retried = await call(
      "steward",
      `/api/v1/notifications/deliveries/${delivery?.id}/retry`,
      {
        method: "POST",
      },
    );
    expect(retried.status, retried.raw).toBe(200);
    expect(retried.body).toMatchObject({ status: "sent", attempts: 1 });
    const again = await call("steward", `/api/v1/notifications/deliveries/${delivery?.id}/retry`, {
      method: "POST",
    });
    expect(again.status).toBe(409);
    const bad = await call("engineer", "/api/v1/notifications/deliveries?status=exploded");
    expect(bad.status).toBe(400);
  });

  test("removing a channel keeps its delivery log under its name", async () => {
    const removed = await call("admin", `/api/v1/notifications/channels/${channelId}`, {
      method: "DELETE",
    });
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ id: channelId, name: "data-team slack" });
    const log = await call("engineer", "/api/v1/notifications/deliveries?pageSize=200");
    const names = (log.body.items as Json[]).map((d) => d.channelName);
    expect(names).toContain("data-team slack");
    expect(
      (await call("admin", `/api/v1/notifications/channels/${channelId}`, { method: "DELETE" }))
        .status,
    ).toBe(404);
  });
});
