/**
 * `npm run bench -- notify [channels] [events]` (default 5 channels × 200 events).
 *
 * What the delivery ledger costs on top of sending: the same Slack-compatible, HMAC-signed
 * webhook requests to a local receiver, once posted straight with fetch (the baseline: build the
 * body, sign, POST, read the answer) and once through `notify()` (validate, route, record one
 * delivery row per channel unique on channel + kind + dedupe key, claim, send, settle). Both run
 * sequentially in this process against the same receiver. It also times raising every event a
 * second time (the de-duplication path: nothing is sent). Ratio: baseline time over notify time.
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "kysely";
import { createChannel } from "../jobs/notify/channels.ts";
import { createNotifier, type NotifyEvent } from "../jobs/notify/notify.ts";
import { signWebhook, webhookBody } from "../jobs/notify/send.ts";
import { loadConfig, withDatabase } from "../schema/config.ts";
import { silentLogger } from "../schema/logger.ts";
import { migrateToLatest } from "../schema/migrate.ts";
import { createOwnerDb } from "../schema/postgres.ts";

export async function main(args: string[]): Promise<void> {
  const channels = Number(args[0] ?? 5);
  const events = Number(args[1] ?? 200);
  const base = loadConfig();
  const name = `govern_bench_notify_${randomBytes(3).toString("hex")}`;
  const admin = createOwnerDb(withDatabase(base, "postgres"), { max: 1 });
  let received = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      received += 1;
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  await sql`CREATE DATABASE ${sql.id(name)}`.execute(admin.db);
  const config = {
    ...withDatabase(base, name),
    notify: { ...base.notify, allowPrivateWebhooks: true },
  };
  const { db } = createOwnerDb(config, { max: 4 });
  try {
    await migrateToLatest(db, config);
    for (let i = 0; i < channels; i++) {
      await createChannel(
        db,
        config.secret,
        {
          name: `bench-${i}`,
          type: "webhook",
          digestWarnings: false,
          webhook: { url, secret: "bench signing secret" },
        },
        "bench",
      );
    }
    const eventOf = (i: number): NotifyEvent => ({
      kind: "quality.incident.opened",
      severity: "error",
      title: `rule ${i} failed for tenant ${i % 17}`,
      body: `Score 0.${90 + (i % 9)} below threshold 0.99.\n${i} failing rows.`,
      link: `/quality/incidents/${i}`,
      dedupeKey: `incident:${i}`,
    });
    const deliveries = channels * events;

    let started = performance.now();
    for (let i = 0; i < events; i++) {
      for (let c = 0; c < channels; c++) {
        const body = JSON.stringify(
          webhookBody(config, { ...eventOf(i), deliveryId: `${i}-${c}` }),
        );
        const timestamp = String(Math.floor(Date.now() / 1000));
        const response = await fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-govern-timestamp": timestamp,
            "x-govern-signature": signWebhook("bench signing secret", timestamp, body),
          },
          body,
        });
        await response.text();
      }
    }
    const baselineMs = performance.now() - started;

    const notify = createNotifier({ db, config, logger: silentLogger });
    const before = received;
    started = performance.now();
    for (let i = 0; i < events; i++) {
      await notify(eventOf(i));
    }
    const notifyMs = performance.now() - started;
    const sentByNotify = received - before;

    started = performance.now();
    for (let i = 0; i < events; i++) {
      await notify(eventOf(i));
    }
    const repeatMs = performance.now() - started;
    const repeatSent = received - before - sentByNotify;

    const logged = await db
      .selectFrom("governance.notification_deliveries")
      .select(({ fn }) => fn.countAll<string>().as("n"))
      .where("status", "=", "sent")
      .executeTakeFirstOrThrow();
    console.log(
      `notify: ${channels} channels × ${events} events = ${deliveries} deliveries; ` +
        `direct POSTs ${baselineMs.toFixed(0)} ms, through notify() ${notifyMs.toFixed(0)} ms ` +
        `(${sentByNotify} sent, ${logged.n} logged sent); raising all again ${repeatMs.toFixed(0)} ms ` +
        `(${repeatSent} sent, ${(events / (repeatMs / 1000)).toFixed(0)} repeats/s)`,
    );
    if (sentByNotify !== deliveries || repeatSent !== 0) {
      throw new Error("delivery count mismatch: the bench's own check failed");
    }
    console.log(
      `notify: ratio ${(baselineMs / notifyMs).toFixed(2)} (direct webhook POSTs over notify() with its delivery ledger), ${(deliveries / (notifyMs / 1000)).toFixed(0)} rows/s`,
    );
  } finally {
    await db.destroy();
    await sql`DROP DATABASE IF EXISTS ${sql.id(name)} WITH (FORCE)`.execute(admin.db);
    await admin.db.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
