// The audit API's wire shape (server/routes/audit/*), defined once for the routes and the console.
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
