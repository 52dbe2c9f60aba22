import type { Redis } from "ioredis";
import type { Notify } from "../../jobs/quality/types.ts";
import { createJobQueues, type JobQueues } from "../../jobs/queues.ts";
import { abandonNotQueued } from "../../jobs/reconcile.ts";
import { JOBS } from "../../jobs/registry.ts";
import type { AnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import type { Config } from "../../schema/config.ts";
import type { Logger } from "../../schema/logger.ts";
import type { Db } from "../../schema/postgres.ts";
import type { Principal } from "../auth/principal.ts";

/** What routes may use; `newApp(deps)` receives it once. */
export type AppDeps = {
  config: Config;
  db: Db;
  redis: Redis;
  analytics: AnalyticsStore;
  logger: Logger;
  /** Adds a job to its queue; absent when no worker runs in this process. */
  enqueue?: (
    queue: string,
    payload: Record<string, unknown>,
    triggeredBy: string,
  ) => Promise<string>;
  /**
   * The job queues (enqueue, counts, cancel, progress). Optional: when absent, `jobQueuesOf`
   * opens them on `redis` with the configured prefix, so `govern serve` (no worker in the
   * process) reads and feeds the same queues as `npm start`.
   */
  jobs?: JobQueues;
  /** Sends quality alerts through the configured channels (jobs/notify/); absent: none. */
  notify?: Notify;
};

const opened = new WeakMap<AppDeps, JobQueues>();

/** The job queues routes use: the ones passed in, or ones opened once per `deps`. */
export function jobQueuesOf(deps: AppDeps): JobQueues {
  if (deps.jobs) {
    return deps.jobs;
  }
  let jobs = opened.get(deps);
  if (!jobs) {
    jobs = createJobQueues({
      ...deps,
      onNotQueued: (name, payload, reason) => abandonNotQueued(deps, JOBS[name], payload, reason),
    });
    opened.set(deps, jobs);
  }
  return jobs;
}

/** What a mutating route tells the audit trail about itself (defaults: method and path). */
export type AuditNote = { action?: string; target?: string; summary?: Record<string, unknown> };

export type AppEnv = {
  Variables: {
    requestId: string;
    deps: AppDeps;
    principal: Principal | undefined;
    audit: AuditNote | undefined;
  };
};
