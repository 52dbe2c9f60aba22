import { createRoute } from "@hono/zod-openapi";
import { sql } from "kysely";
import { recentMoves } from "../../../jobs/tiering/moves.ts";
import { ZTierMoves } from "../../../schema/domain/tiering.ts";
import { jobQueuesOf } from "../../api/context.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";

export const tierMovesRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/tiering/moves",
    tags: ["tiering"],
    summary: "Recent moves (open ones first in the console) and the tiering job's recent runs",
    responses: { 200: jsonResponse(ZTierMoves, "Moves and runs"), ...errorResponses },
  }),
  "tiering:read",
  async (c) => {
    const db = c.get("deps").db;
    const moves = await recentMoves(db, 100);
    const runs = await sql<{
      queue_job_id: string | null;
      status: string;
      triggered_by: string | null;
      queued_at: Date;
    }>`SELECT queue_job_id, status, triggered_by, queued_at FROM governance.job_runs
       WHERE queue = 'tier' ORDER BY queued_at DESC LIMIT 10`.execute(db);
    const progress = async (jobId: string | null, status: string): Promise<number | null> => {
      if (!jobId || status !== "running") {
        return status === "succeeded" ? 100 : null;
      }
      return jobQueuesOf(c.get("deps"))
        .progress("tier", jobId)
        .catch(() => null);
    };
    return c.json(
      {
        items: moves.map((m) => ({
          id: m.id,
          table: m.table,
          from: m.from,
          to: m.to,
          partition: m.partition,
          state: m.state,
          rows: m.rows,
          requestedBy: m.requestedBy,
          createdAt: m.createdAt.toISOString(),
          error: m.error,
        })),
        runs: await Promise.all(
          runs.rows.map(async (r) => ({
            jobId: r.queue_job_id,
            status: r.status,
            progress: await progress(r.queue_job_id, r.status),
            triggeredBy: r.triggered_by,
            createdAt: r.queued_at.toISOString(),
          })),
        ),
      },
      200,
    );
  },
);
