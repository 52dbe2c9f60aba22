import { createRoute } from "@hono/zod-openapi";
import { ZVerifyResult } from "../../../schema/contracts/audit.ts";
import { verifyAuditChain } from "../../../schema/governance/audit-verify.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";

export const verifyAudit = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/audit/verify",
    tags: ["audit"],
    summary: "Walk the audit hash chain and name the first broken row",
    responses: { 200: jsonResponse(ZVerifyResult, "The verification result"), ...errorResponses },
  }),
  "audit:verify",
  async (c) => {
    const result = await verifyAuditChain(c.get("deps").db);
    c.set("audit", {
      action: "audit.verify",
      target: "audit_events",
      summary: { ok: result.ok, checked: result.checked, firstBroken: result.firstBroken },
    });
    return c.json(result, 200);
  },
);
