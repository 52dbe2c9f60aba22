import { createRoute, z } from "@hono/zod-openapi";
import { tierStatus } from "../../../jobs/tiering/read.ts";
import { ZTierStatus } from "../../../schema/domain/tiering.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";

const GB = 1024 ** 3;

export const tierStatusRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/tiering/status",
    tags: ["tiering"],
    summary: "Rows and bytes per table and tier, read from the stores, with the monthly cost",
    request: {
      query: z.strictObject({
        /** Exact row counts (one counting statement per store) instead of the stores' estimates. */
        exact: z.enum(["true", "false"]).optional(),
      }),
    },
    responses: { 200: jsonResponse(ZTierStatus, "Storage by tier"), ...errorResponses },
  }),
  "tiering:read",
  async (c) => {
    const deps = c.get("deps");
    const prices = deps.config.tiering.pricesPerGbMonth;
    const status = await tierStatus(deps, { exact: c.req.valid("query").exact === "true" });
    const tables = status.tables.map((t) => ({
      ...t,
      monthlyCost:
        (t.tiers.hot.bytes * prices.hot +
          t.tiers.warm.bytes * prices.warm +
          t.tiers.cold.bytes * prices.cold +
          t.tiers.archive.bytes * prices.archive) /
        GB,
    }));
    return c.json(
      {
        tables,
        exact: status.exact,
        pricesPerGbMonth: prices,
        monthlyCost: tables.reduce((s, t) => s + t.monthlyCost, 0),
      },
      200,
    );
  },
);
