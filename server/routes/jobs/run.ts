import { createRoute, z } from "@hono/zod-openapi";
import { jobQueuesOf } from "../../api/context.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { definedQueue, ZQueueParams } from "./queue-param.ts";

const ZRunRequest = z
  .strictObject({ payload: z.record(z.string(), z.unknown()).optional() })
  .openapi("RunJobRequest");

export const runJob = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/jobs/{queue}/run",
    tags: ["jobs"],
    summary: "Enqueue a run of a queue's job; the payload is checked against the job's schema",
    request: {
      params: ZQueueParams,
      // Optional body: `POST` with none runs the job with its defaults.
      body: { required: false, content: { "application/json": { schema: ZRunRequest } } },
    },
    responses: {
      202: jsonResponse(z.object({ jobId: z.string() }), "Enqueued"),
      ...errorResponses,
    },
  }),
  "jobs:run",
  async (c) => {
    const { queue, definition } = definedQueue(c.req.valid("param").queue);
    const body = c.req.valid("json") ?? {};
    const payload = body.payload ?? {};
    const parsed = definition.payload.safeParse(payload);
    if (!parsed.success) {
      throw new AppError(
        "invalid_request",
        `The payload is not valid for the ${queue} job.`,
        parsed.error.issues.map((i) => ({
          path: ["payload", ...i.path].join("."),
          message: i.message,
        })),
      );
    }
    const principal = c.get("principal");
    const jobId = await jobQueuesOf(c.get("deps")).enqueue(
      queue,
      payload,
      principal?.email ?? "api",
    );
    c.set("audit", {
      action: `job.${queue}.run`,
      target: `job:${queue}/${jobId}`,
      summary: { payload },
    });
    return c.json({ jobId }, 202);
  },
);
