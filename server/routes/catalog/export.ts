import { createRoute, z } from "@hono/zod-openapi";
import { appendAuditEvent } from "../../../schema/governance/audit-events.repository.ts";
import { exportCatalog } from "../../../schema/governance/catalog-query.ts";
import { defineRoute } from "../../api/define-route.ts";
import { sourceIp } from "../../api/request-meta.ts";
import { errorResponses } from "../../api/schemas.ts";

const ZQuery = z.strictObject({
  format: z.enum(["json", "csv"]).default("json"),
});

export const exportCatalogRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/catalog/export",
    tags: ["catalog"],
    summary:
      "Download the whole catalog with proposals and steward decisions (JSON or CSV, streamed)",
    request: { query: ZQuery },
    responses: {
      200: {
        description: 'JSON: {"exportedAt", "columns": [...]}; CSV: a header and one line per entry',
        content: {
          "application/json": { schema: z.unknown() },
          "text/csv": { schema: z.string() },
        },
      },
      ...errorResponses,
    },
  }),
  "catalog:export",
  async (c) => {
    const { db } = c.get("deps");
    const { format } = c.req.valid("query");
    const principal = c.get("principal");
    // Which columns hold personal data is itself sensitive: a bulk read leaves a trace.
    await appendAuditEvent(db, {
      actor: principal?.email ?? "anonymous",
      actorRole: principal?.role ?? null,
      action: "catalog.export",
      target: "catalog_columns",
      summary: { format },
      requestId: c.get("requestId"),
      sourceIp: sourceIp(c) ?? null,
    });
    const chunks = exportCatalog(db, format);
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) {
          controller.close();
          return;
        }
        controller.enqueue(encoder.encode(next.value));
      },
      async cancel() {
        await chunks.return(undefined);
      },
    });
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    return c.body(body, 200, {
      "content-type":
        format === "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8",
      "content-disposition": `attachment; filename="catalog-${stamp}.${format}"`,
      "cache-control": "no-store",
    }) as never;
  },
);
