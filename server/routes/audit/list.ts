import { createRoute, z } from "@hono/zod-openapi";
import { listAuditEvents } from "../../../schema/governance/audit-query.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { auditFilterFields, queryInt, toAuditFilter, ZAuditEvent } from "./filters.ts";

const ZQuery = z.strictObject({
  ...auditFilterFields,
  page: queryInt(1, 1_000_000, 1),
  pageSize: queryInt(1, 200, 50),
});

export const listAudit = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/audit",
    tags: ["audit"],
    summary: "The audit trail, filtered and paged",
    request: { query: ZQuery },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(ZAuditEvent), total: z.number().int() }),
        "One page of audit events",
      ),
      ...errorResponses,
    },
  }),
  "audit:read",
  async (c) => {
    const query = c.req.valid("query");
    const result = await listAuditEvents(c.get("deps").db, toAuditFilter(query), {
      page: query.page,
      pageSize: query.pageSize,
      order: query.sort,
    });
    return c.json(result, 200);
  },
);
