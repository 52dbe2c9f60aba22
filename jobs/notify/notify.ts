import { z } from "zod";
import type { Config } from "../../schema/config.ts";
import type { Logger } from "../../schema/logger.ts";
import type { Db } from "../../schema/postgres.ts";
import type { JobQueues } from "../queues.ts";
import { kindMatches, SEVERITIES, type Severity, severityRank } from "./channels.ts";
import { deliverDue } from "./deliveries.ts";

/**
 * The one way any capability raises an alert (quality incidents now; lineage drift and tiering
 * later). `notify(event)` records one delivery per enabled channel whose routing takes the event
 * — unique on (channel, kind, dedupeKey), so raising the same alert again sends nothing — and
 * hands the new ones to the `notify` queue (or, without queues, sends them at once). Warnings for
 * channels with `digestWarnings` wait for the channel's daily digest instead.
 *
 * It resolves once the deliveries are recorded (and, without queues, attempted once): a failing
 * receiver never fails the caller; retries follow from the ledger (jobs/notify/deliveries.ts).
 */

export type NotifyEvent = {
  kind: string; // e.g. "quality.incident.opened", "quality.incident.resolved"
  severity: "warning" | "error" | "critical";
  title: string; // one line
  body: string; // a few readable lines
  link: string; // console path, e.g. /quality/incidents/<id>
  dedupeKey: string; // same key + kind = same alert (never delivered twice to a channel)
  /**
   * Optional: only these channels, by name (a quality rule's `notification_channels`, e.g.
   * "slack://data-team"), each still subject to its enabled flag and routing. Absent: every
   * channel whose routing takes the event. Names without a channel are skipped (and logged).
   */
  channels?: string[];
};
export type Notify = (event: NotifyEvent) => Promise<void>;

export const ZNotifyEvent = z.strictObject({
  kind: z
    .string()
    .max(100)
    .regex(
      /^[a-z0-9_-]+(\.[a-z0-9_-]+)+$/,
      "dotted lower-case words, e.g. quality.incident.opened",
    ),
  severity: z.enum(SEVERITIES),
  title: z
    .string()
    .trim()
    .min(1)
    .max(300)
    .refine((t) => !/[\r\n]/.test(t), "one line"),
  body: z.string().max(4000),
  link: z
    .string()
    .max(1000)
    .regex(/^\/(?!\/)/, "a console path starting with a single /"),
  dedupeKey: z.string().min(1).max(500),
  channels: z.array(z.string().min(1).max(100)).max(50).optional(),
});

/** What one `notify` call did, for callers and tests that want to know (the API only needs void). */
export type NotifyResult = {
  recorded: string[];
  held: string[];
  duplicates: number;
  /** Channel names the event asked for that no channel has. */
  unknownChannels: string[];
};

/** Records the event's deliveries; returns the new pending and held ids. */
export async function recordDeliveries(db: Db, event: NotifyEvent): Promise<NotifyResult> {
  const parsed = ZNotifyEvent.parse(event);
  let query = db
    .selectFrom("governance.notification_channels")
    .select(["id", "name", "enabled", "min_severity", "kinds", "digest_warnings"]);
  if (parsed.channels) {
    query = query.where("name", "in", parsed.channels.length ? parsed.channels : [""]);
  }
  const found = await query.execute();
  const known = new Set(found.map((c) => c.name));
  const result: NotifyResult = {
    recorded: [],
    held: [],
    duplicates: 0,
    unknownChannels: (parsed.channels ?? []).filter((name) => !known.has(name)),
  };
  const channels = found.filter((c) => c.enabled);
  for (const channel of channels) {
    if (severityRank(parsed.severity) < severityRank(channel.min_severity as Severity)) {
      continue;
    }
    if (!kindMatches((channel.kinds as string[]) ?? [], parsed.kind)) {
      continue;
    }
    const held = parsed.severity === "warning" && channel.digest_warnings;
    const row = await db
      .insertInto("governance.notification_deliveries")
      .values({
        channel_id: channel.id,
        channel_name: channel.name,
        kind: parsed.kind,
        dedupe_key: parsed.dedupeKey,
        severity: parsed.severity,
        title: parsed.title,
        body: parsed.body,
        link: parsed.link,
        status: held ? "held" : "pending",
      })
      .onConflict((oc) => oc.columns(["channel_id", "kind", "dedupe_key"]).doNothing())
      .returning("id")
      .executeTakeFirst();
    if (!row) {
      result.duplicates += 1;
    } else if (held) {
      result.held.push(row.id);
    } else {
      result.recorded.push(row.id);
    }
  }
  return result;
}

export function createNotifier(deps: {
  db: Db;
  queues?: JobQueues;
  config: Config;
  logger: Logger;
}): Notify {
  return async (event) => {
    const { recorded, unknownChannels } = await recordDeliveries(deps.db, event);
    if (unknownChannels.length > 0) {
      deps.logger.warn("alert names channels that do not exist", {
        kind: event.kind,
        channels: unknownChannels,
      });
    }
    if (recorded.length === 0) {
      return;
    }
    if (deps.queues) {
      try {
        await deps.queues.enqueue("notify", { action: "deliver", deliveryIds: recorded }, "notify");
        return;
      } catch (error) {
        // Recorded, so not lost: the worker's sweep sends them once Redis is back.
        deps.logger.warn("alert queued for the next sweep (queue unavailable)", {
          deliveries: recorded.length,
          error: (error as Error).message,
        });
        return;
      }
    }
    await deliverDue(deps, { ids: recorded });
  };
}
