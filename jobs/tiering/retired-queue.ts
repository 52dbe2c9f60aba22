import { Queue } from "bullmq";
import type { Redis } from "ioredis";

/** The tiering job's queue before it was named `tier` (issue 19), and its one scheduler. */
const RETIRED = { queue: "tiering", scheduler: "tiering-default" } as const;

/**
 * Removes the retired `tiering` queue from Redis: its daily scheduler would otherwise keep adding
 * a job no worker takes. The schedule itself moved to `tier` with the migration
 * 2026-12-10-tier-01-job-tier, which the worker's schedule sync applies. Idempotent; true once
 * Redis answered.
 */
export async function retireTieringQueue(redis: Redis, prefix: string): Promise<boolean> {
  const queue = new Queue(RETIRED.queue, { connection: redis, prefix });
  queue.on("error", () => {});
  let timer: NodeJS.Timeout | undefined;
  try {
    // Bounded: a connection that queues commands while Redis is down must not stall the sync.
    await Promise.race([
      (async () => {
        await queue.removeJobScheduler(RETIRED.scheduler);
        await queue.obliterate({ force: true });
      })(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("Redis did not answer")), 2_000);
      }),
    ]);
    return true;
  } catch {
    return false; // Redis is down: the next schedule sync tries again
  } finally {
    clearTimeout(timer);
    await queue.close().catch(() => undefined);
  }
}
