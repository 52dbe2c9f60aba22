import { z } from "zod";
import type { JobContext } from "../job-definition.ts";
import { emitLineage } from "../lineage/emit.ts";
import { retentionArchiveRunEvent } from "../lineage/job-lineage.ts";
import { runAccessExport } from "./access-export.ts";
import { executeErasure, planErasure } from "./erasure.ts";
import { type ExecutionOutcome, executeRequest } from "./executor.ts";
import { getRequest, requestSummary } from "./requests.ts";

/** `retention` job payload `{action: "execute", requestId}`: carry out an approved request. */
export const ZRetentionExecutePayload = z.strictObject({
  action: z.literal("execute"),
  requestId: z.uuid(),
  /** Who asked for the execution (recorded as its executor). */
  actor: z.string().min(1).max(255).optional(),
  batchSize: z.number().int().min(1).max(50_000).optional(),
});
export type TRetentionExecutePayload = z.infer<typeof ZRetentionExecutePayload>;

/** `retention` job payload `{action: "erase", tenantId, customerId}`: plan an erasure. */
export const ZRetentionErasePayload = z.strictObject({
  action: z.literal("erase"),
  tenantId: z.uuid(),
  customerId: z.uuid(),
  requestedBy: z.string().min(1).max(255),
});
export type TRetentionErasePayload = z.infer<typeof ZRetentionErasePayload>;

/**
 * The thin job side of the executor (erasure requests go through the erasure engine, which
 * also cleans the analytics store and records the proof). A refusal (not approved, expired,
 * held, drift) ends the run without retrying: the same request would be refused again. A crash
 * mid-run is retried by BullMQ and resumes from the ledger.
 */
export async function runRetentionExecuteJob(
  context: Pick<JobContext, "db" | "pool" | "config" | "progress"> &
    Partial<Pick<JobContext, "analytics" | "runId">>,
  payload: TRetentionExecutePayload,
  hooks: { beforeBatch?: () => Promise<void> } = {},
): Promise<Record<string, unknown>> {
  const request = await getRequest(context.db, payload.requestId);
  const actor = payload.actor ?? "worker";
  if (request?.kind === "access") {
    // Executing an access request produces its package; it deletes nothing.
    return runAccessExport(context, { action: "access", requestId: payload.requestId, actor });
  }
  const outcome: ExecutionOutcome =
    request?.kind === "erasure"
      ? await executeErasure(
          {
            db: context.db,
            pool: context.pool,
            config: context.config,
            analytics: context.analytics,
          },
          payload.requestId,
          { actor, batchSize: payload.batchSize, onProgress: (p) => void context.progress(p) },
        )
      : await executeRequest(context, payload.requestId, {
          actor,
          batchSize: payload.batchSize,
          beforeBatch: hooks.beforeBatch,
          onProgress: (p) => context.progress(p.percent),
        });
  if (outcome.outcome === "refused") {
    return { outcome: outcome.outcome, reason: outcome.reason, message: outcome.message };
  }
  if (outcome.outcome === "blocked") {
    return { outcome: "blocked", heldKeys: outcome.heldKeys, heldBy: outcome.heldBy };
  }
  if (request?.kind !== "erasure" && context.runId) {
    const event = await retentionArchiveRunEvent(context.db, {
      runId: context.runId,
      requestId: payload.requestId,
    }).catch(() => undefined);
    if (event) {
      await emitLineage({ db: context.db, config: context.config }, event);
    }
  }
  return {
    outcome: "done",
    rows: outcome.report.rows,
    batches: outcome.report.batches,
    longestBatchLockMs: Math.round(outcome.report.longestBatchLockMs),
    certificateSha256: outcome.certificate.sha256,
  };
}

/** Plans an erasure from the queue (the console's erasure form enqueues it). */
export async function runRetentionEraseJob(
  context: Pick<JobContext, "db" | "config">,
  payload: TRetentionErasePayload,
): Promise<Record<string, unknown>> {
  const request = await planErasure(context, payload);
  const summary = requestSummary(request);
  return { requestId: summary.id, status: summary.status, rows: summary.total_rows };
}
