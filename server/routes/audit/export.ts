import { createRoute, z } from "@hono/zod-openapi";
import { appendAuditEvent } from "../../../schema/governance/audit-events.repository.ts";
import { type AuditEvent, streamAuditEvents } from "../../../schema/governance/audit-query.ts";
import { defineRoute } from "../../api/define-route.ts";
import { sourceIp } from "../../api/request-meta.ts";
import { errorResponses } from "../../api/schemas.ts";
import { csvRow } from "./csv.ts";
import { auditFilterFields, toAuditFilter } from "./filters.ts";

const ZQuery = z.strictObject({
  ...auditFilterFields,
  format: z.enum(["csv", "ndjson"]).default("csv"),
});

const FIELDS = [
  "id",
  "occurredAt",
  "actor",
  "actorRole",
  "action",
  "target",
  "summary",
  "requestId",
  "sourceIp",
] as const satisfies readonly (keyof AuditEvent)[];

export const exportAudit = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/audit/export",
    tags: ["audit"],
    summary: "Download the matching audit events as CSV or NDJSON (streamed)",
    request: { query: ZQuery },
    responses: {
      200: {
        description: "The events, one per line",
        content: {
          "text/csv": { schema: z.string() },
          "application/x-ndjson": { schema: z.string() },
        },
      },
      ...errorResponses,
    },
  }),
  "audit:read",
  async (c) => {
    const { db } = c.get("deps");
    const query = c.req.valid("query");
    const filter = toAuditFilter(query);
    const principal = c.get("principal");
    // Reading the trail in bulk is itself worth a line in the trail.
    await appendAuditEvent(db, {
      actor: principal?.email ?? "anonymous",
      actorRole: principal?.role ?? null,
      action: "audit.export",
      target: "audit_events",
      summary: { format: query.format, filter: { ...query, format: undefined } },
      requestId: c.get("requestId"),
      sourceIp: sourceIp(c) ?? null,
    });
    const events = streamAuditEvents(db, filter, query.sort);
    const encoder = new TextEncoder();
    let headerSent = false;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (query.format === "csv" && !headerSent) {
          headerSent = true;
          controller.enqueue(encoder.encode(csvRow([...FIELDS])));
          return;
        }
        const next = await events.next();
        if (next.done) {
          controller.close();
          return;
        }
        const line =
          query.format === "csv"
            ? csvRow(FIELDS.map((f) => next.value[f]))
            : `${JSON.stringify(next.value)}\n`;
        controller.enqueue(encoder.encode(line));
      },
      async cancel() {
        await events.return(undefined);
      },
    });
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    return c.body(body, 200, {
      "content-type":
        query.format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
      "content-disposition": `attachment; filename="audit-${stamp}.${query.format}"`,
      "cache-control": "no-store",
    }) as never;
  },
);
