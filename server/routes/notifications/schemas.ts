import { z } from "@hono/zod-openapi";
import type { ChannelView } from "../../../jobs/notify/channels.ts";
import type { Delivery } from "../../../jobs/notify/deliveries.ts";
import { ZChannel, ZDelivery, ZSeverity } from "../../../schema/contracts/notifications.ts";
import { ZError } from "../../api/schemas.ts";
import { text } from "../retention/schemas.ts";

// Request shapes of /api/v1/notifications/*; the response shapes live in schema/contracts/notifications.ts.

export { ZChannel, ZDelivery, ZSeverity };

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
