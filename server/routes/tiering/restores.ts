import { createRoute, z } from "@hono/zod-openapi";
import { currentTieringPolicies } from "../../../jobs/tiering/policies.ts";
import { ZRestoreRequest } from "../../../schema/domain/tiering.ts";
import { jobQueuesOf } from "../../api/context.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";

export const tierRestoreRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/tiering/restores",
    tags: ["tiering"],
    summary: "Restore a range (a table, optionally a tenant, dates) back to hot; verified, audited",
    request: { body: jsonBody(ZRestoreRequest) },
    responses: {
      202: jsonResponse(z.object({ jobId: z.string() }), "Enqueued"),
      ...errorResponses,
    },
  }),
  "tiering:restore",
  async (c) => {
    const deps = c.get("deps");
    const body = c.req.valid("json");
    const tables = (await currentTieringPolicies(deps.db)).map((e) => e.policy.table);
    if (!tables.includes(body.table)) {
      throw new AppError("invalid_request", `No tiering policy for table ${body.table}.`, [
        { path: "table", message: `must be one of ${tables.join(", ")}` },
      ]);
    }
    if (new Date(body.from).getTime() >= new Date(body.to).getTime()) {
      throw new AppError("invalid_request", "from must be before to", [
        { path: "from", message: "must be before to" },
      ]);
    }
    const actor = c.get("principal")?.email ?? "api";
    const payload = {
      action: "restore",
      table: body.table,
      tenantId: body.tenantId ?? null,
      from: body.from,
      to: body.to,
    };
    const jobId = deps.enqueue
      ? await deps.enqueue("tier", payload, actor)
      : await jobQueuesOf(deps).enqueue("tier", payload, actor);
    c.set("audit", {
      action: "tiering.restore",
      target: `public.${body.table}`,
      summary: { jobId, ...payload },
    });
    return c.json({ jobId }, 202);
  },
);
