import { createRoute, z } from "@hono/zod-openapi";
import { defineRoute } from "../../api/define-route.ts";
import { jsonResponse } from "../../api/schemas.ts";
import { checkHealth } from "../../health.ts";

const ZCheck = z.object({
  ok: z.boolean(),
  latencyMs: z.number(),
  version: z.string().optional(),
  error: z.string().optional(),
});
const ZHealth = z
  .object({
    status: z.enum(["ok", "degraded"]),
    checks: z.object({ postgres: ZCheck, redis: ZCheck, clickhouse: ZCheck }),
  })
  .openapi("Health");

export const getHealth = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/health",
    tags: ["system"],
    summary: "Whether every store govern depends on answers",
    responses: {
      200: jsonResponse(ZHealth, "All stores answer"),
      503: jsonResponse(ZHealth, "At least one store does not answer"),
    },
  }),
  "public",
  async (c) => {
    const report = await checkHealth(c.get("deps"));
    return report.status === "ok" ? c.json(report, 200) : c.json(report, 503);
  },
);
