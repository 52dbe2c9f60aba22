import { createRoute, z } from "@hono/zod-openapi";
import { saveRule } from "../../../jobs/quality/rules.repository.ts";
import { checkRuleTargets } from "../../../jobs/quality/service.ts";
import { parseQualityRule, parseQualityRules } from "../../../rules/quality/loader.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { asRuleErrors, ZRuleBody } from "./schemas.ts";

const ZCreateRequest = z
  .strictObject({
    rule: ZRuleBody.optional().openapi({ description: "One rule as an object" }),
    yaml: z
      .string()
      .max(200_000)
      .optional()
      .openapi({ description: "Rule file text (one rule or a list)" }),
  })
  .openapi("CreateQualityRulesRequest");

export const createQualityRulesRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/quality/rules",
    tags: ["quality"],
    summary:
      "Validate and store rules (a new version each); a rejected rule stores nothing and names the problem",
    request: { body: jsonBody(ZCreateRequest) },
    responses: {
      200: jsonResponse(
        z.object({ rules: z.array(z.object({ id: z.string(), version: z.number() })) }),
        "The stored rules and their versions",
      ),
      ...errorResponses,
    },
  }),
  "quality:rules",
  async (c) => {
    const body = c.req.valid("json");
    if ((body.rule === undefined) === (body.yaml === undefined)) {
      throw new AppError("invalid_request", "Send either `rule` or `yaml`.", [
        { path: "rule", message: "exactly one of rule, yaml" },
      ]);
    }
    const { db } = c.get("deps");
    const actor = c.get("principal")?.email ?? "api";
    const rules = await asRuleErrors(async () => {
      const parsed =
        body.yaml !== undefined
          ? parseQualityRules(body.yaml, "yaml")
          : [parseQualityRule(body.rule)];
      for (const rule of parsed) {
        await checkRuleTargets(db, rule);
      }
      return parsed;
    });
    const stored: { id: string; version: number }[] = [];
    for (const rule of rules) {
      stored.push({ id: rule.id, version: await saveRule(db, rule, actor, "console") });
    }
    c.set("audit", {
      action: "quality.rules.save",
      target: `quality_rules:${stored.map((s) => s.id).join(",")}`,
      summary: { rules: stored, definitions: rules },
    });
    return c.json({ rules: stored }, 200);
  },
);
