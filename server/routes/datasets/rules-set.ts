import { createRoute, z } from "@hono/zod-openapi";
import {
  type MaskingRule,
  setMaskingRule,
} from "../../../masking/rules/masking-rules.repository.ts";
import { STRATEGIES } from "../../../masking/strategies/strategies.ts";
import { ZStrategyParams } from "../../../schema/contracts/datasets-controls.ts";
import { can } from "../../../schema/domain/permissions.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { noNul } from "../users/schemas.ts";
import { conflict, engine, requirePrincipal } from "./schemas.ts";

// Names are checked against the catalog by the engine (unknown → 400) and only ever travel as
// bound values; here they just need to be plausible.
const ident = z
  .string()
  .min(1)
  .max(63)
  .regex(/^\S+$/, "a column or table name")
  .refine(...noNul);
export const ZRuleTarget = {
  table: ident,
  column: ident,
  jsonPath: z
    .string()
    .max(300)
    .regex(/^[A-Za-z0-9_.[\]-]*$/, "a JSONB key path such as address.street or items[].email")
    .optional(),
};

const ZSetRule = z
  .strictObject({
    ...ZRuleTarget,
    strategy: z.enum(STRATEGIES),
    params: ZStrategyParams.optional(),
    reason: z.string().trim().max(1000).optional(),
  })
  .openapi("SetMaskingRuleRequest");

export const ZRuleResult = z.object({
  id: z.string(),
  table: z.string(),
  column: z.string(),
  jsonPath: z.string(),
  strategy: z.string(),
  version: z.number(),
  setBy: z.string(),
  reason: z.string().nullable(),
});

/** A rule as the set and allow routes answer it. */
export function toWireRule(rule: MaskingRule): z.infer<typeof ZRuleResult> {
  return {
    id: rule.id,
    table: rule.table,
    column: rule.column,
    jsonPath: rule.jsonPath,
    strategy: rule.strategy,
    version: rule.version,
    setBy: rule.setBy,
    reason: rule.reason,
  };
}

/** The audit target of a rule: `column:table.column`, or `column:table.column:path`. */
export function ruleAuditTarget(rule: MaskingRule): string {
  return `column:${rule.table}.${rule.column}${rule.jsonPath ? `:${rule.jsonPath}` : ""}`;
}

export const setMaskingRuleRoute = defineRoute(
  createRoute({
    method: "put",
    path: "/api/v1/masking/rules",
    tags: ["masking"],
    summary: "Set the masking rule of a column or JSONB path (a new version; the old ones kept)",
    request: { body: jsonBody(ZSetRule) },
    responses: {
      200: jsonResponse(ZRuleResult, "The rule now in force"),
      ...errorResponses,
      ...conflict,
    },
  }),
  "masking:strategy",
  async (c) => {
    const principal = requirePrincipal(c.get("principal"));
    const body = c.req.valid("json");
    // Engineers pick among masking strategies; copying a column as is stays a steward's call.
    if (body.strategy === "allow" && !can(principal.role, "masking:rules")) {
      throw new AppError(
        "forbidden",
        `The ${principal.role} role may not allow a column as is (masking:rules): ask a steward.`,
      );
    }
    const rule = await engine(() =>
      setMaskingRule(c.get("deps").db, {
        ...body,
        reason: body.reason ?? null,
        setBy: principal.email,
      }),
    );
    c.set("audit", {
      action: "masking.rules.set",
      target: ruleAuditTarget(rule),
      summary: {
        strategy: rule.strategy,
        params: rule.params,
        version: rule.version,
        reason: rule.reason,
      },
    });
    return c.json(toWireRule(rule), 200);
  },
);
