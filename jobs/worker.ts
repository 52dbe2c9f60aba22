import { type Job, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { appendAuditEvent } from "../schema/governance/audit-events.repository.ts";
import type { Db } from "../schema/postgres.ts";
import type { Logger } from "../server/logger.ts";
import type { JobContext, JobDefinition } from "./job-definition.ts";
import { failAbandonedRuns, recordRunEnd, recordRunStart } from "./job-runs.repository.ts";
import { createJobQueues, type JobQueues, type QueueName } from "./queues.ts";
import { JOBS } from "./registry.ts";
import { applySchedule, readSchedule } from "./schedules.ts";

export type WorkerDeps = Omit<JobContext, "progress" | "runId"> & { redis: Redis; logger: Logger };

export type WorkerOptions = {
  /** The jobs to run; defaults to the registry. Tests pass their own (e.g. a slowed job). */
  jobs?: Partial<Record<QueueName, JobDefinition>>;
  /** How long a job's lock lives without renewal; a dead worker's job is retried after it. */
  lockDuration?: number;
  /** How often stalled (lock-expired) jobs are looked for and handed out again. */
  stalledInterval?: number;
};

export type RunningWorker = {
  queues: JobQueues;
  enqueue: (
    queue: string,
    payload?: Record<string, unknown>,
    triggeredBy?: string,
  ) => Promise<string>;
  close: () => Promise<void>;
};

async function auditRun(
  db: Db,
  queue: string,
  jobId: string | undefined,
  outcome: "succeeded" | "failed",
  summary: Record<string, unknown>,
): Promise<void> {
  await appendAuditEvent(db, {
    actor: "worker",
    action: `job.${queue}.${outcome}`,
    target: `job:${queue}/${jobId ?? "?"}`,
    summary,
  });
}

/**
 * Ends a run and audits its outcome in one transaction: whoever sees the run finished also sees
 * its audit event, and a crash between the two cannot leave one without the other.
 */
async function endRun(
  db: Db,
  queue: string,
  jobId: string | undefined,
  runId: string,
  outcome: { status: "succeeded" | "failed"; counts?: Record<string, unknown>; error?: string },
  summary: Record<string, unknown>,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const durationMs = await recordRunEnd(trx, runId, outcome);
    await auditRun(trx, queue, jobId, outcome.status, { ...summary, durationMs });
  });
}

/**
 * Starts one BullMQ worker per defined job, applies each queue's schedule (the admin's from
 * governance.settings, else the job's default cron) with upsertJobScheduler so a restart never
 * duplicates it, and records every run in governance.job_runs and the audit trail.
 */
export async function startWorker(
  deps: WorkerDeps,
  options: WorkerOptions = {},
): Promise<RunningWorker> {
  const prefix = deps.config.queuePrefix;
  const jobs = options.jobs ?? JOBS;
  const queues = createJobQueues(deps);
  const workers: Worker[] = [];
  const connections: Redis[] = [];
  for (const definition of Object.values(jobs)) {
    const schedule = await readSchedule(deps.db, definition.queue, definition.defaultCron);
    await applySchedule(queues.get(definition.queue), definition.queue, schedule);
    const worker = new Worker(definition.queue, (job: Job) => runJob(deps, definition, job), {
      // Workers block on their connection, so each gets its own.
      connection: track(connections, deps.redis.duplicate()),
      prefix,
      concurrency: 1,
      ...(options.lockDuration ? { lockDuration: options.lockDuration } : {}),
      ...(options.stalledInterval ? { stalledInterval: options.stalledInterval } : {}),
    });
    worker.on("error", (error) => deps.logger.error("worker error", { error: error.message }));
    workers.push(worker);
  }
  return {
    queues,
    enqueue: async (name, payload = {}, triggeredBy = "manual") => {
      const definition = jobs[name as QueueName];
      if (!definition) {
        throw new Error(`no job is defined for queue ${name}`);
      }
      return queues.enqueue(definition.queue, payload, triggeredBy);
    },
    close: async () => {
      await Promise.all(workers.map((w) => w.close()));
      await queues.close();
      await Promise.all(connections.map((c) => c.quit().catch(() => undefined)));
    },
  };
}

function track(connections: Redis[], connection: Redis): Redis {
  connections.push(connection);
  return connection;
}

async function runJob(
  deps: WorkerDeps,
  definition: JobDefinition,
  job: Job,
): Promise<Record<string, unknown>> {
  const queue = definition.queue;
  const { triggeredBy, ...raw } = (job.data ?? {}) as Record<string, unknown>;
  if (job.id) {
    // A run still 'running' for this job belonged to a worker that died mid-run.
    for (const abandoned of await failAbandonedRuns(deps.db, queue, job.id)) {
      await auditRun(deps.db, queue, job.id, "failed", {
        runId: abandoned.id,
        durationMs: abandoned.durationMs,
        error: "the worker stopped during this run",
      });
    }
  }
  const attempt = Math.max(job.attemptsStarted, job.attemptsMade + 1);
  const runId = await recordRunStart(deps.db, {
    queue,
    jobName: job.name,
    queueJobId: job.id,
    attempt,
    payload: raw,
    triggeredBy: typeof triggeredBy === "string" ? triggeredBy : undefined,
  });
  try {
    // Payloads are validated again here: a queue is an input like any other.
    const parsed = definition.payload.safeParse(raw);
    if (!parsed.success) {
      throw new UnrecoverableError(
        `invalid payload: ${parsed.error.issues.map((i) => `${i.path.join(".") || "payload"}: ${i.message}`).join("; ")}`,
      );
    }
    const counts = await definition.run(
      {
        ...deps,
        runId,
        triggeredBy: typeof triggeredBy === "string" ? triggeredBy : undefined,
        progress: (percent) => job.updateProgress(percent),
      },
      parsed.data,
    );
    await job.updateProgress(100);
    await endRun(
      deps.db,
      queue,
      job.id,
      runId,
      { status: "succeeded", counts },
      {
        runId,
        attempt,
        counts,
      },
    );
    return counts;
  } catch (error) {
    const message = (error as Error).message;
    await endRun(
      deps.db,
      queue,
      job.id,
      runId,
      { status: "failed", error: message },
      {
        runId,
        attempt,
        error: message.slice(0, 500),
      },
    );
    deps.logger.error("job failed", { queue, error: message });
    throw error;
  }
}
