import { z } from "zod";
import type { JobContext } from "../job-definition.ts";
import { executeRequest } from "./executor.ts";

/** `retention` job payload `{action: "execute", requestId}`: carry out an approved request. */
export const ZRetentionExecutePayload = z.strictObject({
  action: z.literal("execute"),
  requestId: z.uuid(),
  /** Who asked for the execution (recorded as its executor). */
  actor: z.string().min(1).max(255).optional(),
  batchSize: z.number().int().min(1).max(50_000).optional(),
});
export type TRetentionExecutePayload = z.infer<typeof ZRetentionExecutePayload>;

/**
 * The thin job side of the executor. A refusal (not approved, expired, held, drift) ends the run
 * without retrying: the same request would be refused again. A crash mid-run is retried by
 * BullMQ and resumes from the ledger.
 */
export async function runRetentionExecuteJob(
  context: Pick<JobContext, "db" | "pool" | "config" | "progress">,
  payload: TRetentionExecutePayload,
  hooks: { beforeBatch?: () => Promise<void> } = {},
): Promise<Record<string, unknown>> {
  const outcome = await executeRequest(context, payload.requestId, {
    actor: payload.actor ?? "worker",
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
  return {
    outcome: "done",
    rows: outcome.report.rows,
    batches: outcome.report.batches,
    longestBatchLockMs: Math.round(outcome.report.longestBatchLockMs),
    certificateSha256: outcome.certificate.sha256,
  };
}
