import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { createChannel, listChannels, type NewChannel } from "../jobs/notify/channels.ts";
import { deliverDue, makeDigests } from "../jobs/notify/deliveries.ts";
import { runNotifyJob } from "../jobs/notify/notify.handler.ts";
import { createNotifier, type NotifyEvent } from "../jobs/notify/notify.ts";
import { JOBS } from "../jobs/registry.ts";
import { startWorker } from "../jobs/worker.ts";
import { createAnalyticsStore } from "../schema/analytics/analytics-store.ts";
import type { Config } from "../schema/config.ts";
import { silentLogger } from "../schema/logger.ts";
import { createPool, type Db } from "../schema/postgres.ts";
import {
  type MailReceiver,
  startMailReceiver,
  startWebhookReceiver,
  type WebhookReceiver,
} from "./support/alert-receivers.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

/**
 * Alert delivery against real receivers: a node:http server that checks each webhook's HMAC
 * signature itself (not with govern's signing code), and `smtp-server` taking the mail. Every
 * test makes its own channels (their own receiver paths) and removes them afterwards.
 */

let t: TestDatabase;
let db: Db;
let config: Config;
let hooks: WebhookReceiver;
let smtp: MailReceiver;
const notifyOf = () => createNotifier({ db, config, logger: silentLogger });

beforeAll(async () => {
  t = await createTestDatabase("notify");
  db = t.owner;
  config = {
    ...t.config,
    publicUrl: "https://govern.example.com",
    notify: { ...t.config.notify, backoffMs: 40, maxAttempts: 4, digestHourUtc: 8 },
  };
  hooks = await startWebhookReceiver();
  smtp = await startMailReceiver({ user: "alerts", password: "smtp password 123" });
});

afterAll(async () => {
  await hooks?.close();
  await smtp?.close();
  await t?.drop();
});

afterEach(async () => {
  await db.deleteFrom("governance.notification_deliveries").execute();
  await db.deleteFrom("governance.notification_channels").execute();
});

let seq = 0;
async function webhookChannel(
  overrides: Partial<Extract<NewChannel, { type: "webhook" }>> = {},
  secret: string | undefined = "s3cret-signing-key",
) {
  seq += 1;
  const path = `/hooks/T000/B${seq}/tok${seq}`;
  const channel = await createChannel(
    db,
    config.secret,
    {
      name: `hook-${seq}`,
      type: "webhook",
      webhook: { url: hooks.url(path), secret },
      digestWarnings: false,
      ...overrides,
    },
    "steward@test",
  );
  return { channel, path };
}

function event(overrides: Partial<NotifyEvent> = {}): NotifyEvent {
  return {
    kind: "quality.incident.opened",
    severity: "critical",
    title: "payment_amount_validity failed for Acme Plumbing",
    body: "Score 0.91 below threshold 0.99.\n42 failing rows in payments.amount.",
    link: "/quality/incidents/7d1f",
    dedupeKey: "incident:7d1f",
    ...overrides,
  };
}

/** The receiver's own check: HMAC-SHA256 over `<timestamp>.<raw body>`, compared in constant time. */
function signatureValid(secret: string, timestamp: string, body: string, header: string): boolean {
  const expected = Buffer.from(
    `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`,
  );
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

async function deliveriesOf(channelId: string) {
  return db
    .selectFrom("governance.notification_deliveries")
    .selectAll()
    .where("channel_id", "=", channelId)
    .orderBy("created_at")
    .execute();
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error("timed out");
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("webhook channel", () => {
  test("posts a Slack-compatible body whose HMAC signature over timestamp and body a receiver can verify", async () => {
    const { path } = await webhookChannel();
    await notifyOf()(event());
    const [request] = hooks.received(path);
    expect(request).toBeDefined();
    if (!request) {
      return;
    }
    const timestamp = String(request.headers["x-govern-timestamp"]);
    const signature = String(request.headers["x-govern-signature"]);
    expect(signatureValid("s3cret-signing-key", timestamp, request.body, signature)).toBe(true);
    // The timestamp is signed: a replay with a fresh timestamp or an edited body fails the check.
    expect(
      signatureValid(
        "s3cret-signing-key",
        String(Number(timestamp) + 600),
        request.body,
        signature,
      ),
    ).toBe(false);
    expect(
      signatureValid(
        "s3cret-signing-key",
        timestamp,
        request.body.replace("0.91", "0.99"),
        signature,
      ),
    ).toBe(false);
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
    expect(request.headers["content-type"]).toBe("application/json");
    const body = JSON.parse(request.body) as { text: string; blocks: { text: { text: string } }[] };
    expect(body.text).toContain("[CRITICAL] payment_amount_validity failed for Acme Plumbing");
    expect(body.text).toContain("https://govern.example.com/quality/incidents/7d1f");
    const blockText = body.blocks.map((b) => b.text.text).join("\n");
    expect(blockText).toContain("42 failing rows in payments.amount.");
    expect(blockText).toContain(
      "<https://govern.example.com/quality/incidents/7d1f|Open in govern>",
    );
  });

  test("keeps the webhook URL and signing secret sealed in the database", async () => {
    const { channel, path } = await webhookChannel();
    const row = await db
      .selectFrom("governance.notification_channels")
      .selectAll()
      .where("id", "=", channel.id)
      .executeTakeFirstOrThrow();
    const stored = JSON.stringify(row);
    expect(stored).not.toContain("s3cret-signing-key");
    expect(stored).not.toContain(path.split("/").pop());
    expect(channel.webhook).toEqual({
      urlHint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/…$/),
      hasSecret: true,
    });
  });

  test("after GOVERN_SECRET changed, channels still list and their sends fail saying why", async () => {
    const { channel, path } = await webhookChannel();
    const rotated = { ...config, secret: "another secret of at least thirty-two characters" };
    const listed = await listChannels(db, rotated.secret);
    expect(listed.find((c) => c.id === channel.id)?.webhook?.hasSecret).toBe(false);
    await createNotifier({ db, config: rotated, logger: silentLogger })(event());
    const [row] = await deliveriesOf(channel.id);
    expect(row?.status).toBe("pending");
    expect(row?.last_error).toContain("GOVERN_SECRET changed");
    expect(hooks.received(path)).toHaveLength(0);
  });

  test("escapes Slack markup so an event title cannot forge a link", async () => {
    const { path } = await webhookChannel();
    await notifyOf()(event({ body: "see <https://evil.example|your bank> & more" }));
    const body = JSON.parse(hooks.received(path)[0]?.body ?? "{}") as {
      blocks: { text: { text: string } }[];
    };
    const section = body.blocks[1]?.text.text ?? "";
    expect(section).toContain("&lt;https://evil.example|your bank&gt; &amp; more");
    expect(section).not.toContain("<https://evil.example");
  });
});

describe("webhook destinations", () => {
  test.each([
    ["a loopback address", (port: string) => `http://127.0.0.1:${port}/hook`],
    ["localhost by name", (port: string) => `http://localhost:${port}/hook`],
    ["an IPv4-mapped IPv6 loopback", (port: string) => `http://[::ffff:127.0.0.1]:${port}/hook`],
    ["the IPv6 loopback", (port: string) => `http://[::1]:${port}/hook`],
    ["the cloud metadata service", () => "http://169.254.169.254/latest/meta-data/"],
    ["a private network", () => "http://10.1.2.3/hook"],
  ])("with private webhooks off, %s is refused and nothing is sent", async (_what, urlOf) => {
    const port = new URL(hooks.url("/")).port;
    const before = hooks.received().length;
    const strict = { ...config, notify: { ...config.notify, allowPrivateWebhooks: false } };
    const channel = await createChannel(
      db,
      config.secret,
      {
        name: `private ${seq++}`,
        type: "webhook",
        digestWarnings: false,
        webhook: { url: urlOf(port) },
      },
      "steward@test",
    );
    await createNotifier({ db, config: strict, logger: silentLogger })(event());
    const [row] = await deliveriesOf(channel.id);
    expect(row?.status).toBe("pending");
    expect(row?.last_error).toMatch(/^refused: .* loopback, private or link-local address/);
    expect(hooks.received().length).toBe(before);
  });
});

describe("exactly one delivery per channel, kind and dedupe key", () => {
  test("the same alert raised again, even concurrently, reaches each channel once", async () => {
    const a = await webhookChannel();
    const b = await webhookChannel();
    const notify = notifyOf();
    await notify(event());
    await Promise.all([
      notify(event()),
      notify(event()),
      notify(event({ title: "changed title" })),
    ]);
    expect(hooks.received(a.path)).toHaveLength(1);
    expect(hooks.received(b.path)).toHaveLength(1);
    expect(await deliveriesOf(a.channel.id)).toHaveLength(1);
    // Another kind with the same key is another alert (the incident resolved).
    await notify(event({ kind: "quality.incident.resolved", severity: "error" }));
    expect(hooks.received(a.path)).toHaveLength(2);
  });
});

describe("retries", () => {
  test("a receiver failing its first two requests gets the alert on the third attempt, with growing waits", async () => {
    const { channel, path } = await webhookChannel();
    hooks.failFirst(path, 2);
    await notifyOf()(event());
    const [first] = await deliveriesOf(channel.id);
    expect(first?.status).toBe("pending");
    expect(first?.attempts).toBe(1);
    expect(first?.last_error).toContain("HTTP 503");
    const sent = await until(async () => {
      await deliverDue({ db, config });
      const [row] = await deliveriesOf(channel.id);
      return row?.status === "sent" ? row : undefined;
    });
    expect(sent.attempts).toBe(3);
    expect(sent.last_error).toBeNull();
    const requests = hooks.received(path);
    expect(requests).toHaveLength(3);
    // One delivery id across attempts, so a receiver can fold a retry that crossed a success.
    expect(new Set(requests.map((r) => r.headers["x-govern-delivery"])).size).toBe(1);
    const [r1, r2, r3] = requests.map((r) => r.at);
    expect((r2 ?? 0) - (r1 ?? 0)).toBeGreaterThanOrEqual(40);
    expect((r3 ?? 0) - (r2 ?? 0)).toBeGreaterThanOrEqual(80);
  });

  test("a receiver that never answers 2xx leaves the delivery failed after the configured attempts", async () => {
    const { channel, path } = await webhookChannel();
    hooks.failAlways(path);
    await notifyOf()(event());
    const failed = await until(async () => {
      await deliverDue({ db, config });
      const [row] = await deliveriesOf(channel.id);
      return row?.status === "failed" ? row : undefined;
    });
    expect(failed.attempts).toBe(4);
    expect(failed.last_error).toMatch(/HTTP 503: receiver down for a test/);
    expect(hooks.received(path)).toHaveLength(4);
    await deliverDue({ db, config });
    expect(hooks.received(path)).toHaveLength(4);
  });

  test("a delivery a crashed worker left claimed is sent by the next sweep once its claim is stale", async () => {
    const { channel, path } = await webhookChannel();
    // The state a worker that died between claim and settle leaves behind.
    await db
      .insertInto("governance.notification_deliveries")
      .values({
        channel_id: channel.id,
        channel_name: channel.name,
        kind: "quality.incident.opened",
        dedupe_key: "incident:crashed",
        severity: "error",
        title: "left mid-send",
        body: "",
        link: "/quality",
        status: "sending",
        attempts: 1,
        claimed_at: new Date(Date.now() - 60 * 60_000),
      })
      .execute();
    // A fresh claim is another sender's: left alone.
    await db
      .insertInto("governance.notification_deliveries")
      .values({
        channel_id: channel.id,
        channel_name: channel.name,
        kind: "quality.incident.opened",
        dedupe_key: "incident:in-flight",
        severity: "error",
        title: "being sent right now",
        body: "",
        link: "/quality",
        status: "sending",
        attempts: 1,
        claimed_at: new Date(),
      })
      .execute();
    const outcome = await runNotifyJob({ db, config }, { action: "sweep" });
    expect(outcome).toMatchObject({ sent: 1 });
    expect(hooks.received(path).map((r) => JSON.parse(r.body).text)).toEqual([
      expect.stringContaining("left mid-send"),
    ]);
    const rows = await deliveriesOf(channel.id);
    expect(rows.find((r) => r.dedupe_key === "incident:crashed")).toMatchObject({
      status: "sent",
      attempts: 2,
    });
  });
});

describe("routing", () => {
  test("a channel takes only events at or above its severity, of its kinds, while enabled", async () => {
    const errorsUp = await webhookChannel({ minSeverity: "error" });
    const lineageOnly = await webhookChannel({ kinds: ["lineage.*"] });
    const exact = await webhookChannel({ kinds: ["quality.incident.resolved"] });
    const off = await webhookChannel({ enabled: false });
    const notify = notifyOf();
    await notify(event({ severity: "warning", dedupeKey: "w1" }));
    await notify(event({ severity: "error", dedupeKey: "e1" }));
    await notify(event({ kind: "lineage.drift.detected", severity: "critical", dedupeKey: "l1" }));
    await notify(event({ kind: "quality.incident.resolved", severity: "error", dedupeKey: "r1" }));
    const keys = (path: string) =>
      hooks.received(path).map((r) => JSON.parse(r.body).text as string);
    expect(hooks.received(errorsUp.path)).toHaveLength(3);
    expect(keys(lineageOnly.path)).toEqual([expect.stringContaining("[CRITICAL]")]);
    expect(hooks.received(exact.path)).toHaveLength(1);
    expect(hooks.received(off.path)).toHaveLength(0);
    expect(await deliveriesOf(off.channel.id)).toHaveLength(0);
  });

  test("an event naming channels goes only to those, still by their routing", async () => {
    const named = await webhookChannel({ name: "slack://data-team" });
    const other = await webhookChannel();
    const strict = await webhookChannel({
      name: "pagerduty://finance-team",
      minSeverity: "critical",
    });
    const warnings: unknown[] = [];
    const logger = {
      ...silentLogger,
      warn: (_m: string, f?: Record<string, unknown>) => void warnings.push(f),
    };
    await createNotifier({ db, config, logger })(
      event({
        severity: "error",
        channels: ["slack://data-team", "pagerduty://finance-team", "slack://nobody"],
      }),
    );
    expect(hooks.received(named.path)).toHaveLength(1);
    expect(hooks.received(other.path)).toHaveLength(0);
    expect(hooks.received(strict.path)).toHaveLength(0);
    expect(warnings).toEqual([expect.objectContaining({ channels: ["slack://nobody"] })]);
  });

  test("an invalid event is refused before anything is recorded", async () => {
    await webhookChannel();
    await expect(notifyOf()(event({ link: "https://evil.example/x" }))).rejects.toThrow();
    await expect(notifyOf()(event({ title: "two\nlines" }))).rejects.toThrow();
    expect(await db.selectFrom("governance.notification_deliveries").selectAll().execute()).toEqual(
      [],
    );
  });
});

describe("e-mail channel", () => {
  test("sends the alert through a real SMTP server, logging in with the sealed password", async () => {
    const channel = await createChannel(
      db,
      config.secret,
      {
        name: "data-team mail",
        type: "email",
        digestWarnings: false,
        email: {
          to: ["data-team@example.com", "oncall@example.com"],
          from: "govern alerts <alerts@example.com>",
          smtpHost: "127.0.0.1",
          smtpPort: smtp.port,
          smtpSecure: false,
          smtpUser: "alerts",
          smtpPassword: "smtp password 123",
        },
      },
      "steward@test",
    );
    expect(channel.email).toMatchObject({ hasPassword: true, smtpUser: "alerts" });
    expect(JSON.stringify(channel)).not.toContain("smtp password 123");
    await notifyOf()(event());
    const [mail] = smtp.mails();
    expect(mail?.user).toBe("alerts");
    expect(mail?.to).toEqual(["data-team@example.com", "oncall@example.com"]);
    expect(mail?.from).toBe("alerts@example.com");
    // Header lines unfolded (RFC 5322 folds long ones), soft line breaks of the body joined.
    const raw = (mail?.raw ?? "").replace(/\r?\n[ \t]+/g, " ").replace(/=\r?\n/g, "");
    expect(raw).toMatch(
      /^Subject: \[govern\] \[CRITICAL\] payment_amount_validity failed for Acme Plumbing$/m,
    );
    expect(raw).toContain("42 failing rows in payments.amount.");
    expect(raw).toContain("https://govern.example.com/quality/incidents/7d1f");
    const [row] = await deliveriesOf(channel.id);
    expect(row).toMatchObject({ status: "sent", attempts: 1 });
  });

  test("a wrong SMTP password fails the attempt with the server's reason and retries later", async () => {
    const channel = await createChannel(
      db,
      config.secret,
      {
        name: "wrong login",
        type: "email",
        minSeverity: "error",
        email: {
          to: ["x@example.com"],
          smtpHost: "127.0.0.1",
          smtpPort: smtp.port,
          smtpUser: "alerts",
          smtpPassword: "not the password",
        },
      },
      "steward@test",
    );
    const before = smtp.mails().length;
    await notifyOf()(event());
    const [row] = await deliveriesOf(channel.id);
    expect(row).toMatchObject({ status: "pending", attempts: 1 });
    expect(row?.last_error).toMatch(/Invalid username or password|auth/i);
    expect(smtp.mails()).toHaveLength(before);
  });
});

describe("daily digest", () => {
  test("warnings wait for one digest per channel and day listing them all", async () => {
    const { channel, path } = await webhookChannel({ digestWarnings: true });
    const notify = notifyOf();
    await notify(
      event({ severity: "warning", title: "customers.email 97% complete", dedupeKey: "w:1" }),
    );
    await notify(
      event({ severity: "warning", title: "jobs.status has 12 unknown values", dedupeKey: "w:2" }),
    );
    await notify(event({ severity: "critical", title: "payments broken", dedupeKey: "c:1" }));
    // The critical alert went at once; the warnings wait.
    expect(hooks.received(path).map((r) => JSON.parse(r.body).text)).toEqual([
      expect.stringContaining("payments broken"),
    ]);
    const held = await deliveriesOf(channel.id);
    expect(held.filter((r) => r.status === "held")).toHaveLength(2);

    // Before the digest hour of the day after they were recorded, nothing; at it, one digest.
    const recorded = held[0]?.created_at ?? new Date();
    const nextDigest = new Date(
      Date.UTC(recorded.getUTCFullYear(), recorded.getUTCMonth(), recorded.getUTCDate() + 1, 8),
    );
    expect(await makeDigests(db, config, new Date())).toEqual([]);
    const after = new Date(nextDigest.getTime() + 60_000);
    await runNotifyJob({ db, config }, { action: "sweep" }, after);
    await runNotifyJob({ db, config }, { action: "sweep" }, after);
    expect(await makeDigests(db, config, after)).toEqual([]);

    const digests = hooks.received(path).slice(1);
    expect(digests).toHaveLength(1);
    const text = JSON.stringify(JSON.parse(digests[0]?.body ?? "{}"));
    expect(text).toContain("Daily digest: 2 warnings");
    expect(text).toContain("customers.email 97% complete");
    expect(text).toContain("jobs.status has 12 unknown values");
    const rows = await deliveriesOf(channel.id);
    const digest = rows.find((r) => r.kind === "notify.digest");
    expect(digest).toMatchObject({
      status: "sent",
      dedupe_key: `digest:${nextDigest.toISOString().slice(0, 10)}`,
    });
    expect(rows.filter((r) => r.status === "digested").map((r) => r.digest_id)).toEqual([
      digest?.id,
      digest?.id,
    ]);
  });
});

describe("through the notify queue", () => {
  test("notify() with queues hands new deliveries to a worker, which sends them and records the run", async () => {
    const id = randomBytes(4).toString("hex");
    const queued: Config = {
      ...config,
      queuePrefix: `govern-test-notify-${id}`,
      clickhouse: {
        ...config.clickhouse,
        dataDir: join(import.meta.dirname, `../.data/test-notify-${id}`),
      },
    };
    const redis = new Redis(queued.redisUrl, { maxRetriesPerRequest: null });
    const analytics = await createAnalyticsStore(queued);
    const pool = createPool(queued.databaseUrl, { max: 2 });
    const worker = await startWorker(
      { config: queued, db, pool, analytics, redis, logger: silentLogger },
      { jobs: { notify: JOBS.notify } },
    );
    try {
      const { path } = await webhookChannel();
      const notify = createNotifier({
        db,
        queues: worker.queues,
        config: queued,
        logger: silentLogger,
      });
      await notify(event({ dedupeKey: "incident:queued" }));
      await notify(event({ dedupeKey: "incident:queued" }));
      await until(async () => (hooks.received(path).length === 1 ? true : undefined));
      const run = await until(async () => {
        const row = await db
          .selectFrom("governance.job_runs")
          .selectAll()
          .where("queue", "=", "notify")
          .where("status", "=", "succeeded")
          .executeTakeFirst();
        return row ?? undefined;
      });
      expect(run.triggered_by).toBe("notify");
      // The repeat was recorded nowhere and queued nothing.
      const runs = await db
        .selectFrom("governance.job_runs")
        .select("id")
        .where("queue", "=", "notify")
        .where("triggered_by", "=", "notify")
        .execute();
      expect(runs).toHaveLength(1);
      expect(hooks.received(path)).toHaveLength(1);
    } finally {
      await worker.close();
      await pool.end();
      await analytics.close();
      const keys = await redis.keys(`${queued.queuePrefix}:*`);
      if (keys.length) {
        await redis.del(...keys);
      }
      await redis.quit();
      rmSync(queued.clickhouse.dataDir, { recursive: true, force: true });
    }
  });
});
