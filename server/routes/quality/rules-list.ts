import { createRoute, z } from "@hono/zod-openapi";
import { listRules } from "../../../jobs/quality/rules.repository.ts";
import { rulesOverview } from "../../../jobs/quality/service.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { ZRuleOverview } from "./schemas.ts";

export const listQualityRulesRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/quality/rules",
    tags: ["quality"],
    summary:
      "Data-quality rules (built-in files and stored versions) with last score and recent scores",
    responses: {
      200: jsonResponse(z.object({ rules: z.array(ZRuleOverview) }), "Every rule"),
      ...errorResponses,
    },
  }),
  "quality:read",
  async (c) => {
    const { db } = c.get("deps");
    const rules = await rulesOverview(db, await listRules(db));
    return c.json({ rules }, 200);
  },
);
