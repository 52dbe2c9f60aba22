import { createRoute, z } from "@hono/zod-openapi";
import { runQuality } from "../../../jobs/quality/run.ts";
import { checkRuleTargets } from "../../../jobs/quality/service.ts";
import { parseQualityRule } from "../../../rules/quality/loader.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import { asRuleErrors, toWireResult, ZRuleBody, ZRunResponse } from "./schemas.ts";

const ZPreviewRequest = z.strictObject({ rule: ZRuleBody }).openapi("PreviewQualityRuleRequest");

export const previewQualityRuleRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/quality/rules/preview",
    tags: ["quality"],
    summary:
      "Dry run of an unsaved rule against live data: scores per tenant, nothing stored, no alert",
    request: { body: jsonBody(ZPreviewRequest) },
    responses: {
      200: jsonResponse(ZRunResponse, "What the rule would report now"),
      ...errorResponses,
    },
  }),
  "quality:rules",
  async (c) => {
    const { rule: raw } = c.req.valid("json");
    const deps = c.get("deps");
    const rule = await asRuleErrors(async () => {
      const parsed = parseQualityRule(raw);
      await checkRuleTargets(deps.db, parsed);
      return parsed;
    });
    const report = await runQuality(
      { db: deps.db, analytics: deps.analytics },
      { rules: [{ rule, version: 0, source: "preview" }], dryRun: true },
    );
    c.set("audit", { action: "quality.rules.preview", target: `quality_rules:${rule.id}` });
    return c.json({ ...report, results: report.results.map(toWireResult) }, 200);
  },
);
