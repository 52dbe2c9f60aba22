import { sql } from "kysely";
import type { Db } from "../schema/postgres.ts";

export type RunStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";

export type JobRun = {
  id: string;
  queue: string;
  jobName: string;
  queueJobId: string | null;
  status: RunStatus;
  attempt: number;
  counts: Record<string, unknown>;
  error: string | null;
  triggeredBy: string | null;
  queuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  durationMs: number | null;
};

/** A run enqueued by a person or the API, before any worker has it. */
export async function recordRunQueued(
  db: Db,
  run: {
    queue: string;
    jobName: string;
    queueJobId: string;
    payload: unknown;
    triggeredBy: string;
  },
): Promise<string> {
  const row = await db
    .insertInto("governance.job_runs")
    .values({
      queue: run.queue,
      job_name: run.jobName,
      queue_job_id: run.queueJobId,
      status: "queued",
      payload: JSON.stringify(run.payload ?? {}),
      triggered_by: run.triggeredBy,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

/** The error a run gets when its job could not be added to the queue. */
export const NOT_QUEUED = "not queued";
/** The error prefix of a run whose job the queue lost (jobs/reconcile.ts). */
export const LOST = "lost";

/**
 * A queued run whose job could not be added (Redis down): failed at once, never started, so a
 * job that still reaches Redis later is skipped by the worker instead of run for a caller that
 * was told it failed.
 */
export async function recordRunNotQueued(db: Db, id: string, reason: string): Promise<void> {
  await db
    .updateTable("governance.job_runs")
    .set({ status: "failed", error: `${NOT_QUEUED}: ${reason}`, finished_at: sql<Date>`now()` })
    .where("id", "=", id)
    .where("status", "=", "queued")
    .execute();
}

/**
 * Marks the runs of a job still 'running' as failed: the worker that ran them died (SIGKILL,
 * crash) and BullMQ handed the stalled job out again. Returns the runs it closed.
 */
export async function failAbandonedRuns(
  db: Db,
  queue: string,
  queueJobId: string,
): Promise<{ id: string; durationMs: number | null }[]> {
  const rows = await db
    .updateTable("governance.job_runs")
    .set({
      status: "failed",
      error: "the worker stopped during this run; the job was retried",
      finished_at: sql<Date>`now()`,
      duration_ms: sql<number>`(extract(epoch FROM now() - started_at) * 1000)::int`,
    })
    .where("queue", "=", queue)
    .where("queue_job_id", "=", queueJobId)
    .where("status", "=", "running")
    .returning(["id", "duration_ms"])
    .execute();
  return rows.map((r) => ({ id: r.id, durationMs: r.duration_ms }));
}

/**
 * Starts a run: takes over the job's queued row if it has one, otherwise records a new one.
 * Returns undefined when the job was given up before it ever started (not queued, lost while
 * waiting, cancelled): such a job must not run.
 */
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
): Promise<string | undefined> {
  if (run.queueJobId) {
    const givenUp = await db
      .selectFrom("governance.job_runs")
      .select("id")
      .where("queue", "=", run.queue)
      .where("queue_job_id", "=", run.queueJobId)
      .where("status", "in", ["failed", "cancelled"])
      .where("started_at", "is", null)
      .executeTakeFirst();
    if (givenUp) {
      return undefined;
    }
    const claimed = await db
      .updateTable("governance.job_runs")
      .set({ status: "running", attempt: run.attempt, started_at: sql<Date>`now()` })
      .where("queue", "=", run.queue)
      .where("queue_job_id", "=", run.queueJobId)
      .where("status", "=", "queued")
      .returning("id")
      .executeTakeFirst();
    if (claimed) {
      return claimed.id;
    }
  }
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

/** A run not finished yet: what reconciliation compares with the queue. */
export type UnfinishedRun = {
  id: string;
  queue: string;
  queueJobId: string;
  status: "queued" | "running";
  payload: Record<string, unknown>;
  triggeredBy: string | null;
  attempt: number;
  queuedAt: Date;
};

/** Runs still queued or running that have a job id, oldest first. */
export async function listUnfinishedRuns(db: Db): Promise<UnfinishedRun[]> {
  const rows = await db
    .selectFrom("governance.job_runs")
    .select(["id", "queue", "queue_job_id", "status", "payload", "triggered_by", "attempt"])
    .select("queued_at")
    .where("status", "in", ["queued", "running"])
    .where("queue_job_id", "is not", null)
    .orderBy("queued_at")
    .limit(1_000)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    queue: r.queue,
    queueJobId: r.queue_job_id as string,
    status: r.status as "queued" | "running",
    payload: (r.payload ?? {}) as Record<string, unknown>,
    triggeredBy: r.triggered_by,
    attempt: r.attempt,
    queuedAt: new Date(r.queued_at as unknown as string),
  }));
}

/**
 * Fails a run whose job the queue no longer has, with reason `lost: <what happened>`. Only a run
 * still in the status it was seen in changes (a worker that finished it meanwhile wins).
 * Returns whether this call failed it.
 */
export async function recordRunLost(
  db: Db,
  run: { id: string; status: "queued" | "running" },
  what: string,
): Promise<boolean> {
  const row = await db
    .updateTable("governance.job_runs")
    .set({
      status: "failed",
      error: `${LOST}: ${what}`,
      finished_at: sql<Date>`now()`,
      duration_ms: sql<number | null>`(extract(epoch FROM now() - started_at) * 1000)::int`,
    })
    .where("id", "=", run.id)
    .where("status", "=", run.status)
    .returning("id")
    .executeTakeFirst();
  return row !== undefined;
}

/** Ends a run; returns its duration in milliseconds. */
export async function recordRunEnd(
  db: Db,
  id: string,
  outcome: { status: "succeeded" | "failed"; counts?: Record<string, unknown>; error?: string },
): Promise<number | null> {
  const row = await db
    .updateTable("governance.job_runs")
    .set({
      status: outcome.status,
      counts: JSON.stringify(outcome.counts ?? {}),
      error: outcome.error ?? null,
      finished_at: sql<Date>`now()`,
      duration_ms: sql<number>`(extract(epoch FROM now() - started_at) * 1000)::int`,
    })
    .where("id", "=", id)
    .returning("duration_ms")
    .executeTakeFirst();
  return row?.duration_ms ?? null;
}

export type RunFilter = {
  queue?: string;
  status?: RunStatus;
  page: number;
  pageSize: number;
  sort: "asc" | "desc";
};

/** One page of runs, newest first by default (the index on (queue, queued_at) serves it). */
export async function listRuns(
  db: Db,
  filter: RunFilter,
): Promise<{ items: JobRun[]; total: number }> {
  let query = db.selectFrom("governance.job_runs");
  if (filter.queue) {
    query = query.where("queue", "=", filter.queue);
  }
  if (filter.status) {
    query = query.where("status", "=", filter.status);
  }
  const [rows, total] = await Promise.all([
    query
      .selectAll()
      .orderBy("queued_at", filter.sort)
      .orderBy("id", filter.sort)
      .limit(filter.pageSize)
      .offset((filter.page - 1) * filter.pageSize)
      .execute(),
    query.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow(),
  ]);
  return {
    total: Number(total.n),
    items: rows.map((r) => ({
      id: r.id,
      queue: r.queue,
      jobName: r.job_name,
      queueJobId: r.queue_job_id,
      status: r.status as RunStatus,
      attempt: r.attempt,
      counts: (r.counts ?? {}) as Record<string, unknown>,
      error: r.error,
      triggeredBy: r.triggered_by,
      queuedAt: new Date(r.queued_at as unknown as string),
      startedAt: r.started_at ? new Date(r.started_at as unknown as string) : null,
      finishedAt: r.finished_at ? new Date(r.finished_at as unknown as string) : null,
      durationMs: r.duration_ms,
    })),
  };
}
