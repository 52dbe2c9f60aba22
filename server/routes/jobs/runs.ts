import { createRoute, z } from "@hono/zod-openapi";
import { listRuns } from "../../../jobs/job-runs.repository.ts";
import { isQueueName, QUEUE_NAMES } from "../../../jobs/queues.ts";
import { RUN_STATUSES, ZJobRun } from "../../../schema/contracts/jobs.ts";
import { jobQueuesOf } from "../../api/context.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";

/** A whole number written in decimal ("0x10", "1e3" and " 7" are refused, not reinterpreted). */
const queryInt = (min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .optional()
    .transform((n) => n ?? fallback)
    .openapi({ type: "integer", minimum: min, maximum: max, default: fallback });

const ZQuery = z.strictObject({
  queue: z.enum(QUEUE_NAMES).optional(),
  status: z.enum(RUN_STATUSES).optional(),
  page: queryInt(1, 1_000_000, 1),
  pageSize: queryInt(1, 200, 50),
  sort: z.enum(["asc", "desc"]).default("desc").openapi({ description: "Order by queuedAt" }),
});

export const listJobRuns = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/jobs/runs",
    tags: ["jobs"],
    summary: "Job runs with outcome, counts, duration and live progress, paged",
    request: { query: ZQuery },
    responses: {
      200: jsonResponse(z.object({ items: z.array(ZJobRun), total: z.number().int() }), "Runs"),
      ...errorResponses,
    },
  }),
  "jobs:read",
  async (c) => {
    const deps = c.get("deps");
    const query = c.req.valid("query");
    const jobs = jobQueuesOf(deps);
    const page = await listRuns(deps.db, query);
    const items = await Promise.all(
      page.items.map(async (run) => {
        // Running jobs report progress to BullMQ, not to the database: read it live.
        const progress =
          run.status === "succeeded"
            ? 100
            : run.status === "queued"
              ? 0
              : run.status === "running" && run.queueJobId && isQueueName(run.queue)
                ? // The history is Postgres's: without Redis it is still listed, progress unknown.
                  await jobs.progress(run.queue, run.queueJobId).catch(() => null)
                : null;
        return {
          ...run,
          progress: progress === null ? null : Math.max(0, Math.min(100, progress)),
          queuedAt: run.queuedAt.toISOString(),
          startedAt: run.startedAt?.toISOString() ?? null,
          finishedAt: run.finishedAt?.toISOString() ?? null,
        };
      }),
    );
    return c.json({ items, total: page.total }, 200);
  },
);
