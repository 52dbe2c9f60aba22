import { createRoute, z } from "@hono/zod-openapi";
import { previewColumnRule } from "../../../masking/rules/preview.ts";
import { STRATEGIES } from "../../../masking/strategies/strategies.ts";
import { ZRulePreview, ZStrategyParams } from "../../../schema/contracts/datasets-controls.ts";
import { can } from "../../../schema/domain/permissions.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import { ZRuleTarget } from "./rules-set.ts";
import { engine, requirePrincipal } from "./schemas.ts";

const ZPreviewRequest = z
  .strictObject({
    ...ZRuleTarget,
    /** The draft rule; omitted: the rule in force. */
    strategy: z.enum(STRATEGIES).optional(),
    params: ZStrategyParams.optional(),
    limit: z.number().int().min(1).max(20).optional(),
  })
  .openapi("MaskingRulePreviewRequest");

/**
 * Before/after on a few source rows for a draft rule, computed by the copy's own masking code
 * (masking/rules/preview.ts). "Before" is masked as catalog evidence for everyone but roles with
 * `masking:raw`, whose raw look is audited. Changes nothing.
 */
export const previewMaskingRuleRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/masking/rules/preview",
    tags: ["masking"],
    summary:
      "Preview a column's masking rule (draft or in force) on sample rows: before and the copy's real output",
    request: { body: jsonBody(ZPreviewRequest) },
    responses: {
      200: jsonResponse(ZRulePreview, "Before and after, row by row"),
      ...errorResponses,
    },
  }),
  "masking:read",
  async (c) => {
    const principal = requirePrincipal(c.get("principal"));
    const body = c.req.valid("json");
    const raw = can(principal.role, "masking:raw");
    const preview = await engine(() =>
      previewColumnRule(c.get("deps"), {
        table: body.table,
        column: body.column,
        jsonPath: body.jsonPath,
        strategy: body.strategy,
        params: body.params,
        limit: body.limit,
        raw,
      }),
    );
    if (raw) {
      c.set("audit", {
        action: "masking.rules.preview_raw",
        target: `column:${body.table}.${body.column}${body.jsonPath ? `:${body.jsonPath}` : ""}`,
        summary: { rows: preview.rows.length, strategy: preview.strategy },
      });
    }
    return c.json(preview, 200);
  },
);
