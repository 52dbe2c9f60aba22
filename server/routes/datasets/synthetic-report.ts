import { createRoute, z } from "@hono/zod-openapi";
import { DEFAULT_THRESHOLDS, findReport } from "../../../masking/synthetic/index.ts";
import { judgeReport } from "../../../masking/synthetic/report.ts";
import { ZSyntheticReport } from "../../../schema/contracts/synthetic.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { notFound, ZUuidParam } from "./schemas.ts";

/** Other limits than the run's: the stored comparison judged again (a distance in [0, 1]). */
const ZQuery = z.strictObject({
  ks: z.coerce.number().min(0).max(1).optional(),
  tvd: z.coerce.number().min(0).max(1).optional(),
});

export const syntheticReportRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/datasets/{id}/synthetic-report",
    tags: ["synthetic"],
    summary:
      "Real against synthetic per table and column: KS or TVD with a pass/fail verdict, and binned data for plots",
    request: { params: ZUuidParam, query: ZQuery },
    responses: {
      200: jsonResponse(ZSyntheticReport, "The comparison"),
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
    const query = c.req.valid("query");
    const stored = found.report;
    const base = stored.thresholds ?? DEFAULT_THRESHOLDS;
    const report =
      stored.tables && (query.ks !== undefined || query.tvd !== undefined)
        ? judgeReport(stored, { ks: query.ks ?? base.ks, tvd: query.tvd ?? base.tvd })
        : stored;
    return c.json(
      {
        profileId: found.profileId,
        createdAt: found.createdAt,
        columns: report.columns,
        worst: report.worst,
        tables: report.tables ?? [],
        thresholds: report.tables ? (report.thresholds ?? null) : null,
        pass: report.tables ? (report.pass ?? null) : null,
      },
      200,
    );
  },
);
