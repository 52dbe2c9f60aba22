import { z } from "@hono/zod-openapi";
import {
  ChannelInputError,
  type ChannelView,
  createChannel,
  deleteChannel,
  getChannel,
  listChannels,
} from "../../jobs/notify/channels.ts";
import { DELIVERY_STATUSES, listDeliveries, sendTest } from "../../jobs/notify/deliveries.ts";
import { silentLogger } from "../../schema/logger.ts";
import { ZNewChannel } from "../routes/notifications/schemas.ts";
import {
  auditCommand,
  type Command,
  decidingUser,
  json,
  print,
  UsageError,
  type Values,
  withDb,
} from "./support.ts";

/**
 * `govern notify ...`: alert channels and the delivery log, as the API offers them. Thin: parse,
 * authorize, call jobs/notify, print. Secrets go in (--url, --secret, --smtp-password) and never
 * come out; pass them from a variable (`--secret "$HOOK_SECRET"`) to keep them out of history.
 */

const ZId = z.uuid({ message: "must be a UUID" });

function positionalId(positionals: string[]): string {
  const parsed = ZId.safeParse(positionals[0]);
  if (!parsed.success) {
    throw new UsageError(`ID must be a UUID, got ${String(positionals[0])}`);
  }
  return parsed.data;
}

function channelLine(c: ChannelView): string {
  const target = c.webhook
    ? `${c.webhook.urlHint}${c.webhook.hasSecret ? " (signed)" : ""}`
    : (c.email?.to.join(", ") ?? "");
  const kinds = c.kinds.length ? c.kinds.join(",") : "all kinds";
  return `${c.id}  ${c.enabled ? "on " : "off"}  ${c.type.padEnd(7)}  ${c.name}  → ${target}  [${c.minSeverity}+, ${kinds}${c.digestWarnings ? ", warnings as digest" : ""}]`;
}

const str = (values: Values, name: string) =>
  typeof values[name] === "string" ? (values[name] as string) : undefined;

export const NOTIFY_COMMANDS: Record<string, Command> = {
  "notify channels list": {
    summary: "list alert channels and their routing (secrets never shown)",
    usage: "govern notify channels list [--json]",
    options: { ...json },
    access: { bootstrap: true, permission: "quality:read" },
    run: async (values, config) => {
      const channels = await withDb(config, (db) => listChannels(db, config.secret));
      print(
        values.json === true,
        channels,
        channels.length ? channels.map(channelLine).join("\n") : "no alert channels",
      );
      return 0;
    },
  },
  "notify channels add": {
    summary: "add an alert channel: a signed Slack-compatible webhook, or e-mail over SMTP",
    usage:
      "govern notify channels add --name N --type webhook --url URL [--secret S] | --type email --to A[,B] [--from F] [--smtp-host H --smtp-port P --smtp-user U --smtp-password W --smtp-secure] [--min-severity warning|error|critical] [--kinds quality.*,...] [--no-digest] [--disabled] [--json]",
    options: {
      name: { type: "string" },
      type: { type: "string" },
      url: { type: "string" },
      secret: { type: "string" },
      to: { type: "string" },
      from: { type: "string" },
      "smtp-host": { type: "string" },
      "smtp-port": { type: "string" },
      "smtp-user": { type: "string" },
      "smtp-password": { type: "string" },
      "smtp-secure": { type: "boolean", default: false },
      "min-severity": { type: "string" },
      kinds: { type: "string" },
      "no-digest": { type: "boolean", default: false },
      disabled: { type: "boolean", default: false },
      ...json,
    },
    access: { bootstrap: false, permission: "notifications:manage" },
    run: async (values, config, actor) => {
      const user = decidingUser(actor);
      const list = (raw: string | undefined) =>
        raw
          ?.split(",")
          .map((s) => s.trim())
          .filter(Boolean);
      const type = str(values, "type");
      const port = str(values, "smtp-port");
      const input = {
        name: str(values, "name"),
        type,
        minSeverity: str(values, "min-severity"),
        kinds: list(str(values, "kinds")),
        digestWarnings: values["no-digest"] !== true,
        enabled: values.disabled !== true,
        ...(type === "webhook"
          ? { webhook: { url: str(values, "url"), secret: str(values, "secret") } }
          : {
              email: {
                to: list(str(values, "to")) ?? [],
                from: str(values, "from"),
                smtpHost: str(values, "smtp-host"),
                smtpPort: port === undefined ? undefined : Number(port),
                smtpSecure: values["smtp-secure"] === true ? true : undefined,
                smtpUser: str(values, "smtp-user"),
                smtpPassword: str(values, "smtp-password"),
              },
            }),
      };
      const parsed = ZNewChannel.safeParse(
        JSON.parse(JSON.stringify(input)) as Record<string, unknown>,
      );
      if (!parsed.success) {
        throw new UsageError(
          parsed.error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; "),
        );
      }
      const channel = await withDb(config, async (db) => {
        try {
          const made = await createChannel(db, config.secret, parsed.data, user.email);
          await auditCommand(db, actor, {
            action: "notifications.channel.create",
            target: `alert-channel:${made.id}`,
            summary: { name: made.name, type: made.type, minSeverity: made.minSeverity },
          });
          return made;
        } catch (error) {
          if (error instanceof ChannelInputError) {
            throw new UsageError(`${error.field}: ${error.message}`);
          }
          throw error;
        }
      });
      print(values.json === true, channel, `added ${channelLine(channel)}`);
      return 0;
    },
  },
  "notify channels remove": {
    summary: "remove an alert channel (its delivery log stays; what it still owed is failed)",
    usage: "govern notify channels remove ID [--json]",
    options: { ...json },
    positionals: ["id"],
    access: { bootstrap: false, permission: "notifications:manage" },
    run: async (values, config, actor, positionals) => {
      const id = positionalId(positionals);
      const name = await withDb(config, async (db) => {
        const removed = await deleteChannel(db, id);
        if (removed !== undefined) {
          await auditCommand(db, actor, {
            action: "notifications.channel.delete",
            target: `alert-channel:${id}`,
            summary: { name: removed },
          });
        }
        return removed;
      });
      if (name === undefined) {
        throw new UsageError(`no alert channel ${id}`);
      }
      print(values.json === true, { id, name }, `removed ${name}`);
      return 0;
    },
  },
  "notify channels test": {
    summary: "send a test alert over a channel now, once; exit 1 when it did not go",
    usage: "govern notify channels test ID [--json]",
    options: { ...json },
    positionals: ["id"],
    access: { bootstrap: false, permission: "notifications:manage" },
    run: async (values, config, actor, positionals) => {
      const id = positionalId(positionals);
      const user = decidingUser(actor);
      const delivery = await withDb(config, async (db) => {
        const channel = await getChannel(db, config.secret, id);
        if (!channel) {
          throw new UsageError(`no alert channel ${id}`);
        }
        const sent = await sendTest({ db, config, logger: silentLogger }, channel, user.email);
        await auditCommand(db, actor, {
          action: "notifications.channel.test",
          target: `alert-channel:${id}`,
          summary: { name: channel.name, status: sent.status, error: sent.lastError },
        });
        return sent;
      });
      print(
        values.json === true,
        delivery,
        delivery.status === "sent"
          ? `test alert sent to ${delivery.channelName}`
          : `test alert to ${delivery.channelName} failed: ${delivery.lastError ?? "?"}`,
      );
      return delivery.status === "sent" ? 0 : 1;
    },
  },
  "notify deliveries": {
    summary: "the alert delivery log, newest first (status, attempts, last error)",
    usage: `govern notify deliveries [--status ${DELIVERY_STATUSES.join("|")}] [--channel ID] [--limit N] [--json]`,
    options: {
      status: { type: "string" },
      channel: { type: "string" },
      limit: { type: "string" },
      ...json,
    },
    access: { bootstrap: true, permission: "quality:read" },
    run: async (values, config) => {
      const status = str(values, "status");
      if (status !== undefined && !(DELIVERY_STATUSES as readonly string[]).includes(status)) {
        throw new UsageError(`--status must be one of ${DELIVERY_STATUSES.join(", ")}`);
      }
      const channel = str(values, "channel");
      if (channel !== undefined && !ZId.safeParse(channel).success) {
        throw new UsageError("--channel must be a channel id (UUID)");
      }
      const limit = Number(str(values, "limit") ?? 50);
      if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
        throw new UsageError("--limit must be a whole number between 1 and 200");
      }
      const found = await withDb(config, (db) =>
        listDeliveries(
          db,
          { status: status as (typeof DELIVERY_STATUSES)[number] | undefined, channelId: channel },
          { page: 1, pageSize: limit },
        ),
      );
      print(
        values.json === true,
        found,
        found.items.length
          ? found.items
              .map(
                (d) =>
                  `${d.createdAt.toISOString()}  ${d.status.padEnd(8)}  ${String(d.attempts).padStart(2)}×  ${d.channelName}  ${d.severity}  ${d.title}${d.lastError ? `  (${d.lastError})` : ""}`,
              )
              .join("\n")
          : "no deliveries",
      );
      return 0;
    },
  },
};
