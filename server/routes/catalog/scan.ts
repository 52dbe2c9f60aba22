import { createRoute, z } from "@hono/zod-openapi";
import { JOBS } from "../../../jobs/registry.ts";
import { jobQueuesOf } from "../../api/context.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";

const ZScanRequest = z
  .strictObject({
    stores: z
      .array(z.enum(["postgres", "clickhouse"]))
      .min(1)
      .max(2)
      .optional()
      .openapi({ description: "Which stores to scan (default: both)" }),
  })
  .openapi("CatalogScanRequest");

export const scanCatalogRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/catalog/scan",
    tags: ["catalog"],
    summary: "Scan and classify every store now (enqueues the classify job; follow it under jobs)",
    request: {
      body: { required: false, content: { "application/json": { schema: ZScanRequest } } },
    },
    responses: {
      202: jsonResponse(z.object({ jobId: z.string(), queue: z.literal("classify") }), "Enqueued"),
      503: {
        description: "The classify job is not available",
        content: { "application/json": { schema: z.unknown() } },
      },
      ...errorResponses,
    },
  }),
  "catalog:scan",
  async (c) => {
    const definition = JOBS.classify;
    if (!definition) {
      throw new AppError("unavailable", "The classify job is not installed in this version.");
    }
    const body = c.req.valid("json") ?? {};
    const payload = body.stores ? { stores: [...new Set(body.stores)] } : {};
    const parsed = definition.payload.safeParse(payload);
    if (!parsed.success) {
      throw new AppError("unavailable", "The classify job needs options this route cannot give.");
    }
    const deps = c.get("deps");
    const principal = c.get("principal");
    let jobId: string;
    try {
      // The queue is shared: a worker in this process or in `govern worker` picks the job up.
      jobId = await (deps.enqueue ?? jobQueuesOf(deps).enqueue)(
        "classify",
        payload,
        principal?.email ?? "api",
      );
    } catch (error) {
      deps.logger.error("classify enqueue failed", { error: (error as Error).message });
      throw new AppError(
        "unavailable",
        "Could not queue the scan: the job queue (Redis) is not reachable. Try again shortly.",
      );
    }
    c.set("audit", {
      action: "catalog.scan",
      target: `job:classify/${jobId}`,
      summary: { payload },
    });
    return c.json({ jobId, queue: "classify" as const }, 202);
  },
);
