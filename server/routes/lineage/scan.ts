import { createRoute, z } from "@hono/zod-openapi";
import { JOBS } from "../../../jobs/registry.ts";
import { jobQueuesOf } from "../../api/context.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";

export const scanLineageRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/lineage/scan",
    tags: ["lineage"],
    summary:
      "Extract lineage from both stores now (enqueues the lineage job; follow it under jobs)",
    request: {
      body: { required: false, content: { "application/json": { schema: z.strictObject({}) } } },
    },
    responses: {
      202: jsonResponse(z.object({ jobId: z.string(), queue: z.literal("lineage") }), "Enqueued"),
      ...errorResponses,
    },
  }),
  "catalog:scan",
  async (c) => {
    if (!JOBS.lineage) {
      throw new AppError("unavailable", "The lineage job is not installed in this version.");
    }
    const deps = c.get("deps");
    const principal = c.get("principal");
    let jobId: string;
    try {
      jobId = await (deps.enqueue ?? jobQueuesOf(deps).enqueue)(
        "lineage",
        {},
        principal?.email ?? "api",
      );
    } catch (error) {
      deps.logger.error("lineage enqueue failed", { error: (error as Error).message });
      throw new AppError(
        "unavailable",
        "Could not queue the scan: the job queue (Redis) is not reachable.",
      );
    }
    c.set("audit", { action: "lineage.scan", target: `job:lineage/${jobId}`, summary: {} });
    return c.json({ jobId, queue: "lineage" as const }, 202);
  },
);
