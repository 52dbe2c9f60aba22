import { createRoute, z } from "@hono/zod-openapi";
import { findReport } from "../../../masking/synthetic/index.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { notFound, ZUuidParam } from "./schemas.ts";

const ZComparison = z.object({
  column: z.string(),
  kind: z.enum(["numeric", "categorical"]),
  statistic: z.enum(["ks", "tvd"]),
  value: z.number(),
  realTotal: z.number(),
  syntheticTotal: z.number(),
  real: z.array(z.number()),
  synthetic: z.array(z.number()),
  edges: z.array(z.number()).optional(),
  logScale: z.boolean().optional(),
  labels: z.array(z.string()).optional(),
  chiSquare: z.object({ statistic: z.number(), df: z.number() }).optional(),
});

export const syntheticReportRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/datasets/{id}/synthetic-report",
    tags: ["synthetic"],
    summary: "Real against synthetic per fitted column: KS or TVD, with binned data for plots",
    request: { params: ZUuidParam },
    responses: {
      200: jsonResponse(
        z
          .object({
            profileId: z.string(),
            createdAt: z.string(),
            columns: z.array(ZComparison),
            worst: z.object({ ks: z.number(), tvd: z.number() }),
          })
          .openapi("SyntheticReport"),
        "The comparison",
      ),
      ...errorResponses,
      ...notFound,
    },
  }),
  "masking:read",
  async (c) => {
    const found = await findReport(c.get("deps").db, c.req.valid("param").id);
    if (!found) {
      throw new AppError("not_found", "No synthetic report for this dataset (yet).");
    }
    return c.json(
      {
        profileId: found.profileId,
        createdAt: found.createdAt,
        columns: found.report.columns,
        worst: found.report.worst,
      },
      200,
    );
  },
);
