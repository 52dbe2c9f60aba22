import { createRoute, z } from "@hono/zod-openapi";
import { QUEUE_NAMES } from "../../../jobs/queues.ts";
import { JOBS } from "../../../jobs/registry.ts";
import { readSchedule, scheduleState } from "../../../jobs/schedules.ts";
import { ZQueueState } from "../../../schema/contracts/jobs.ts";
import { jobQueuesOf } from "../../api/context.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { payloadFields } from "./payload-fields.ts";

export const listJobs = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/jobs",
    tags: ["jobs"],
    summary:
      "Every queue: whether it has a job, its configured schedule, the scheduler the queue really holds, and its job counts (503 while Redis is unavailable)",
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
        const schedule = definition
          ? await readSchedule(deps.db, queue, definition.defaultCron)
          : null;
        const [actual, counts] = await Promise.all([jobs.scheduler(queue), jobs.counts(queue)]);
        return {
          queue,
          defined: definition !== undefined,
          payload: definition ? payloadFields(definition.payload) : null,
          schedule,
          scheduler: {
            state: scheduleState(schedule, actual),
            pattern: actual?.pattern ?? null,
            nextRunAt: actual?.next?.toISOString() ?? null,
          },
          counts,
        };
      }),
    );
    return c.json({ queues }, 200);
  },
);
