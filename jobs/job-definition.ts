import type pg from "pg";
import type { z } from "zod";
import type { AnalyticsStore } from "../schema/analytics/analytics-store.ts";
import type { Config } from "../schema/config.ts";
import type { Db } from "../schema/postgres.ts";
import type { Notify } from "./quality/types.ts";
import type { QueueName } from "./queues.ts";

/** What every job handler may use; the worker builds it once. */
export type JobContext = {
  config: Config;
  db: Db;
  pool: pg.Pool;
  analytics: AnalyticsStore;
  /** This run's governance.job_runs id: ledger rows (jobs/ledger.ts) point back to it. */
  runId: string;
  /** Who queued this run: `schedule`, or the console user (e-mail) who asked for it. */
  triggeredBy?: string;
  /** Reports progress in percent (0..100) to the queue, where the console and CLI read it. */
  progress: (percent: number) => Promise<void>;
  /** Sends an alert through the configured channels (jobs/notify/); absent: alerts are off. */
  notify?: Notify;
};

/** What cleaning up after a lost or never-queued run may use. */
export type LostContext = Pick<JobContext, "config" | "db">;

/** A job: its queue, validated payload, optional default schedule and thin handler. */
export type JobDefinition<TPayload extends z.ZodType = z.ZodType> = {
  queue: QueueName;
  payload: TPayload;
  /** Cron in UTC, used until an admin stores another in governance.settings (jobs/schedules.ts). */
  defaultCron?: string;
  run: (context: JobContext, payload: z.infer<TPayload>) => Promise<Record<string, unknown>>;
  /**
   * What becomes of a run whose job the queue lost (jobs/reconcile.ts). `resume` says whether
   * the same payload may be queued again — only when the handler is idempotent (its effects
   * ledgered, README "Exactly once"); otherwise `abandon` cleans up what the run left (also
   * called when the job could not be queued at all). Without either, the run is only failed.
   */
  lost?: {
    resume?: (payload: z.infer<TPayload>) => boolean;
    abandon?: (context: LostContext, payload: z.infer<TPayload>, reason: string) => Promise<void>;
  };
};

/** Declares a job with its payload type inferred from the schema. */
export function defineJob<TPayload extends z.ZodType>(
  definition: JobDefinition<TPayload>,
): JobDefinition {
  return definition as unknown as JobDefinition;
}
