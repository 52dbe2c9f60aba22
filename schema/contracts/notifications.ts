// Wire shapes of /api/v1/notifications/* that the console reads, defined once for routes and console.
import { z } from "@hono/zod-openapi";

export const SEVERITIES = ["warning", "error", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];
export const CHANNEL_TYPES = ["webhook", "email"] as const;
export const DELIVERY_STATUSES = [
  "pending",
  "sending",
  "sent",
  "failed",
  "held",
  "digested",
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const ZSeverity = z.enum(SEVERITIES);

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

export type TChannel = z.infer<typeof ZChannel>;
export type TDelivery = z.infer<typeof ZDelivery>;
