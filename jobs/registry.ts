import { z } from "zod";
import { getDataset, updateDataset } from "../masking/datasets.repository.ts";
import { noRetryOnRefusal, runMaskingJob, ZMaskingJobPayload } from "../masking/provision/job.ts";
import { ZSynthJobPayload } from "../masking/synthetic/job-payload.ts";
import { runSyntheticDataset } from "../masking/synthetic/synthesize.ts";
import type { Db } from "../schema/postgres.ts";
import { runClassifyJob } from "./classify/classify.handler.ts";
import { runEtl } from "./etl/etl.ts";
import { defineJob, type JobContext, type JobDefinition } from "./job-definition.ts";
import { emitLineage } from "./lineage/emit.ts";
import { provisionRunEvent, syntheticRunEvent } from "./lineage/job-lineage.ts";
import { runLineageScan } from "./lineage/scan.ts";
import { runNotifyJob, ZNotifyPayload } from "./notify/notify.handler.ts";
import { runPartitionsJob } from "./partitions/partitions.handler.ts";
import { runQualityJob, ZQualityPayload } from "./quality/quality.handler.ts";
import type { QueueName } from "./queues.ts";
import { runAccessExport, ZRetentionAccessPayload } from "./retention/access-export.ts";
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
export const ZLineagePayload = z.strictObject({});
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
    ZRetentionAccessPayload,
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

/** The masked copy's lineage, from the report provisioning stored with the dataset. */
async function emitProvisionLineage(
  deps: { db: Db; config: JobContext["config"] },
  runId: string,
  datasetId: string,
): Promise<void> {
  const dataset = await getDataset(deps.db, datasetId);
  const report = dataset?.report as
    | {
        tables?: Record<string, unknown>;
        rules?: { column: string; path?: string; strategy: string }[];
      }
    | null
    | undefined;
  if (!dataset || !report?.tables) {
    return;
  }
  await emitLineage(
    deps,
    provisionRunEvent({
      runId,
      name: dataset.name,
      tables: Object.keys(report.tables),
      rules: report.rules ?? [],
    }),
  );
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
    run: async ({ db, pool, config, analytics, progress, triggeredBy, runId }, payload) => {
      switch (payload.action) {
        case "plan":
          return runRetentionPlanJob(db, progress, payload, triggeredBy, { config, analytics });
        case "execute":
          return runRetentionExecuteJob({ db, pool, config, analytics, progress, runId }, payload);
        case "erase":
          return runRetentionEraseJob({ db, config }, payload);
        case "access":
          return runAccessExport({ db, pool, config, analytics, progress }, payload);
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
    run: async ({ db, config, progress, runId }, payload) => {
      const result = await runMaskingJob({ db, config, progress }, payload);
      if (payload.action === "provision" && result.ready) {
        // Lineage never fails the copy it describes.
        await emitProvisionLineage({ db, config }, runId, payload.datasetId).catch(() => undefined);
      }
      return result;
    },
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
    run: async ({ db, config, progress, runId }, payload) => {
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
      const dataset = await getDataset(db, datasetId).catch(() => undefined);
      await emitLineage(
        { db, config },
        syntheticRunEvent({
          runId,
          name: dataset?.name ?? datasetId,
          tables: Object.keys(result.tables),
        }),
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
    run: async ({ db, pool, analytics, progress, config, runId }, payload) => {
      const targets = payload.targets;
      let done = 0;
      const report = await runEtl(
        {
          db,
          pool,
          store: analytics,
          lineage: { config, runId, clickhouseDatabase: config.clickhouse.database },
        },
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
  notify: defineJob({
    queue: "notify",
    payload: ZNotifyPayload,
    // The sweep: retries after their backoff, deliveries recorded while Redis was down, the
    // daily digests once their hour has come.
    defaultCron: "* * * * *",
    run: async ({ db, config, progress }, payload) =>
      runNotifyJob({ db, config, progress }, payload),
    // Every delivery is claimed and settled in its own row: running again sends only what is left.
    lost: { resume: () => true },
  }),
  quality: defineJob({
    queue: "quality",
    payload: ZQualityPayload,
    // Every five minutes: each rule runs when its own cron (default hourly) has fired.
    defaultCron: "*/5 * * * *",
    run: async ({ db, analytics, progress, triggeredBy, notify }, payload) =>
      runQualityJob({ db, analytics, progress, triggeredBy, notify }, payload),
    // Results are appended and incidents de-duplicated while open: a re-run is harmless.
    lost: { resume: () => true },
  }),
  // Twenty minutes after each hourly catalog scan (classify at :00), so new views and columns
  // are in the catalog the PII propagation reads. A rerun converges: every write is an upsert.
  lineage: defineJob({
    queue: "lineage",
    payload: ZLineagePayload,
    defaultCron: "20 * * * *",
    run: async ({ db, analytics, progress }) => {
      const report = await runLineageScan(
        { db, analytics },
        { createdBy: "job:lineage", onProgress: (p) => void progress(p) },
      );
      return {
        views: report.postgres.views,
        edges: report.postgres.edges.asserted,
        references: report.postgres.foreignKeys.asserted,
        degraded: report.postgres.degraded.length,
        clickhouse:
          "error" in report.clickhouse ? report.clickhouse.error : report.clickhouse.edges.asserted,
        registryWritten: report.registry.written.inserted,
        piiProposals: report.pii.proposals,
        durationMs: report.durationMs,
      };
    },
    lost: { resume: () => true },
  }),
  tier: defineJob({
    queue: "tier",
    payload: ZTieringPayload,
    defaultCron: "45 2 * * *",
    run: async (context, payload) => runTieringJob(context, payload),
    // Every move is ledgered in governance.tier_moves: a run (or restore) queued again first
    // completes or undoes what the lost one left open, then carries on.
    lost: { resume: () => true },
  }),
};
