import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Config } from "../schema/config.ts";
import type { Db } from "../schema/postgres.ts";
import { recordRunNotQueued, recordRunQueued } from "./job-runs.repository.ts";
import { applySchedule, type Schedule, schedulerId } from "./schedules.ts";

/** One BullMQ queue per engine (DESIGN.md). Engines without a handler yet have no worker. */
export const QUEUE_NAMES = [
  "classify",
  "lineage",
  "quality",
  "tier",
  "retention",
  "masking",
  "synth",
  "etl",
  "partitions",
  "notify",
] as const;

export type QueueName = (typeof QUEUE_NAMES)[number];

export function isQueueName(name: string): name is QueueName {
  return (QUEUE_NAMES as readonly string[]).includes(name);
}

/** Retries with exponential backoff; finished jobs are trimmed (job_runs keeps the history). */
export const DEFAULT_JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: "exponential", delay: 5_000 },
  removeOnComplete: { count: 1_000 },
  removeOnFail: { count: 5_000 },
} as const;

export type JobCounts = {
  waiting: number;
  active: number;
  completed: number;
  failed: number;
  delayed: number;
};

export type CancelOutcome = "cancelled" | "not_found" | "not_waiting";

/** A queue's scheduler as BullMQ holds it (absent: null). */
export type SchedulerState = { pattern: string | null; next: Date | null };

/** ioredis's errors for a command on a connection that is gone or going. */
const CONNECTION_LOST = /Stream isn't writeable|Connection is closed/;

/**
 * Redis cannot be reached (or did not answer in time). The operation was not done, and will not
 * be done later: the producer connection keeps no offline queue. The API answers 503.
 */
export class QueueUnavailableError extends Error {
  constructor(reason: string) {
    super(`The job queue (Redis) is unavailable: ${reason}.`);
    this.name = "QueueUnavailableError";
  }
}

/** How long a queue operation may take before the caller is told Redis is unavailable. */
export const QUEUE_TIMEOUT_MS = 1_000;

/**
 * The queues as producers see them: the API (with or without a worker in the process), the
 * worker and the CLI all enqueue, read counts and cancel through this, on one fail-fast
 * (non-blocking) producer connection and the configured prefix.
 */
export type JobQueues = {
  get: (name: QueueName) => Queue;
  /** Whether the producer connection is up: when not, every operation below fails fast. */
  available: () => boolean;
  /**
   * Records the run as queued, then adds the job; returns the BullMQ job id. When Redis is
   * unavailable it throws QueueUnavailableError and the run is recorded failed, never queued
   * later (a worker that still meets the job skips it: see `recordRunStart`).
   */
  enqueue: (
    name: QueueName,
    payload: Record<string, unknown>,
    triggeredBy: string,
  ) => Promise<string>;
  counts: (name: QueueName) => Promise<JobCounts>;
  /** Live progress (0..100) of a job, or null when BullMQ no longer has it or it reports none. */
  progress: (name: QueueName, jobId: string) => Promise<number | null>;
  /** Removes a job only while it is waiting or delayed; a started job cannot be cancelled. */
  cancel: (name: QueueName, jobId: string) => Promise<CancelOutcome>;
  /** A job's state in BullMQ, or "missing" when BullMQ no longer has it (reconciliation). */
  jobState: (name: QueueName, jobId: string) => Promise<string>;
  /** The queue's one scheduler as BullMQ holds it now, or null when it has none. */
  scheduler: (name: QueueName) => Promise<SchedulerState | null>;
  /** Makes BullMQ's scheduler match a schedule (upsert, or remove when disabled or null). */
  applySchedule: (name: QueueName, schedule: Schedule | null) => Promise<void>;
  /** Calls `listener` each time the connection becomes ready (again: after it was lost). */
  onReady: (listener: () => void) => void;
  /** Resolves true once the connection is ready, or false after `timeoutMs`. */
  waitUntilAvailable: (timeoutMs: number) => Promise<boolean>;
  close: () => Promise<void>;
};

/**
 * Opens the queues on a producer connection of their own, duplicated from `deps.redis` so that
 * it fails fast: no offline queue (a command while Redis is down fails at once instead of
 * waiting, and running later for a caller that gave up), no resending of unanswered commands
 * after a reconnect, and every operation bounded by QUEUE_TIMEOUT_MS.
 */
export function createJobQueues(deps: {
  config: Config;
  db: Db;
  redis: Redis;
  /** Cleans up after a run that could not be queued (jobs/reconcile.ts `abandonNotQueued`). */
  onNotQueued?: (
    name: QueueName,
    payload: Record<string, unknown>,
    reason: string,
  ) => Promise<void>;
}): JobQueues {
  const producer = deps.redis.duplicate({
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    // Commands in flight when the connection drops are rejected then, not retried.
    maxRetriesPerRequest: 0,
  });
  producer.on("error", () => {}); // surfaced as QueueUnavailableError and by health checks
  const readyListeners: (() => void)[] = [];
  let everReady = false;
  /**
   * Fails at once while Redis is down; only a connection still opening for the first time
   * (queues opened on demand by a request) is given QUEUE_TIMEOUT_MS to get ready.
   */
  const ensureReady = async (): Promise<void> => {
    if (!everReady && producer.status !== "ready") {
      await waitUntilAvailable(QUEUE_TIMEOUT_MS);
    }
    if (producer.status !== "ready") {
      throw new QueueUnavailableError(`the connection is ${producer.status}`);
    }
  };
  const waitUntilAvailable = async (timeoutMs: number): Promise<boolean> => {
    const until = Date.now() + timeoutMs;
    while (producer.status !== "ready" && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return producer.status === "ready";
  };
  producer.on("ready", () => {
    everReady = true;
    for (const listener of readyListeners) {
      listener();
    }
  });
  const queues = new Map<QueueName, Queue>();
  const get = (name: QueueName): Queue => {
    let queue = queues.get(name);
    if (!queue) {
      queue = new Queue(name, {
        connection: producer,
        prefix: deps.config.queuePrefix,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      });
      queue.on("error", () => {});
      queues.set(name, queue);
    }
    return queue;
  };
  /** Runs a queue operation only while connected, and gives up after QUEUE_TIMEOUT_MS. */
  const guard = async <T>(operation: () => Promise<T>): Promise<T> => {
    await ensureReady();
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        operation().catch((error: Error) => {
          // A connection closing while its status still reads "ready" fails its commands with
          // ioredis's own connection errors: Redis is unavailable all the same.
          throw producer.status === "ready" && !CONNECTION_LOST.test(error.message)
            ? error
            : new QueueUnavailableError(error.message);
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new QueueUnavailableError(`no answer within ${QUEUE_TIMEOUT_MS} ms`)),
            QUEUE_TIMEOUT_MS,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    get,
    available: () => producer.status === "ready",
    enqueue: async (name, payload, triggeredBy) => {
      try {
        await ensureReady();
      } catch (error) {
        // Refused before any run is recorded: nothing was queued.
        await deps.onNotQueued?.(name, payload, (error as Error).message);
        throw error;
      }
      // Our own id, so the queued run row exists before a worker can pick the job up.
      const jobId = randomUUID();
      const runId = await recordRunQueued(deps.db, {
        queue: name,
        jobName: name,
        queueJobId: jobId,
        payload,
        triggeredBy,
      });
      try {
        await guard(() => get(name).add(name, { ...payload, triggeredBy }, { jobId }));
      } catch (error) {
        // Failed, not deleted: the caller was told, and the history shows the attempt. Should
        // the add still reach Redis, the worker finds this run failed and skips the job.
        const reason = (error as Error).message;
        await recordRunNotQueued(deps.db, runId, reason);
        await deps.onNotQueued?.(name, payload, reason);
        throw error;
      }
      return jobId;
    },
    counts: (name) =>
      guard(async () => {
        const c = await get(name).getJobCounts(
          "waiting",
          "active",
          "completed",
          "failed",
          "delayed",
          "prioritized",
        );
        return {
          waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
          active: c.active ?? 0,
          completed: c.completed ?? 0,
          failed: c.failed ?? 0,
          delayed: c.delayed ?? 0,
        };
      }),
    progress: (name, jobId) =>
      guard(async () => {
        const job = await get(name).getJob(jobId);
        return typeof job?.progress === "number" ? job.progress : null;
      }),
    cancel: (name, jobId) =>
      guard(async (): Promise<CancelOutcome> => {
        const job = await get(name).getJob(jobId);
        if (!job) {
          return "not_found";
        }
        const state = await job.getState();
        // A schedule's next occurrence is changed through the schedule, not cancelled here:
        // removing it would silently stop the schedule.
        if (job.repeatJobKey) {
          return "not_waiting";
        }
        if (state !== "waiting" && state !== "delayed" && state !== "prioritized") {
          return "not_waiting";
        }
        try {
          // Refused by BullMQ if a worker locked the job meanwhile.
          await job.remove();
        } catch {
          return "not_waiting";
        }
        await deps.db
          .updateTable("governance.job_runs")
          .set({ status: "cancelled", finished_at: new Date() })
          .where("queue", "=", name)
          .where("queue_job_id", "=", jobId)
          .where("status", "=", "queued")
          .execute();
        return "cancelled";
      }),
    jobState: (name, jobId) =>
      guard(async () => {
        const state = await get(name).getJobState(jobId);
        return state === "unknown" ? "missing" : state;
      }),
    scheduler: (name) =>
      guard(async () => {
        const found = await get(name).getJobScheduler(schedulerId(name));
        if (!found) {
          return null;
        }
        return {
          pattern: found.pattern ?? null,
          next: typeof found.next === "number" ? new Date(found.next) : null,
        };
      }),
    applySchedule: (name, schedule) => guard(() => applySchedule(get(name), name, schedule)),
    onReady: (listener) => {
      readyListeners.push(listener);
    },
    waitUntilAvailable,
    close: async () => {
      await Promise.all([...queues.values()].map((q) => q.close().catch(() => undefined)));
      queues.clear();
      await producer.quit().catch(() => producer.disconnect());
    },
  };
}
