import { createRoute, z } from "@hono/zod-openapi";
import { runQuality } from "../../../jobs/quality/run.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { toWireResult, ZRunResponse } from "./schemas.ts";

const TABLE =
  /^(public\.)?[a-z_][a-z0-9_]{0,62}$|^clickhouse:[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/;

const ZRunRequest = z
  .strictObject({
    // Shapes checked in the handler, after access: a refusal never depends on the body.
    table: z
      .string()
      .max(200)
      .optional()
      .openapi({ description: "payments, public.payments or clickhouse:db.table" }),
    rule: z.string().max(200).optional().openapi({ description: "a rule id ([a-z0-9_]+)" }),
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
    if (body.table !== undefined && !TABLE.test(body.table)) {
      throw new AppError(
        "invalid_request",
        "`table` must look like payments, public.payments or clickhouse:db.table.",
        [{ path: "table", message: "not a table reference" }],
      );
    }
    if (body.rule !== undefined && !/^[a-z0-9_]{1,100}$/.test(body.rule)) {
      throw new AppError("invalid_request", "`rule` must be a rule id ([a-z0-9_]+).", [
        { path: "rule", message: "not a rule id" },
      ]);
    }
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
