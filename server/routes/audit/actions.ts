import { createRoute } from "@hono/zod-openapi";
import { ZAuditActions } from "../../../schema/contracts/audit.ts";
import { auditActions } from "../../../schema/governance/audit-query.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";

export const listAuditActions = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/audit/actions",
    tags: ["audit"],
    summary: "The distinct actions in the audit trail, with how often each occurs (for filters)",
    responses: {
      200: jsonResponse(ZAuditActions, "The actions, alphabetically"),
      ...errorResponses,
    },
  }),
  "audit:read",
  async (c) => c.json({ items: await auditActions(c.get("deps").db) }, 200),
);
