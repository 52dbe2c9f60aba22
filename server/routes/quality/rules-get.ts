import { createRoute, z } from "@hono/zod-openapi";
import { listRules } from "../../../jobs/quality/rules.repository.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { ZRuleDetail, ZRuleIdParams } from "./schemas.ts";

export const getQualityRuleRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/quality/rules/{id}",
    tags: ["quality"],
    summary: "One rule's definition and its stored versions",
    request: { params: ZRuleIdParams },
    responses: {
      200: jsonResponse(ZRuleDetail, "The rule"),
      404: jsonResponse(z.object({ error: z.unknown() }), "No such rule"),
      ...errorResponses,
    },
  }),
  "quality:read",
  async (c) => {
    const { id } = c.req.valid("param");
    const { db } = c.get("deps");
    const record = /^[a-z0-9_]{1,100}$/.test(id)
      ? (await listRules(db)).find((r) => r.rule.id === id)
      : undefined;
    if (!record) {
      throw new AppError("not_found", "No quality rule has this id.");
    }
    const versions = await db
      .selectFrom("governance.quality_rule_versions")
      .select(["version", "changed_by", "changed_at"])
      .where("rule_id", "=", id)
      .orderBy("version", "desc")
      .execute();
    return c.json(
      {
        rule: record.rule as unknown as Record<string, unknown>,
        version: record.version,
        source: record.source,
        versions: versions.map((v) => ({
          version: v.version,
          changedBy: v.changed_by,
          changedAt: v.changed_at.toISOString(),
        })),
      },
      200,
    );
  },
);
