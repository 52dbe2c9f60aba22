import { createRoute, z } from "@hono/zod-openapi";
import { QueueUnavailableError } from "../../../jobs/queues.ts";
import { cronProblem, saveSchedule } from "../../../jobs/schedules.ts";
import { jobQueuesOf } from "../../api/context.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { definedQueue, ZQueueParams } from "./queue-param.ts";

const ZScheduleBody = z
  .strictObject({
    cron: z.string().trim().min(9).max(100).openapi({ example: "15 * * * *" }),
    enabled: z.boolean(),
  })
  .openapi("Schedule");

export const putSchedule = defineRoute(
  createRoute({
    method: "put",
    path: "/api/v1/jobs/{queue}/schedule",
    tags: ["jobs"],
    summary:
      "Set a queue's cron (UTC, 5 fields) or disable it, or re-apply it (a missing schedule); kept across restarts",
    request: { params: ZQueueParams, body: jsonBody(ZScheduleBody) },
    responses: { 200: jsonResponse(ZScheduleBody, "The schedule now in force"), ...errorResponses },
  }),
  "schedules:write",
  async (c) => {
    const { queue } = definedQueue(c.req.valid("param").queue);
    const schedule = c.req.valid("json");
    const problem = cronProblem(schedule.cron);
    if (problem) {
      throw new AppError("invalid_request", `Not a valid cron expression: ${problem}`, [
        { path: "cron", message: problem },
      ]);
    }
    const deps = c.get("deps");
    const jobs = jobQueuesOf(deps);
    if (!jobs.available()) {
      // Refused whole, nothing stored: the admin sees the change did not happen.
      throw new QueueUnavailableError("the schedule was not changed");
    }
    // Stored first: should the BullMQ update fail, the worker's schedule check applies it.
    await saveSchedule(deps.db, queue, schedule, c.get("principal")?.email ?? "api");
    await jobs.applySchedule(queue, schedule);
    c.set("audit", {
      action: `schedule.${queue}.update`,
      target: `queue:${queue}`,
      summary: schedule,
    });
    return c.json(schedule, 200);
  },
);
