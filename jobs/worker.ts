import { type Job, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { syncRefreshSchedulers } from "../masking/provision/refresh-schedule.ts";
import type { ScheduleState } from "../schema/domain/schedules.ts";
import { appendAuditEvent } from "../schema/governance/audit-events.repository.ts";
import type { Logger } from "../schema/logger.ts";
import type { Db } from "../schema/postgres.ts";
import type { JobContext, JobDefinition } from "./job-definition.ts";
import { failAbandonedRuns, recordRunEnd, recordRunStart } from "./job-runs.repository.ts";
import { createNotifier } from "./notify/notify.ts";
import { createJobQueues, type JobQueues, type QueueName } from "./queues.ts";
import {
  abandonNotQueued,
  openRunLocks,
  type ReconcileReport,
  type RunLocks,
  reconcileRuns,
} from "./reconcile.ts";
import { JOBS } from "./registry.ts";
import { syncSchedules } from "./schedules.ts";
import { retireTieringQueue } from "./tiering/retired-queue.ts";

export type WorkerDeps = Omit<JobContext, "progress" | "runId"> & { redis: Redis; logger: Logger };

type RunDeps = WorkerDeps & { locks: RunLocks };

export type WorkerOptions = {
  /** The jobs to run; defaults to the registry. Tests pass their own (e.g. a slowed job). */
  jobs?: Partial<Record<QueueName, JobDefinition>>;
  /** How long a job's lock lives without renewal; a dead worker's job is retried after it. */
  lockDuration?: number;
  /** How often stalled (lock-expired) jobs are looked for and handed out again. */
  stalledInterval?: number;
  /**
   * How often schedules are compared with BullMQ's schedulers and runs with the queue (also
   * done at start, and schedules on every reconnect). Default one minute.
   */
  checkInterval?: number;
  /** A queued run whose job is missing for this long is lost (default 30 s). */
  queuedGraceMs?: number;
};

export type RunningWorker = {
  queues: JobQueues;
  enqueue: (
    queue: string,
    payload?: Record<string, unknown>,
    triggeredBy?: string,
  ) => Promise<string>;
  /** Re-creates missing schedules now (also done on reconnect and every checkInterval). */
  syncSchedules: () => Promise<{ queue: QueueName; was: ScheduleState }[]>;
  /** Fails and resumes or cleans up lost runs now (also done every checkInterval). */
  reconcile: () => Promise<ReconcileReport>;
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
 * duplicates it, and records every run in governance.job_runs and the audit trail. Schedules
 * are applied again whenever Redis comes back (it may have come back empty) and checked every
 * `checkInterval`, when runs whose job the queue lost are also reconciled (jobs/reconcile.ts).
 */
export async function startWorker(
  deps: WorkerDeps,
  options: WorkerOptions = {},
): Promise<RunningWorker> {
  const prefix = deps.config.queuePrefix;
  const jobs = options.jobs ?? JOBS;
  const queues = createJobQueues({
    ...deps,
    onNotQueued: (name, payload, reason) => abandonNotQueued(deps, jobs[name], payload, reason),
  });
  const locks = await openRunLocks(deps.config.databaseUrl, deps.logger);
  // Alerts (quality incidents) go through the channels; their deliveries through this queue.
  const notify = deps.notify ?? createNotifier({ ...deps, queues });
  const runDeps: RunDeps = { ...deps, locks, notify };
  let tieringRetired = false;
  const sync = async () => {
    tieringRetired ||= await retireTieringQueue(deps.redis, prefix);
    return syncSchedules(deps.db, queues, jobs);
  };
  const reconcile = () =>
    reconcileRuns({ ...deps, queues, jobs }, { queuedGraceMs: options.queuedGraceMs });
  let checking: Promise<void> | undefined;
  let again: { reconcile: boolean } | undefined;
  let closed = false;
  /**
   * One check at a time; one asked for meanwhile (Redis back while a check was failing) runs
   * right after it. A failure (Redis gone again) waits for the next occasion.
   */
  const check = (what: { reconcile: boolean }): Promise<void> => {
    if (checking) {
      again = { reconcile: what.reconcile || (again?.reconcile ?? false) };
      return checking;
    }
    checking = (async () => {
      try {
        const changed = await sync();
        // Datasets' refresh schedules live on their rows; Redis may have lost their schedulers.
        await syncRefreshSchedulers(deps.db, queues.get("masking"));
        if (changed.length) {
          deps.logger.warn("schedules re-applied", { changed });
        }
        if (what.reconcile) {
          await reconcile();
        }
      } catch (error) {
        deps.logger.warn("schedule and run check failed", { error: (error as Error).message });
      } finally {
        checking = undefined;
        const next = again;
        again = undefined;
        if (next && !closed) {
          void check(next);
        }
      }
    })();
    return checking;
  };
  if (await queues.waitUntilAvailable(10_000)) {
    await check({ reconcile: true });
  } else {
    deps.logger.warn("redis is unavailable: schedules will be applied when it is back");
  }
  queues.onReady(() => void check({ reconcile: false }));
  const timer = setInterval(() => void check({ reconcile: true }), options.checkInterval ?? 60_000);
  timer.unref();
  const workers: Worker[] = [];
  const connections: Redis[] = [];
  for (const definition of Object.values(jobs)) {
    const worker = new Worker(definition.queue, (job: Job) => runJob(runDeps, definition, job), {
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
    syncSchedules: sync,
    reconcile,
    close: async () => {
      closed = true;
      clearInterval(timer);
      await checking;
      await Promise.all(workers.map((w) => w.close()));
      await queues.close();
      await Promise.all(connections.map((c) => c.quit().catch(() => undefined)));
      await locks.close();
    },
  };
}

function track(connections: Redis[], connection: Redis): Redis {
  connections.push(connection);
  return connection;
}

async function runJob(
  deps: RunDeps,
  definition: JobDefinition,
  job: Job,
): Promise<Record<string, unknown>> {
  if (!job.id) {
    return runHeldJob(deps, definition, job);
  }
  // Held for as long as the handler runs: reconciliation takes a run whose lock is free (its
  // worker died) and whose job the queue lost for lost.
  await deps.locks.hold(definition.queue, job.id);
  try {
    return await runHeldJob(deps, definition, job);
  } finally {
    await deps.locks.release(definition.queue, job.id);
  }
}

async function runHeldJob(
  deps: RunDeps,
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
  if (!runId) {
    // Its caller was told it failed (Redis was down when it was queued) or it was reconciled
    // as lost and resumed under another job: running it now would run it for nobody, or twice.
    deps.logger.warn("skipped a job given up before it started", { queue, jobId: job.id });
    return { skipped: "given up before it started" };
  }
  // Progress is informational: while Redis is away it must not hold the run up, nor fail it.
  const progress = (percent: number): Promise<void> => {
    job.updateProgress(percent).catch(() => undefined);
    return Promise.resolve();
  };
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
        progress,
      },
      parsed.data,
    );
    await progress(100);
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
