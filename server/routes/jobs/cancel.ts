import { createRoute, z } from "@hono/zod-openapi";
import { jobQueuesOf } from "../../api/context.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { definedQueue, ZQueueParams } from "./queue-param.ts";

const ZCancel = z.strictObject({ jobId: z.string().min(1).max(200) }).openapi("CancelJobRequest");

export const cancelJob = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/jobs/{queue}/cancel",
    tags: ["jobs"],
    summary: "Cancel a job that is still waiting or delayed (a started job cannot be)",
    request: { params: ZQueueParams, body: jsonBody(ZCancel) },
    responses: {
      200: jsonResponse(z.object({ jobId: z.string(), cancelled: z.literal(true) }), "Cancelled"),
      ...errorResponses,
      404: { description: "No such job in this queue" },
      409: { description: "The job is no longer waiting" },
    },
  }),
  "jobs:run",
  async (c) => {
    const { queue } = definedQueue(c.req.valid("param").queue);
    const { jobId } = c.req.valid("json");
    c.set("audit", { action: `job.${queue}.cancel`, target: `job:${queue}/${jobId}` });
    const outcome = await jobQueuesOf(c.get("deps")).cancel(queue, jobId);
    if (outcome === "not_found") {
      throw new AppError("not_found", `No job ${jobId} in the ${queue} queue.`);
    }
    if (outcome === "not_waiting") {
      throw new AppError(
        "conflict",
        `Job ${jobId} is not waiting (started, finished, or a schedule's next run: change the schedule instead); only waiting jobs can be cancelled.`,
      );
    }
    return c.json({ jobId, cancelled: true as const }, 200);
  },
);
