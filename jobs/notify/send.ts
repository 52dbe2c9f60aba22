import { createHmac } from "node:crypto";
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import type { Config } from "../../schema/config.ts";
import type { EmailSecrets, SendableChannel, Severity, WebhookSecrets } from "./channels.ts";

/** What one delivery says, whichever channel carries it. */
export type Message = {
  deliveryId: string;
  kind: string;
  severity: Severity;
  title: string;
  body: string;
  /** Console path, e.g. /quality/incidents/<id>; made absolute with the public URL. */
  link: string;
  dedupeKey: string;
};

/** How long one webhook request or SMTP conversation may take. */
export const SEND_TIMEOUT_MS = 15_000;

export const SIGNATURE_HEADER = "x-govern-signature";
export const TIMESTAMP_HEADER = "x-govern-timestamp";

/**
 * The signature a receiver recomputes: HMAC-SHA256 under the channel's secret over
 * `<timestamp>.<raw body>`, hex, as `sha256=<hex>`. The timestamp is inside what is signed, so a
 * captured request cannot be replayed later with a fresh timestamp; receivers reject requests
 * whose timestamp is older than a few minutes.
 */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

export function absoluteLink(config: Config, link: string): string {
  return new URL(link, config.publicUrl).toString();
}

/** Slack mrkdwn treats &, < and > as markup: escaped so a title cannot forge a link. */
function mrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const SEVERITY_MARK: Record<Severity, string> = {
  warning: ":warning: WARNING",
  error: ":x: ERROR",
  critical: ":rotating_light: CRITICAL",
};

/** A Slack-compatible incoming-webhook body: `text` (fallback, notifications) and `blocks`. */
export function webhookBody(config: Config, message: Message): Record<string, unknown> {
  const url = absoluteLink(config, message.link);
  const plainSeverity = message.severity.toUpperCase();
  return {
    text: `[${plainSeverity}] ${message.title} ${url}`,
    blocks: [
      {
        type: "header",
        text: { type: "plain_text", text: message.title.slice(0, 150), emoji: true },
      },
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: `*${SEVERITY_MARK[message.severity]}*  ·  \`${mrkdwn(message.kind)}\`\n${mrkdwn(message.body).slice(0, 2900)}`,
        },
      },
      {
        type: "section",
        text: { type: "mrkdwn", text: `<${url}|Open in govern>` },
      },
    ],
  };
}

/** Loopback, private, shared, link-local (cloud metadata) and unspecified addresses. */
const INTERNAL = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
] as const) {
  INTERNAL.addSubnet(net, bits, "ipv4");
}
for (const [net, bits] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
] as const) {
  INTERNAL.addSubnet(net, bits, "ipv6");
}

function internalAddress(address: string): boolean {
  // IPv4-mapped IPv6 (`::ffff:127.0.0.1`, which URL parsing writes `::ffff:7f00:1`): its IPv4.
  const dotted = address.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i)?.[1];
  const hex = address.match(/^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i);
  const mapped =
    dotted ??
    (hex?.[1] && hex[2]
      ? [
          parseInt(hex[1], 16) >> 8,
          parseInt(hex[1], 16) & 255,
          parseInt(hex[2], 16) >> 8,
          parseInt(hex[2], 16) & 255,
        ].join(".")
      : undefined);
  if (mapped) {
    return INTERNAL.check(mapped, "ipv4");
  }
  return INTERNAL.check(address, isIP(address) === 6 ? "ipv6" : "ipv4");
}

/**
 * Why a webhook may not be called, or undefined: unless private webhooks are allowed, every
 * address its host resolves to must be public, so a channel cannot be pointed at a metadata
 * service or an internal port (redirects are not followed either). The name is resolved again by
 * the request itself: a host that rebinds between the two lookups is not stopped here.
 */
export async function webhookDestinationProblem(
  config: Config,
  url: string,
): Promise<string | undefined> {
  if (config.notify.allowPrivateWebhooks) {
    return undefined;
  }
  const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  let addresses: string[];
  try {
    addresses = isIP(host)
      ? [host]
      : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  } catch (error) {
    return `cannot resolve ${host}: ${(error as Error).message}`;
  }
  const internal = addresses.find(internalAddress);
  return internal
    ? `refused: ${host} is a loopback, private or link-local address (${internal}); set NOTIFY_ALLOW_PRIVATE_WEBHOOKS=true to allow`
    : undefined;
}

async function sendWebhook(
  config: Config,
  secrets: WebhookSecrets,
  message: Message,
): Promise<void> {
  const refused = await webhookDestinationProblem(config, secrets.url);
  if (refused) {
    throw new Error(refused);
  }
  const body = JSON.stringify(webhookBody(config, message));
  const timestamp = String(Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "govern-notify/1",
    "x-govern-delivery": message.deliveryId,
    "x-govern-event-kind": message.kind,
    [TIMESTAMP_HEADER]: timestamp,
  };
  if (secrets.secret) {
    headers[SIGNATURE_HEADER] = signWebhook(secrets.secret, timestamp, body);
  }
  const response = await fetch(secrets.url, {
    method: "POST",
    headers,
    body,
    redirect: "manual",
    signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
  });
  // Drained, so the connection is released; the text helps the log when it failed.
  const answer = (await response.text().catch(() => "")).slice(0, 200);
  if (response.status < 200 || response.status >= 300) {
    throw new Error(
      `webhook answered HTTP ${response.status}${answer ? `: ${answer.replace(/\s+/g, " ")}` : ""}`,
    );
  }
}

/** The plain-text mail: the body, then where to look. */
export function mailText(config: Config, message: Message): string {
  return `${message.body}\n\nSeverity: ${message.severity}\nEvent: ${message.kind}\nOpen in govern: ${absoluteLink(config, message.link)}\n`;
}

async function sendEmail(
  config: Config,
  channel: SendableChannel,
  secrets: EmailSecrets,
  message: Message,
): Promise<void> {
  const settings = channel.email;
  if (!settings) {
    throw new Error("not an e-mail channel");
  }
  const host = settings.smtpHost ?? config.notify.smtp.host;
  if (!host) {
    throw new Error("no SMTP server: set one on the channel or NOTIFY_SMTP_HOST");
  }
  // A channel naming its own server brings its own login; otherwise the configured one.
  const own = settings.smtpHost !== undefined;
  const user = own ? settings.smtpUser : config.notify.smtp.user;
  const password = own ? secrets.password : config.notify.smtp.password;
  // Loaded with the first e-mail sent, not with every process that may send one.
  const { default: nodemailer } = await import("nodemailer");
  const transport = nodemailer.createTransport({
    host,
    port: own ? (settings.smtpPort ?? 587) : config.notify.smtp.port,
    secure: own ? (settings.smtpSecure ?? false) : config.notify.smtp.secure,
    auth: user ? { user, pass: password ?? "" } : undefined,
    connectionTimeout: SEND_TIMEOUT_MS,
    greetingTimeout: SEND_TIMEOUT_MS,
    socketTimeout: SEND_TIMEOUT_MS,
  });
  try {
    await transport.sendMail({
      from: settings.from ?? config.notify.mailFrom,
      to: settings.to,
      subject: `[govern] [${message.severity.toUpperCase()}] ${message.title}`,
      text: mailText(config, message),
      // The same delivery keeps one Message-ID across retries: mail clients fold duplicates.
      messageId: `<${message.deliveryId}@govern.notify>`,
      headers: { "X-Govern-Event-Kind": message.kind, "X-Govern-Delivery": message.deliveryId },
    });
  } finally {
    transport.close();
  }
}

/** Sends one message over one channel; throws with a readable reason when it did not go. */
export async function sendMessage(
  config: Config,
  channel: SendableChannel,
  message: Message,
): Promise<void> {
  if (channel.type === "webhook") {
    await sendWebhook(config, channel.secrets as WebhookSecrets, message);
  } else {
    await sendEmail(config, channel, channel.secrets as EmailSecrets, message);
  }
}
