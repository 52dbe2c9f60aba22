import { sql } from "kysely";
import type { Config } from "../../schema/config.ts";
import { DELIVERY_STATUSES, type DeliveryStatus } from "../../schema/contracts/notifications.ts";
import type { Logger } from "../../schema/logger.ts";
import type { Db } from "../../schema/postgres.ts";
import { openChannel, type SendableChannel, type Severity } from "./channels.ts";
import { absoluteLink, type Message, SEND_TIMEOUT_MS, sendMessage } from "./send.ts";

/**
 * The delivery log is the ledger of sending. A delivery is claimed (`sending`, attempts + 1)
 * before it is sent and settled after: `sent`, or back to `pending` with the next attempt's time
 * (exponential backoff), or `failed` once the attempts are spent. A worker that dies between
 * claim and settle leaves the row `sending`; once the claim is older than CLAIM_STALE_MS it is
 * claimed again (the attempt counted), so a crash delays an alert but never loses it.
 */

export { DELIVERY_STATUSES, type DeliveryStatus };

/** A claim older than this belongs to a sender that died: well above one send's timeout. */
export const CLAIM_STALE_MS = Math.max(5 * 60_000, 4 * SEND_TIMEOUT_MS);
/** Longest wait between two attempts, however many failed. */
export const MAX_BACKOFF_MS = 60 * 60_000;

export const DIGEST_KIND = "notify.digest";
export const TEST_KIND = "notify.test";

export type Delivery = {
  id: string;
  channelId: string | null;
  channelName: string;
  kind: string;
  dedupeKey: string;
  severity: Severity;
  title: string;
  body: string;
  link: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastAttemptAt: Date | null;
  lastError: string | null;
  sentAt: Date | null;
  digestId: string | null;
  createdAt: Date;
};

type DeliveryRow = {
  id: string;
  channel_id: string | null;
  channel_name: string;
  kind: string;
  dedupe_key: string;
  severity: string;
  title: string;
  body: string;
  link: string;
  status: string;
  attempts: number;
  next_attempt_at: Date;
  last_attempt_at: Date | null;
  last_error: string | null;
  sent_at: Date | null;
  digest_id: string | null;
  created_at: Date;
};

export function deliveryView(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    channelId: row.channel_id,
    channelName: row.channel_name,
    kind: row.kind,
    dedupeKey: row.dedupe_key,
    severity: row.severity as Severity,
    title: row.title,
    body: row.body,
    link: row.link,
    status: row.status as DeliveryStatus,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastAttemptAt: row.last_attempt_at,
    lastError: row.last_error,
    sentAt: row.sent_at,
    digestId: row.digest_id,
    createdAt: row.created_at,
  };
}

/** The wait after the n-th failed attempt: backoff·2^(n-1), at most MAX_BACKOFF_MS. */
export function backoffAfter(config: Config, attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, config.notify.backoffMs * 2 ** Math.max(0, attempts - 1));
}

export type DeliveryFilter = {
  status?: DeliveryStatus;
  channelId?: string;
  /** The channel's name as logged: also finds deliveries of a removed channel. */
  channelName?: string;
  kind?: string;
};

export async function listDeliveries(
  db: Db,
  filter: DeliveryFilter,
  paging: { page: number; pageSize: number },
  direction: "asc" | "desc" = "desc",
): Promise<{ items: Delivery[]; total: number }> {
  let query = db.selectFrom("governance.notification_deliveries");
  if (filter.status) {
    query = query.where("status", "=", filter.status);
  }
  if (filter.channelId) {
    query = query.where("channel_id", "=", filter.channelId);
  }
  if (filter.channelName) {
    query = query.where("channel_name", "=", filter.channelName);
  }
  if (filter.kind) {
    query = query.where("kind", "=", filter.kind);
  }
  const [rows, count] = await Promise.all([
    query
      .selectAll()
      .orderBy("created_at", direction)
      .orderBy("id")
      .limit(paging.pageSize)
      .offset((paging.page - 1) * paging.pageSize)
      .execute(),
    query.select(({ fn }) => fn.countAll<string>().as("n")).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(deliveryView), total: Number(count.n) };
}

export async function getDelivery(db: Db, id: string): Promise<Delivery | undefined> {
  const row = await db
    .selectFrom("governance.notification_deliveries")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirst();
  return row ? deliveryView(row) : undefined;
}

/**
 * Claims deliveries that are due (or whose claim went stale), at most `limit`, skipping rows
 * another sender holds. Only channels still enabled are served, unless `ids` name test sends.
 */
async function claim(
  db: Db,
  options: { ids?: string[]; limit: number; anyChannelState?: boolean },
): Promise<DeliveryRow[]> {
  const stale = new Date(Date.now() - CLAIM_STALE_MS);
  const claimed = await db
    .updateTable("governance.notification_deliveries")
    .set((eb) => ({
      status: "sending",
      claimed_at: sql<Date>`now()`,
      last_attempt_at: sql<Date>`now()`,
      attempts: eb("attempts", "+", 1),
    }))
    .where("id", "in", (eb) => {
      let due = eb
        .selectFrom("governance.notification_deliveries as d")
        .innerJoin("governance.notification_channels as c", "c.id", "d.channel_id")
        .select("d.id")
        .where((w) =>
          w.or([
            w.and([w("d.status", "=", "pending"), w("d.next_attempt_at", "<=", sql<Date>`now()`)]),
            w.and([w("d.status", "=", "sending"), w("d.claimed_at", "<", stale)]),
          ]),
        );
      if (!options.anyChannelState) {
        due = due.where("c.enabled", "=", true);
      }
      if (options.ids) {
        due = due.where("d.id", "in", options.ids.length ? options.ids : [null as never]);
      }
      return due.orderBy("d.next_attempt_at").limit(options.limit).forUpdate("d").skipLocked();
    })
    .returningAll()
    .execute();
  return claimed;
}

/** Settles an attempt: sent, or pending again after the backoff, or failed when spent. */
async function settle(
  db: Db,
  config: Config,
  row: DeliveryRow,
  error: string | undefined,
  maxAttempts: number,
): Promise<DeliveryStatus> {
  const status: DeliveryStatus = error
    ? row.attempts >= maxAttempts
      ? "failed"
      : "pending"
    : "sent";
  await db
    .updateTable("governance.notification_deliveries")
    .set({
      status,
      claimed_at: null,
      last_error: error ? error.slice(0, 1000) : null,
      ...(status === "sent" ? { sent_at: new Date() } : {}),
      ...(status === "pending"
        ? { next_attempt_at: new Date(Date.now() + backoffAfter(config, row.attempts)) }
        : {}),
    })
    .where("id", "=", row.id)
    // Only our own claim: a sender that outlived its claim does not overwrite a newer one.
    .where("status", "=", "sending")
    .where("attempts", "=", row.attempts)
    .execute();
  return status;
}

export type DeliveryOutcome = { sent: number; retrying: number; failed: number };

function messageOf(row: DeliveryRow): Message {
  return {
    deliveryId: row.id,
    kind: row.kind,
    severity: row.severity as Severity,
    title: row.title,
    body: row.body,
    link: row.link,
    dedupeKey: row.dedupe_key,
  };
}

async function attemptAll(
  deps: { db: Db; config: Config; logger?: Logger },
  rows: DeliveryRow[],
  maxAttempts: number,
): Promise<DeliveryOutcome> {
  const outcome: DeliveryOutcome = { sent: 0, retrying: 0, failed: 0 };
  const channels = new Map<string, SendableChannel | undefined>();
  for (const row of rows) {
    let error: string | undefined;
    try {
      const channelId = row.channel_id ?? "";
      if (!channels.has(channelId)) {
        channels.set(channelId, await openChannel(deps.db, deps.config.secret, channelId));
      }
      const channel = channels.get(channelId);
      if (!channel) {
        throw new Error("channel removed");
      }
      await sendMessage(deps.config, channel, messageOf(row));
    } catch (caught) {
      error = (caught as Error).message || String(caught);
      deps.logger?.warn("alert delivery failed", {
        delivery: row.id,
        channel: row.channel_name,
        attempt: row.attempts,
        error,
      });
    }
    const status = await settle(deps.db, deps.config, row, error, maxAttempts);
    if (status === "sent") {
      outcome.sent += 1;
    } else if (status === "failed") {
      outcome.failed += 1;
    } else {
      outcome.retrying += 1;
    }
  }
  return outcome;
}

/**
 * Sends what is due: the named deliveries (just recorded), or every due one, in batches until
 * none is left. Safe to run from several processes at once (claims skip locked rows).
 */
export async function deliverDue(
  deps: { db: Db; config: Config; logger?: Logger },
  options: { ids?: string[]; batch?: number } = {},
): Promise<DeliveryOutcome> {
  const total: DeliveryOutcome = { sent: 0, retrying: 0, failed: 0 };
  for (;;) {
    const limit = options.ids ? Math.max(1, options.ids.length) : (options.batch ?? 50);
    const rows = await claim(deps.db, { ids: options.ids, limit });
    if (rows.length === 0) {
      return total;
    }
    const outcome = await attemptAll(deps, rows, deps.config.notify.maxAttempts);
    total.sent += outcome.sent;
    total.retrying += outcome.retrying;
    total.failed += outcome.failed;
    if (options.ids) {
      return total;
    }
  }
}

/**
 * Sends a test message over a channel now, once (no retry), enabled or not, and logs it like
 * any delivery. Returns the settled delivery.
 */
export async function sendTest(
  deps: { db: Db; config: Config; logger?: Logger },
  channel: { id: string; name: string },
  actor: string,
): Promise<Delivery> {
  const row = await deps.db
    .insertInto("governance.notification_deliveries")
    .values({
      channel_id: channel.id,
      channel_name: channel.name,
      kind: TEST_KIND,
      dedupe_key: `test:${crypto.randomUUID()}`,
      severity: "warning",
      title: `Test alert from govern for ${channel.name}`,
      body: `${actor} sent this test to check that the channel ${channel.name} reaches you.`,
      link: "/notifications",
      status: "pending",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const rows = await claim(deps.db, { ids: [row.id], limit: 1, anyChannelState: true });
  await attemptAll(deps, rows, 1);
  const settled = await getDelivery(deps.db, row.id);
  if (!settled) {
    throw new Error("test delivery vanished");
  }
  return settled;
}

/** Puts a failed delivery back in line for another round of attempts; false when not failed. */
export async function retryDelivery(db: Db, id: string): Promise<boolean> {
  const updated = await db
    .updateTable("governance.notification_deliveries")
    .set({ status: "pending", attempts: 0, next_attempt_at: new Date(), last_error: null })
    .where("id", "=", id)
    .where("status", "=", "failed")
    .where("channel_id", "is not", null)
    .where("kind", "<>", TEST_KIND)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) > 0;
}

// --- Daily digest ---------------------------------------------------------------------------

/** The latest digest moment at or before `now`: today's digest hour, or yesterday's. */
export function digestCutoff(config: Config, now: Date): Date {
  const today = new Date(
    Date.UTC(
      now.getUTCFullYear(),
      now.getUTCMonth(),
      now.getUTCDate(),
      config.notify.digestHourUtc,
    ),
  );
  return today <= now ? today : new Date(today.getTime() - 24 * 60 * 60_000);
}

/** Lines of a digest listed in full; the rest are counted. */
const DIGEST_LINES = 50;

function digestBody(
  config: Config,
  held: { title: string; link: string; kind: string; created_at: Date }[],
): string {
  const lines = held
    .slice(0, DIGEST_LINES)
    .map(
      (w) =>
        `• ${w.created_at.toISOString().slice(11, 16)} UTC  ${w.title} — ${absoluteLink(config, w.link)}`,
    );
  if (held.length > DIGEST_LINES) {
    lines.push(`… and ${held.length - DIGEST_LINES} more warnings (see the delivery log).`);
  }
  return lines.join("\n");
}

/**
 * Gathers each enabled channel's held warnings recorded before the latest digest moment into
 * one digest delivery (kind notify.digest, dedupe key `digest:<date>`), in one transaction per
 * channel: a warning is in exactly one digest, and a channel gets at most one digest per day
 * whoever runs this and how often. Returns the digests made (their deliveries are pending).
 */
export async function makeDigests(
  db: Db,
  config: Config,
  now: Date = new Date(),
): Promise<{ channel: string; warnings: number; deliveryId: string }[]> {
  const cutoff = digestCutoff(config, now);
  const day = cutoff.toISOString().slice(0, 10);
  const channels = await db
    .selectFrom("governance.notification_deliveries as d")
    .innerJoin("governance.notification_channels as c", "c.id", "d.channel_id")
    .select(["c.id", "c.name"])
    .where("d.status", "=", "held")
    .where("d.created_at", "<", cutoff)
    .where("c.enabled", "=", true)
    .groupBy(["c.id", "c.name"])
    .execute();
  const made: { channel: string; warnings: number; deliveryId: string }[] = [];
  for (const channel of channels) {
    await db.transaction().execute(async (trx) => {
      const held = await trx
        .selectFrom("governance.notification_deliveries")
        .select(["id", "title", "link", "kind", "created_at"])
        .where("channel_id", "=", channel.id)
        .where("status", "=", "held")
        .where("created_at", "<", cutoff)
        .orderBy("created_at")
        .forUpdate()
        .skipLocked()
        .execute();
      if (held.length === 0) {
        return;
      }
      const digest = await trx
        .insertInto("governance.notification_deliveries")
        .values({
          channel_id: channel.id,
          channel_name: channel.name,
          kind: DIGEST_KIND,
          dedupe_key: `digest:${day}`,
          severity: "warning",
          title: `Daily digest: ${held.length} warning${held.length === 1 ? "" : "s"} up to ${day} ${String(config.notify.digestHourUtc).padStart(2, "0")}:00 UTC`,
          body: digestBody(config, held),
          link: "/notifications?status=digested",
          status: "pending",
        })
        .onConflict((oc) => oc.columns(["channel_id", "kind", "dedupe_key"]).doNothing())
        .returning("id")
        .executeTakeFirst();
      // Today's digest went out already (a warning recorded late, or a clock moved back): the
      // rest waits for tomorrow's.
      if (!digest) {
        return;
      }
      await trx
        .updateTable("governance.notification_deliveries")
        .set({ status: "digested", digest_id: digest.id })
        .where(
          "id",
          "in",
          held.map((h) => h.id),
        )
        .execute();
      made.push({ channel: channel.name, warnings: held.length, deliveryId: digest.id });
    });
  }
  return made;
}
