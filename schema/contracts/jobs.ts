// The jobs API's wire shapes (server/routes/jobs/*), defined once for the routes and the console.
import { z } from "@hono/zod-openapi";
import { SCHEDULE_STATES } from "../domain/schedules.ts";

export const RUN_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;

/** One field of a job's payload, for the console's run form (from the job's zod payload). */
export const ZPayloadField = z
  .object({
    name: z.string(),
    kind: z.enum(["integer", "number", "string", "boolean", "list"]),
    /** For a list: the values it may hold (a multi-select); null for free text items. */
    options: z.array(z.string()).nullable(),
    minimum: z.number().nullable(),
    maximum: z.number().nullable(),
    maxItems: z.number().int().nullable(),
    required: z.boolean(),
    description: z.string().nullable(),
  })
  .openapi("JobPayloadField");

export const ZQueueState = z
  .object({
    queue: z.string(),
    defined: z.boolean(),
    payload: z
      .array(ZPayloadField)
      .nullable()
      .describe(
        "The fields a run may be given (all optional: a run without them uses the job's defaults); null when the job takes no form-shaped payload",
      ),
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

export const ZJobRun = z
  .object({
    id: z.string(),
    queue: z.string(),
    jobName: z.string(),
    queueJobId: z.string().nullable(),
    status: z.enum(RUN_STATUSES),
    attempt: z.number().int(),
    progress: z.number().min(0).max(100).nullable(),
    counts: z.record(z.string(), z.unknown()),
    error: z.string().nullable(),
    triggeredBy: z.string().nullable(),
    queuedAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    durationMs: z.number().int().nullable(),
  })
  .openapi("JobRun");

export type TPayloadField = z.infer<typeof ZPayloadField>;
export type TQueueState = z.infer<typeof ZQueueState>;
export type TJobRun = z.infer<typeof ZJobRun>;
export type TJobRunStatus = TJobRun["status"];
