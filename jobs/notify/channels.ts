import { openSecret, sealSecret } from "../../masking/provision/dataset-database.ts";
import { CHANNEL_TYPES, SEVERITIES, type Severity } from "../../schema/contracts/notifications.ts";
import type { Db } from "../../schema/postgres.ts";

/**
 * Alert channels: a webhook (Slack-compatible JSON, HMAC-signed) or an e-mail route over SMTP,
 * with their routing (least severity, event kinds, warnings to the daily digest) and an owner.
 *
 * Secrets are write-only: the webhook URL (for Slack it is itself the credential), the signing
 * secret and the SMTP password are sealed (AES-256-GCM under GOVERN_SECRET, the sealing datasets
 * use) and only `openChannelSecrets` reads them back, for sending. Views carry a hint instead.
 */

export { CHANNEL_TYPES, SEVERITIES, type Severity };
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export type WebhookSecrets = { url: string; secret?: string };
export type EmailSecrets = { password?: string };

export type EmailSettings = {
  to: string[];
  from?: string;
  smtpHost?: string;
  smtpPort?: number;
  smtpSecure?: boolean;
  smtpUser?: string;
};

/** What may be shown about a channel: never its secrets, only whether they are set. */
export type ChannelView = {
  id: string;
  name: string;
  type: ChannelType;
  enabled: boolean;
  owner: string;
  minSeverity: Severity;
  kinds: string[];
  digestWarnings: boolean;
  webhook: { urlHint: string; hasSecret: boolean } | null;
  email: (EmailSettings & { hasPassword: boolean }) | null;
  createdBy: string;
  createdAt: Date;
  updatedBy: string;
  updatedAt: Date;
};

export type Routing = {
  enabled?: boolean;
  owner?: string;
  minSeverity?: Severity;
  kinds?: string[];
  digestWarnings?: boolean;
};

export type NewChannel = Routing & { name: string } & (
    | { type: "webhook"; webhook: { url: string; secret?: string } }
    | { type: "email"; email: EmailSettings & { smtpPassword?: string } }
  );

/** A change: fields left out stay; a secret set to null is removed. */
export type ChannelChange = Routing & {
  name?: string;
  webhook?: { url?: string; secret?: string | null };
  /** A shown setting set to null is cleared (back to the configured SMTP server or sender). */
  email?: { [K in keyof EmailSettings]?: EmailSettings[K] | null } & {
    smtpPassword?: string | null;
  };
};

/** A refused channel change (a 4xx at the API), naming the field. */
export class ChannelInputError extends Error {
  constructor(
    message: string,
    readonly field: string,
    readonly code: "invalid_request" | "conflict" = "invalid_request",
  ) {
    super(message);
    this.name = "ChannelInputError";
  }
}

/**
 * A URL shown instead of the webhook URL: scheme and host only, since the path and query of a
 * Slack (or Teams, or Discord) incoming webhook are its credential.
 */
export function urlHint(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}/…`;
}

/** Webhook URLs: http(s) only, no credentials in the authority, parseable. */
export function webhookUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "not a URL";
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    return "must start with https:// or http://";
  }
  if (parsed.username || parsed.password) {
    return "must not carry a user name or password (use the signing secret)";
  }
  return undefined;
}

/** Whether a channel's kind list takes an event kind: exact names, `prefix.*`, or `*`; [] = all. */
export function kindMatches(kinds: readonly string[], kind: string): boolean {
  if (kinds.length === 0) {
    return true;
  }
  return kinds.some((pattern) =>
    pattern === "*"
      ? true
      : pattern.endsWith(".*")
        ? kind.startsWith(pattern.slice(0, -1))
        : pattern === kind,
  );
}

type ChannelRow = {
  id: string;
  name: string;
  type: string;
  enabled: boolean;
  owner: string;
  min_severity: string;
  kinds: unknown;
  digest_warnings: boolean;
  settings: unknown;
  secrets_sealed: string;
  created_by: string;
  created_at: Date;
  updated_by: string;
  updated_at: Date;
};

/**
 * The channel's secrets, or {} when they cannot be opened (GOVERN_SECRET changed since they were
 * sealed): the channel is then shown without them and its sends fail saying so, until someone
 * enters them again; listing channels never fails over it.
 */
function openSecrets(secret: string, sealed: string): Record<string, unknown> {
  try {
    return JSON.parse(openSecret(secret, sealed)) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function viewOf(row: ChannelRow, secret: string): ChannelView {
  const settings = (row.settings ?? {}) as Record<string, unknown>;
  const secrets = openSecrets(secret, row.secrets_sealed);
  const type = row.type as ChannelType;
  return {
    id: row.id,
    name: row.name,
    type,
    enabled: row.enabled,
    owner: row.owner,
    minSeverity: row.min_severity as Severity,
    kinds: (row.kinds as string[]) ?? [],
    digestWarnings: row.digest_warnings,
    webhook:
      type === "webhook"
        ? { urlHint: String(settings.urlHint ?? ""), hasSecret: Boolean(secrets.secret) }
        : null,
    email:
      type === "email"
        ? { ...(settings as EmailSettings), hasPassword: Boolean(secrets.password) }
        : null,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedBy: row.updated_by,
    updatedAt: row.updated_at,
  };
}

/** A channel as the sender needs it: routing, shown settings and the opened secrets. */
export type SendableChannel = ChannelView & {
  secrets: WebhookSecrets | EmailSecrets;
};

export async function listChannels(db: Db, secret: string): Promise<ChannelView[]> {
  const rows = await db
    .selectFrom("governance.notification_channels")
    .selectAll()
    .orderBy("name")
    .execute();
  return rows.map((row) => viewOf(row, secret));
}

export async function getChannel(
  db: Db,
  secret: string,
  id: string,
): Promise<ChannelView | undefined> {
  const row = await db
    .selectFrom("governance.notification_channels")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirst();
  return row ? viewOf(row, secret) : undefined;
}

/** The channel with its secrets opened: for sending only, never for an answer. */
export async function openChannel(
  db: Db,
  secret: string,
  id: string,
): Promise<SendableChannel | undefined> {
  const row = await db
    .selectFrom("governance.notification_channels")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirst();
  if (!row) {
    return undefined;
  }
  const secrets = openSecrets(secret, row.secrets_sealed);
  if (row.type === "webhook" && typeof secrets.url !== "string") {
    throw new Error(
      "the channel's sealed settings cannot be opened (GOVERN_SECRET changed?): enter its webhook URL again",
    );
  }
  return { ...viewOf(row, secret), secrets: secrets as WebhookSecrets | EmailSecrets };
}

function checkRouting(routing: Routing): void {
  for (const [i, kind] of (routing.kinds ?? []).entries()) {
    if (!/^(\*|[a-z0-9_-]+(\.[a-z0-9_-]+)*(\.\*)?)$/.test(kind)) {
      throw new ChannelInputError(
        `Kind \`${kind}\` is neither an event kind (quality.incident.opened) nor a prefix (quality.*).`,
        `kinds.${i}`,
      );
    }
  }
}

function checkWebhookUrl(url: string): void {
  const problem = webhookUrlProblem(url);
  if (problem) {
    throw new ChannelInputError(`The webhook URL ${problem}.`, "webhook.url");
  }
}

async function nameTaken(db: Db, name: string, except?: string): Promise<boolean> {
  let query = db
    .selectFrom("governance.notification_channels")
    .select("id")
    .where(({ fn, eb }) => eb(fn("lower", ["name"]), "=", name.toLowerCase()));
  if (except) {
    query = query.where("id", "<>", except);
  }
  return (await query.executeTakeFirst()) !== undefined;
}

export async function createChannel(
  db: Db,
  secret: string,
  input: NewChannel,
  actor: string,
): Promise<ChannelView> {
  checkRouting(input);
  if (await nameTaken(db, input.name)) {
    throw new ChannelInputError(`A channel named ${input.name} exists.`, "name", "conflict");
  }
  let settings: Record<string, unknown>;
  let secrets: WebhookSecrets | EmailSecrets;
  if (input.type === "webhook") {
    checkWebhookUrl(input.webhook.url);
    settings = { urlHint: urlHint(input.webhook.url) };
    secrets = { url: input.webhook.url, secret: input.webhook.secret };
  } else {
    const { smtpPassword, ...shown } = input.email;
    settings = shown;
    secrets = { password: smtpPassword };
  }
  const row = await db
    .insertInto("governance.notification_channels")
    .values({
      name: input.name,
      type: input.type,
      enabled: input.enabled ?? true,
      owner: input.owner ?? actor,
      min_severity: input.minSeverity ?? "warning",
      kinds: JSON.stringify(input.kinds ?? []),
      digest_warnings: input.digestWarnings ?? true,
      settings: JSON.stringify(settings),
      secrets_sealed: sealSecret(secret, JSON.stringify(secrets)),
      created_by: actor,
      updated_by: actor,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return viewOf(row, secret);
}

/** Applies a change; undefined when there is no such channel. */
export async function updateChannel(
  db: Db,
  secret: string,
  id: string,
  change: ChannelChange,
  actor: string,
): Promise<ChannelView | undefined> {
  checkRouting(change);
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom("governance.notification_channels")
      .selectAll()
      .where("id", "=", id)
      .forUpdate()
      .executeTakeFirst();
    if (!row) {
      return undefined;
    }
    if (change.name !== undefined && (await nameTaken(trx, change.name, id))) {
      throw new ChannelInputError(`A channel named ${change.name} exists.`, "name", "conflict");
    }
    if (change.webhook && row.type !== "webhook") {
      throw new ChannelInputError("This is an e-mail channel: it has no webhook.", "webhook");
    }
    if (change.email && row.type !== "email") {
      throw new ChannelInputError("This is a webhook channel: it has no e-mail settings.", "email");
    }
    const settings = { ...((row.settings ?? {}) as Record<string, unknown>) };
    const secrets = openSecrets(secret, row.secrets_sealed);
    if (change.webhook) {
      if (change.webhook.url !== undefined) {
        checkWebhookUrl(change.webhook.url);
        secrets.url = change.webhook.url;
        settings.urlHint = urlHint(change.webhook.url);
      }
      if (change.webhook.secret !== undefined) {
        secrets.secret = change.webhook.secret ?? undefined;
      }
    }
    if (change.email) {
      const { smtpPassword, ...shown } = change.email;
      for (const [key, value] of Object.entries(shown)) {
        if (value === null) {
          delete settings[key];
        } else if (value !== undefined) {
          settings[key] = value;
        }
      }
      if (Array.isArray(settings.to) && settings.to.length === 0) {
        throw new ChannelInputError("An e-mail channel needs at least one recipient.", "email.to");
      }
      if (smtpPassword !== undefined) {
        secrets.password = smtpPassword ?? undefined;
      }
    }
    const updated = await trx
      .updateTable("governance.notification_channels")
      .set({
        ...(change.name !== undefined ? { name: change.name } : {}),
        ...(change.enabled !== undefined ? { enabled: change.enabled } : {}),
        ...(change.owner !== undefined ? { owner: change.owner } : {}),
        ...(change.minSeverity !== undefined ? { min_severity: change.minSeverity } : {}),
        ...(change.kinds !== undefined ? { kinds: JSON.stringify(change.kinds) } : {}),
        ...(change.digestWarnings !== undefined ? { digest_warnings: change.digestWarnings } : {}),
        settings: JSON.stringify(settings),
        secrets_sealed: sealSecret(secret, JSON.stringify(secrets)),
        updated_by: actor,
        updated_at: new Date(),
      })
      .where("id", "=", id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return viewOf(updated, secret);
  });
}

/**
 * Removes a channel. Its delivery log stays (with the channel's name); what it still owed —
 * deliveries waiting to be sent or held for a digest — is failed, since nothing will send it.
 * Returns the removed channel's name, or undefined when there is none.
 */
export async function deleteChannel(db: Db, id: string): Promise<string | undefined> {
  return db.transaction().execute(async (trx) => {
    await trx
      .updateTable("governance.notification_deliveries")
      .set({ status: "failed", last_error: "channel removed", claimed_at: null })
      .where("channel_id", "=", id)
      .where("status", "in", ["pending", "sending", "held"])
      .execute();
    const removed = await trx
      .deleteFrom("governance.notification_channels")
      .where("id", "=", id)
      .returning("name")
      .executeTakeFirst();
    return removed?.name;
  });
}
