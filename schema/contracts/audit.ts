// The audit API's wire shapes (server/routes/audit/*), defined once for the routes and the console.
import { z } from "@hono/zod-openapi";

export const ZAuditEvent = z
  .object({
    id: z.number().int(),
    occurredAt: z.string(),
    actor: z.string(),
    actorRole: z.string().nullable(),
    action: z.string(),
    target: z.string().nullable(),
    summary: z.record(z.string(), z.unknown()),
    requestId: z.string().nullable(),
    sourceIp: z.string().nullable(),
  })
  .openapi("AuditEvent");

export type TAuditEvent = z.infer<typeof ZAuditEvent>;

export const ZAuditActions = z
  .object({
    items: z.array(z.object({ action: z.string(), count: z.number().int() })),
  })
  .openapi("AuditActions");
export type TAuditActions = z.infer<typeof ZAuditActions>;

export const ZVerifyResult = z
  .object({
    ok: z.boolean(),
    checked: z.number().int(),
    firstBroken: z.object({ id: z.number().int(), reason: z.string() }).optional(),
  })
  .openapi("AuditVerifyResult");
export type TVerifyResult = z.infer<typeof ZVerifyResult>;
