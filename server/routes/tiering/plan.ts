import { createRoute } from "@hono/zod-openapi";
import { planTiering } from "../../../jobs/tiering/planner.ts";
import { ZTierPlan } from "../../../schema/domain/tiering.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";

export const tierPlanRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/tiering/plan",
    tags: ["tiering"],
    summary: "What the next tiering run would move, and what stays (with the reason)",
    responses: { 200: jsonResponse(ZTierPlan, "The plan"), ...errorResponses },
  }),
  "tiering:read",
  async (c) => {
    const plan = await planTiering(c.get("deps"), { readOnly: true });
    return c.json(
      {
        moves: plan.moves.map((m) => ({
          table: m.table,
          from: m.from,
          to: m.to,
          rows: m.rows,
          partition: m.partition,
        })),
        skipped: plan.skipped,
        warm: plan.warm,
      },
      200,
    );
  },
);
