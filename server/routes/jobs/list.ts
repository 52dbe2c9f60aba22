import { createRoute, z } from "@hono/zod-openapi";
import { QUEUE_NAMES } from "../../../jobs/queues.ts";
import { JOBS } from "../../../jobs/registry.ts";
import { readSchedule, scheduleState } from "../../../jobs/schedules.ts";
import { SCHEDULE_STATES } from "../../../schema/domain/schedules.ts";
import { jobQueuesOf } from "../../api/context.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";

const ZQueueState = z
  .object({
    queue: z.string(),
    defined: z.boolean(),
    schedule: z.object({ cron: z.string(), enabled: z.boolean() }).nullable(),
    scheduler: z
      .object({
        state: z.enum(SCHEDULE_STATES),
        /** The cron BullMQ holds (null when it holds none). */
        pattern: z.string().nullable(),
        nextRunAt: z.string().nullable(),
      })
      .openapi({
        description:
          "The schedule as the queue really holds it: `missing` when configured but absent (Redis lost it; the worker re-creates it, or an admin re-applies it)",
      }),
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
