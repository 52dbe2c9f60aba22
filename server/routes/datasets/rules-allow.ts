import { createRoute, z } from "@hono/zod-openapi";
import { setMaskingRule } from "../../../masking/rules/masking-rules.repository.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import { ruleAuditTarget, toWireRule, ZRuleResult, ZRuleTarget } from "./rules-set.ts";
import { engine, requirePrincipal } from "./schemas.ts";

const ZAllow = z
  .strictObject({
    ...ZRuleTarget,
    reason: z.string().trim().min(3, "say why this column may be copied as is").max(1000),
  })
  .openapi("AllowAsIsRequest");

export const allowAsIsRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/masking/rules/allow",
    tags: ["masking"],
    summary: "Mark a column or JSONB path allowed as is (copied unmasked), with a reason",
    request: { body: jsonBody(ZAllow) },
    responses: { 200: jsonResponse(ZRuleResult, "The allow rule now in force"), ...errorResponses },
  }),
  "masking:rules",
  async (c) => {
    const principal = requirePrincipal(c.get("principal"));
    const body = c.req.valid("json");
    const rule = await engine(() =>
      setMaskingRule(c.get("deps").db, { ...body, strategy: "allow", setBy: principal.email }),
    );
    c.set("audit", {
      action: "masking.rules.allow",
      target: ruleAuditTarget(rule),
      summary: { reason: rule.reason, version: rule.version },
    });
    return c.json(toWireRule(rule), 200);
  },
);
