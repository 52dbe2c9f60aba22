import { createRoute, z } from "@hono/zod-openapi";
import { QUEUE_NAMES } from "../../../jobs/queues.ts";
import { JOBS } from "../../../jobs/registry.ts";
import { readSchedule } from "../../../jobs/schedules.ts";
import { jobQueuesOf } from "../../api/context.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";

const ZQueueState = z
  .object({
    queue: z.string(),
    defined: z.boolean(),
    schedule: z.object({ cron: z.string(), enabled: z.boolean() }).nullable(),
    counts: z.object({
      waiting: z.number().int(),
      active: z.number().int(),
      completed: z.number().int(),
      failed: z.number().int(),
      delayed: z.number().int(),
    }),
  })
  .openapi("QueueState");

export const listJobs = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/jobs",
    tags: ["jobs"],
    summary: "Every queue: whether it has a job, its schedule and its job counts",
    responses: {
      200: jsonResponse(z.object({ queues: z.array(ZQueueState) }), "The queues"),
      ...errorResponses,
    },
  }),
  "jobs:read",
  async (c) => {
    const deps = c.get("deps");
    const jobs = jobQueuesOf(deps);
    const queues = await Promise.all(
      QUEUE_NAMES.map(async (queue) => {
        const definition = JOBS[queue];
        return {
          queue,
          defined: definition !== undefined,
          schedule: definition ? await readSchedule(deps.db, queue, definition.defaultCron) : null,
          counts: await jobs.counts(queue),
        };
      }),
    );
    return c.json({ queues }, 200);
  },
);
