import { createRoute, z } from "@hono/zod-openapi";
import { runQuality } from "../../../jobs/quality/run.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import { toWireResult, ZRunResponse } from "./schemas.ts";

const ZRunRequest = z
  .strictObject({
    table: z
      .string()
      .regex(
        /^(public\.)?[a-z_][a-z0-9_]{0,62}$|^clickhouse:[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/,
      )
      .optional(),
    rule: z
      .string()
      .regex(/^[a-z0-9_]{1,100}$/)
      .optional(),
  })
  .openapi("RunQualityRequest");

export const runQualityRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/quality/run",
    tags: ["quality"],
    summary:
      "Evaluate the enabled rules now (optionally one table or rule); results stored, incidents updated",
    request: { body: jsonBody(ZRunRequest) },
    responses: {
      200: jsonResponse(ZRunResponse, "The run's results"),
      ...errorResponses,
    },
  }),
  "quality:rules",
  async (c) => {
    const body = c.req.valid("json");
    const deps = c.get("deps");
    const report = await runQuality(
      { db: deps.db, analytics: deps.analytics, notify: deps.notify },
      { table: body.table, rule: body.rule, triggeredBy: c.get("principal")?.email ?? "api" },
    );
    c.set("audit", {
      action: "quality.run",
      target: body.rule
        ? `quality_rules:${body.rule}`
        : body.table
          ? `table:${body.table}`
          : "quality_rules",
      summary: {
        runId: report.runId,
        results: report.results.length,
        opened: report.incidents.opened.length,
      },
    });
    return c.json({ ...report, results: report.results.map(toWireResult) }, 200);
  },
);
