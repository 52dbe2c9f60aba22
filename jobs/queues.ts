import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Config } from "../schema/config.ts";
import type { Db } from "../schema/postgres.ts";
import { recordRunQueued } from "./job-runs.repository.ts";

/** One BullMQ queue per engine (DESIGN.md). Engines without a handler yet have no worker. */
export const QUEUE_NAMES = [
  "classify",
  "lineage",
  "quality",
  "tiering",
  "retention",
  "masking",
  "synth",
  "etl",
  "partitions",
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

/**
 * The queues as producers see them: the API (with or without a worker in the process), the
 * worker and the CLI all enqueue, read counts and cancel through this, on one shared
 * (non-blocking) Redis connection and the configured prefix.
 */
export type JobQueues = {
  get: (name: QueueName) => Queue;
  /** Records the run as queued, then adds the job; returns the BullMQ job id. */
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
  close: () => Promise<void>;
};

export function createJobQueues(deps: { config: Config; db: Db; redis: Redis }): JobQueues {
  const queues = new Map<QueueName, Queue>();
  const get = (name: QueueName): Queue => {
    let queue = queues.get(name);
    if (!queue) {
      queue = new Queue(name, {
        connection: deps.redis,
        prefix: deps.config.queuePrefix,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      });
      queues.set(name, queue);
    }
    return queue;
  };
  return {
    get,
    enqueue: async (name, payload, triggeredBy) => {
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
        await get(name).add(name, { ...payload, triggeredBy }, { jobId });
      } catch (error) {
        await deps.db.deleteFrom("governance.job_runs").where("id", "=", runId).execute();
        throw error;
      }
      return jobId;
    },
    counts: async (name) => {
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
    },
    progress: async (name, jobId) => {
      const job = await get(name).getJob(jobId);
      return typeof job?.progress === "number" ? job.progress : null;
    },
    cancel: async (name, jobId) => {
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
    },
    close: async () => {
      await Promise.all([...queues.values()].map((q) => q.close()));
      queues.clear();
    },
  };
}
