import { createRoute, z } from "@hono/zod-openapi";
import { effectiveMaskingRules } from "../../../masking/rules/effective.ts";
import { ZRuleRow } from "../../../schema/contracts/datasets.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";

const ZQuery = z.strictObject({
  table: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, "a table name")
    .optional(),
});

export const listMaskingRulesRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/masking/rules",
    tags: ["masking"],
    summary:
      "The rule in force for every personal-data column and JSONB path: a steward's, or the category default",
    request: { query: ZQuery },
    responses: {
      200: jsonResponse(z.object({ items: z.array(ZRuleRow) }), "Rules by table, column, path"),
      ...errorResponses,
    },
  }),
  "masking:read",
  async (c) => {
    const items = await effectiveMaskingRules(c.get("deps").db, {
      table: c.req.valid("query").table,
    });
    return c.json({ items }, 200);
  },
);
