import { createRoute, z } from "@hono/zod-openapi";
import { setMaskingRule } from "../../../masking/rules/masking-rules.repository.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import { ZRuleResult, ZRuleTarget } from "./rules-set.ts";
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
    const target = `${rule.table}.${rule.column}${rule.jsonPath ? `:${rule.jsonPath}` : ""}`;
    c.set("audit", {
      action: "masking.rules.allow",
      target: `column:${target}`,
      summary: { reason: rule.reason, version: rule.version },
    });
    return c.json(
      {
        id: rule.id,
        table: rule.table,
        column: rule.column,
        jsonPath: rule.jsonPath,
        strategy: rule.strategy,
        version: rule.version,
        setBy: rule.setBy,
        reason: rule.reason,
      },
      200,
    );
  },
);
