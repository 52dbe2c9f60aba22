import { z } from "@hono/zod-openapi";
import { CHANNEL_TYPES, type ChannelView, SEVERITIES } from "../../../jobs/notify/channels.ts";
import { DELIVERY_STATUSES, type Delivery } from "../../../jobs/notify/deliveries.ts";
import { ZError } from "../../api/schemas.ts";
import { text } from "../retention/schemas.ts";

// The wire contract of /api/v1/notifications/*; web/src/features/notifications/types.ts mirrors it.

export const ZSeverity = z.enum(SEVERITIES);

const ZKinds = z.array(z.string().trim().min(1).max(100)).max(50).openapi({
  description:
    "Event kinds the channel takes: exact (quality.incident.opened) or a prefix (quality.*); empty: all",
});

const ZHost = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9.:[\]-]+$/, "a host name or address");

const ZSecret = z.string().min(8).max(500);

const ZRouting = {
  enabled: z.boolean().optional(),
  owner: text(255).optional().openapi({ description: "Who answers for it (default: you)" }),
  minSeverity: ZSeverity.optional().openapi({
    description: "Least severity taken (default warning)",
  }),
  kinds: ZKinds.optional(),
  digestWarnings: z
    .boolean()
    .optional()
    .openapi({ description: "Warnings wait for the daily digest (default true)" }),
};

const ZEmailSettingsIn = {
  from: text(320).optional(),
  smtpHost: ZHost.optional().openapi({ description: "Default: the configured NOTIFY_SMTP_HOST" }),
  smtpPort: z.number().int().min(1).max(65535).optional(),
  smtpSecure: z.boolean().optional().openapi({ description: "TLS from the start (port 465)" }),
  smtpUser: text(255).optional(),
};

export const ZNewChannel = z
  .discriminatedUnion("type", [
    z.strictObject({
      name: text(100),
      type: z.literal("webhook"),
      ...ZRouting,
      webhook: z.strictObject({
        url: z.string().trim().min(8).max(2000).openapi({ description: "Write-only" }),
        secret: ZSecret.optional().openapi({
          description:
            "Write-only. Signs each request: X-Govern-Signature: sha256=HMAC(secret, timestamp.body)",
        }),
      }),
    }),
    z.strictObject({
      name: text(100),
      type: z.literal("email"),
      ...ZRouting,
      email: z.strictObject({
        to: z.array(z.email()).min(1).max(50),
        ...ZEmailSettingsIn,
        smtpPassword: ZSecret.optional().openapi({ description: "Write-only" }),
      }),
    }),
  ])
  .openapi("NewAlertChannel");

const nullable = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

export const ZChannelChange = z
  .strictObject({
    name: text(100).optional(),
    ...ZRouting,
    webhook: z
      .strictObject({
        url: z.string().trim().min(8).max(2000).optional(),
        secret: nullable(ZSecret).openapi({ description: "null removes the signing secret" }),
      })
      .optional(),
    email: z
      .strictObject({
        to: z.array(z.email()).min(1).max(50).optional(),
        from: nullable(text(320)),
        smtpHost: nullable(ZHost),
        smtpPort: nullable(z.number().int().min(1).max(65535)),
        smtpSecure: nullable(z.boolean()),
        smtpUser: nullable(text(255)),
        smtpPassword: nullable(ZSecret),
      })
      .optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: "Send at least one field to change." })
  .openapi("AlertChannelChange");

export const ZChannel = z
  .object({
    id: z.uuid(),
    name: z.string(),
    type: z.enum(CHANNEL_TYPES),
    enabled: z.boolean(),
    owner: z.string(),
    minSeverity: ZSeverity,
    kinds: z.array(z.string()),
    digestWarnings: z.boolean(),
    webhook: z
      .object({
        urlHint: z.string().openapi({ description: "Scheme and host only" }),
        hasSecret: z.boolean(),
      })
      .nullable(),
    email: z
      .object({
        to: z.array(z.string()),
        from: z.string().optional(),
        smtpHost: z.string().optional(),
        smtpPort: z.number().int().optional(),
        smtpSecure: z.boolean().optional(),
        smtpUser: z.string().optional(),
        hasPassword: z.boolean(),
      })
      .nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedBy: z.string(),
    updatedAt: z.string(),
  })
  .openapi("AlertChannel");

export const ZDelivery = z
  .object({
    id: z.uuid(),
    channelId: z.uuid().nullable(),
    channelName: z.string(),
    kind: z.string(),
    dedupeKey: z.string(),
    severity: ZSeverity,
    title: z.string(),
    body: z.string(),
    link: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().int(),
    nextAttemptAt: z.string(),
    lastAttemptAt: z.string().nullable(),
    lastError: z.string().nullable(),
    sentAt: z.string().nullable(),
    digestId: z.uuid().nullable(),
    createdAt: z.string(),
  })
  .openapi("AlertDelivery");

export const ZChannelParams = z.strictObject({
  id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
});

export const errorAnswer = (description: string) => ({
  description,
  content: { "application/json": { schema: ZError } },
});

export function channelWire(view: ChannelView): z.infer<typeof ZChannel> {
  return {
    ...view,
    createdAt: view.createdAt.toISOString(),
    updatedAt: view.updatedAt.toISOString(),
  };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function deliveryWire(d: Delivery): z.infer<typeof ZDelivery> {
  return {
    ...d,
    nextAttemptAt: d.nextAttemptAt.toISOString(),
    lastAttemptAt: iso(d.lastAttemptAt),
    sentAt: iso(d.sentAt),
    createdAt: d.createdAt.toISOString(),
  };
}
