import { createRoute, z } from "@hono/zod-openapi";
import { sampleRows } from "../../../jobs/quality/service.ts";
import { can } from "../../../schema/domain/permissions.ts";
import { appendAuditEvent } from "../../../schema/governance/audit-events.repository.ts";
import { defineRoute } from "../../api/define-route.ts";
import { sourceIp } from "../../api/request-meta.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { ZIdParams, ZSamples } from "./schemas.ts";

export const qualitySamplesRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/quality/results/{id}/samples",
    tags: ["quality"],
    summary:
      "Failing rows of a result: keys with values masked by the catalog category; raw values need quality:raw and are audited",
    request: {
      params: ZIdParams,
      query: z.strictObject({ raw: z.enum(["true", "false"]).optional() }),
    },
    responses: {
      200: jsonResponse(ZSamples, "Failing rows"),
      404: jsonResponse(z.object({ error: z.unknown() }), "No such result"),
      ...errorResponses,
    },
  }),
  "quality:read",
  async (c) => {
    const { id } = c.req.valid("param");
    const raw = c.req.valid("query").raw === "true";
    const principal = c.get("principal");
    if (raw && (!principal || !can(principal.role, "quality:raw"))) {
      throw new AppError(
        "forbidden",
        `The ${principal?.role ?? "anonymous"} role may not see raw values (quality:raw).`,
      );
    }
    const { db } = c.get("deps");
    const samples = await sampleRows(db, id, { raw });
    if (!samples) {
      throw new AppError("not_found", "No quality result has this id.");
    }
    if (raw) {
      await appendAuditEvent(db, {
        actor: principal?.email ?? "anonymous",
        actorRole: principal?.role ?? null,
        action: "quality.samples.raw",
        target: `quality_result:${id}`,
        summary: { table: samples.table, column: samples.column, rows: samples.rows.length },
        requestId: c.get("requestId"),
        sourceIp: sourceIp(c) ?? null,
      });
    }
    return c.json(samples, 200);
  },
);
