import { z } from "zod";
import { getDataset, updateDataset } from "../masking/datasets.repository.ts";
import { noRetryOnRefusal, runMaskingJob, ZMaskingJobPayload } from "../masking/provision/job.ts";
import { ZSynthJobPayload } from "../masking/synthetic/job-payload.ts";
import { runSyntheticDataset } from "../masking/synthetic/synthesize.ts";
import type { Db } from "../schema/postgres.ts";
import { runClassifyJob } from "./classify/classify.handler.ts";
import { runEtl } from "./etl/etl.ts";
import { defineJob, type JobDefinition } from "./job-definition.ts";
import { runPartitionsJob } from "./partitions/partitions.handler.ts";
import type { QueueName } from "./queues.ts";
import {
  runRetentionEraseJob,
  runRetentionExecuteJob,
  ZRetentionErasePayload,
  ZRetentionExecutePayload,
} from "./retention/execute.handler.ts";
import { runRetentionPlanJob, ZRetentionPlanPayload } from "./retention/plan.handler.ts";
import { runTieringJob, ZTieringPayload } from "./tiering/tier.handler.ts";

const ZEtlPayload = z.strictObject({
  targets: z.array(z.string().min(1).max(100)).max(20).optional(),
});
export const ZClassifyPayload = z.strictObject({
  stores: z
    .array(z.enum(["postgres", "clickhouse"]))
    .min(1)
    .max(2)
    .optional(),
});
export const ZPartitionsPayload = z.strictObject({
  daysAhead: z.number().int().min(1).max(366).optional(),
});
/** `{action: "plan"}` daily (the schedule sends `{}`: plan); further actions join this union. */
export const ZRetentionPayload = z.preprocess(
  (value) =>
    value && typeof value === "object" && !("action" in value)
      ? { ...value, action: "plan" }
      : value,
  z.discriminatedUnion("action", [
    ZRetentionPlanPayload,
    ZRetentionExecutePayload,
    ZRetentionErasePayload,
  ]),
);

/**
 * A dataset whose build was lost (or never queued) moves to failed, so it can be dropped: a
 * dataset still `requested` or `running` cannot be, and no worker will ever finish it.
 */
async function failUnfinishedDataset(db: Db, datasetId: string, reason: string): Promise<void> {
  const dataset = await getDataset(db, datasetId);
  if (dataset && ["requested", "running", "verifying"].includes(dataset.status)) {
    await updateDataset(db, datasetId, { status: "failed", error: reason, finishedAt: new Date() });
  }
}

/** Every job govern runs, listed once. */
export const JOBS: Partial<Record<QueueName, JobDefinition>> = {
  partitions: defineJob({
    queue: "partitions",
    payload: ZPartitionsPayload,
    defaultCron: "15 * * * *",
    run: async ({ db, runId, progress }, payload) => {
      const window = payload.daysAhead ? { daysBack: 1, daysAhead: payload.daysAhead } : undefined;
      return runPartitionsJob(db, { runId, window, progress });
    },
    // One ledgered transaction per partition: running it again finishes only what is left.
    lost: { resume: () => true },
  }),
  retention: defineJob({
    queue: "retention",
    payload: ZRetentionPayload,
    defaultCron: "30 3 * * *",
    run: async ({ db, pool, config, analytics, progress, triggeredBy }, payload) => {
      switch (payload.action) {
        case "plan":
          return runRetentionPlanJob(db, progress, payload, triggeredBy);
        case "execute":
          return runRetentionExecuteJob({ db, pool, config, analytics, progress }, payload);
        case "erase":
          return runRetentionEraseJob({ db, config }, payload);
      }
    },
    // Execution resumes from its ledger; planning and erasure planning keep an open request
    // rather than make a second one. A request left `running` is thus carried on, not stuck.
    lost: { resume: () => true },
  }),
  masking: defineJob({
    queue: "masking",
    payload: ZMaskingJobPayload,
    // The schedule sends {}: the expiry sweep.
    defaultCron: "*/30 * * * *",
    run: async ({ db, config, progress }, payload) =>
      runMaskingJob({ db, config, progress }, payload),
    lost: {
      // The expiry sweep is idempotent; a half-made copy is not resumed but failed (droppable).
      resume: (payload) => payload.action === "expire",
      abandon: async ({ db }, payload, reason) => {
        if (payload.action === "provision") {
          await failUnfinishedDataset(db, payload.datasetId, reason);
        }
      },
    },
  }),
  synth: defineJob({
    queue: "synth",
    payload: ZSynthJobPayload,
    run: async ({ db, config, progress }, payload) => {
      const { datasetId, requestedBy, ...options } = payload;
      const result = await noRetryOnRefusal(() =>
        runSyntheticDataset(
          db,
          config,
          datasetId,
          { ...options, createdBy: requestedBy },
          progress,
        ),
      );
      return {
        datasetId,
        rows: result.totalRows,
        ks: result.report.worst.ks,
        tvd: result.report.worst.tvd,
      };
    },
    lost: {
      abandon: async ({ db }, payload, reason) =>
        failUnfinishedDataset(db, payload.datasetId, reason),
    },
  }),
  classify: defineJob({
    queue: "classify",
    payload: ZClassifyPayload,
    defaultCron: "0 * * * *",
    run: async ({ config, db, analytics, runId, progress }, payload) =>
      runClassifyJob({ config, db, analytics, runId, progress }, payload),
  }),
  etl: defineJob({
    queue: "etl",
    payload: ZEtlPayload,
    defaultCron: "*/10 * * * *",
    run: async ({ db, pool, analytics, progress }, payload) => {
      const targets = payload.targets;
      let done = 0;
      const report = await runEtl(
        { db, pool, store: analytics },
        {
          targets,
          onProgress: () => {
            done += 1;
            void progress(Math.min(99, done));
          },
        },
      );
      return Object.fromEntries(Object.entries(report.targets).map(([k, v]) => [k, v.rows]));
    },
  }),
  tiering: defineJob({
    queue: "tiering",
    payload: ZTieringPayload,
    defaultCron: "45 2 * * *",
    run: async (context, payload) => runTieringJob(context, payload),
    // Every move is ledgered in governance.tier_moves: a run (or restore) queued again first
    // completes or undoes what the lost one left open, then carries on.
    lost: { resume: () => true },
  }),
};
