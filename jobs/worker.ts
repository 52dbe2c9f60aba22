import { type Job, Queue, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "../server/logger.ts";
import type { JobContext } from "./job-definition.ts";
import { recordRunEnd, recordRunStart } from "./job-runs.repository.ts";
import type { QueueName } from "./queues.ts";
import { JOBS } from "./registry.ts";

export type WorkerDeps = Omit<JobContext, "progress"> & { redis: Redis; logger: Logger };

export type RunningWorker = {
  queues: Map<QueueName, Queue>;
  enqueue: (
    queue: string,
    payload?: Record<string, unknown>,
    triggeredBy?: string,
  ) => Promise<string>;
  close: () => Promise<void>;
};

const DEFAULT_JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: "exponential", delay: 5_000 },
  removeOnComplete: { count: 1_000 },
  removeOnFail: { count: 5_000 },
} as const;

/**
 * Starts one BullMQ worker per defined job, installs its default schedule with
 * upsertJobScheduler (a restart never duplicates a schedule), and records every run.
 */
export async function startWorker(deps: WorkerDeps): Promise<RunningWorker> {
  const prefix = deps.config.queuePrefix;
  const track = (connection: Redis) => {
    connections.push(connection);
    return connection;
  };
  const queues = new Map<QueueName, Queue>();
  const workers: Worker[] = [];
  const connections: Redis[] = [];
  for (const definition of Object.values(JOBS)) {
    const queue = new Queue(definition.queue, {
      connection: deps.redis,
      prefix,
      defaultJobOptions: DEFAULT_JOB_OPTIONS,
    });
    queues.set(definition.queue, queue);
    if (definition.defaultCron) {
      await queue.upsertJobScheduler(
        `${definition.queue}-default`,
        { pattern: definition.defaultCron, tz: "UTC" },
        { name: definition.queue, data: { triggeredBy: "schedule" } },
      );
    }
    const worker = new Worker(
      definition.queue,
      async (job: Job) => {
        const { triggeredBy, ...raw } = (job.data ?? {}) as Record<string, unknown>;
        const runId = await recordRunStart(deps.db, {
          queue: definition.queue,
          jobName: job.name,
          queueJobId: job.id,
          attempt: job.attemptsMade + 1,
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
          const payload = parsed.data;
          const counts = await definition.run(
            { ...deps, progress: (percent) => job.updateProgress(percent) },
            payload,
          );
          await job.updateProgress(100);
          await recordRunEnd(deps.db, runId, { status: "succeeded", counts });
          return counts;
        } catch (error) {
          await recordRunEnd(deps.db, runId, { status: "failed", error: (error as Error).message });
          deps.logger.error("job failed", {
            queue: definition.queue,
            error: (error as Error).message,
          });
          throw error;
        }
      },
      // Workers block on their connection, so each gets its own.
      { connection: track(deps.redis.duplicate()), prefix, concurrency: 1 },
    );
    worker.on("error", (error) => deps.logger.error("worker error", { error: error.message }));
    workers.push(worker);
  }
  return {
    queues,
    enqueue: async (name, payload = {}, triggeredBy = "manual") => {
      const queue = queues.get(name as QueueName);
      if (!queue) {
        throw new Error(`no job is defined for queue ${name}`);
      }
      const job = await queue.add(name, { ...payload, triggeredBy });
      return job.id ?? "";
    },
    close: async () => {
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all([...queues.values()].map((q) => q.close()));
      await Promise.all(connections.map((c) => c.quit().catch(() => undefined)));
    },
  };
}
