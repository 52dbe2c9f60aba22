import { sql } from "kysely";
import type { Db } from "../schema/postgres.ts";

export async function recordRunStart(
  db: Db,
  run: {
    queue: string;
    jobName: string;
    queueJobId?: string;
    attempt: number;
    payload: unknown;
    triggeredBy?: string;
  },
): Promise<string> {
  const row = await db
    .insertInto("governance.job_runs")
    .values({
      queue: run.queue,
      job_name: run.jobName,
      queue_job_id: run.queueJobId ?? null,
      status: "running",
      attempt: run.attempt,
      payload: JSON.stringify(run.payload ?? {}),
      triggered_by: run.triggeredBy ?? null,
      started_at: sql<Date>`now()`,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function recordRunEnd(
  db: Db,
  id: string,
  outcome: { status: "succeeded" | "failed"; counts?: Record<string, unknown>; error?: string },
): Promise<void> {
  await db
    .updateTable("governance.job_runs")
    .set({
      status: outcome.status,
      counts: JSON.stringify(outcome.counts ?? {}),
      error: outcome.error ?? null,
      finished_at: sql<Date>`now()`,
      duration_ms: sql<number>`(extract(epoch FROM now() - started_at) * 1000)::int`,
    })
    .where("id", "=", id)
    .execute();
}
