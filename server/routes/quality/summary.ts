import { createRoute } from "@hono/zod-openapi";
import { listRules } from "../../../jobs/quality/rules.repository.ts";
import { qualitySummary } from "../../../jobs/quality/service.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { ZSummary } from "./schemas.ts";

export const qualitySummaryRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/quality/summary",
    tags: ["quality"],
    summary: "Quality figures for the overview: rules, latest verdicts, open incidents",
    responses: { 200: jsonResponse(ZSummary, "Figures"), ...errorResponses },
  }),
  "quality:read",
  async (c) => {
    const { db } = c.get("deps");
    const rules = (await listRules(db)).filter((r) => r.rule.enabled).length;
    return c.json(await qualitySummary(db, rules), 200);
  },
);
