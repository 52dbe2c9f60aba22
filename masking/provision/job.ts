import { UnrecoverableError } from "bullmq";
import { z } from "zod";
import type { Config } from "../../schema/config.ts";
import type { Db } from "../../schema/postgres.ts";
import { getDataset } from "../datasets.repository.ts";
import { MaskingError } from "../masking-error.ts";
import { DatasetCancelled } from "./cancellation.ts";
import { dropLeftovers } from "./dataset-database.ts";
import { expireDatasets } from "./lifecycle.ts";
import { provisionDataset } from "./provision.ts";
import { refreshDataset } from "./refresh.ts";

/**
 * The `masking` job: `{action: "provision", datasetId, ...}` provisions a dataset the API has
 * reserved; `{action: "expire"}` (what the schedule sends, `{}` included) drops datasets past
 * their expiry. Idempotent: a dataset already finished is not provisioned again; a retry after a
 * crash mid-copy drops the half-made target (ownership checked) and starts over. A cancelled run
 * and a refusal (name taken, over its size limit, not govern's database) are never retried.
 * The outcome holds no connection string: that is for the requester, through the API.
 */

const ZProvision = z.strictObject({
  action: z.literal("provision"),
  datasetId: z.uuid(),
  name: z.string().min(1).max(40),
  tenants: z.array(z.uuid()).max(1000).nullable().optional(),
  percent: z.number().gt(0).max(100).nullable().optional(),
  requestedBy: z.string().min(1).max(255),
  expiresInDays: z.number().int().min(1).max(3650).nullable().optional(),
  /** The requester's row limit, checked while the copy runs. */
  maxRows: z.number().int().min(0).nullable().optional(),
});
const ZExpire = z.strictObject({ action: z.literal("expire") });
/** A dataset's scheduled refresh (refresh-schedule.ts), or one asked for now. */
const ZRefresh = z.strictObject({ action: z.literal("refresh"), datasetId: z.uuid() });

export const ZMaskingJobPayload = z.preprocess(
  (value) =>
    value && typeof value === "object" && !("action" in value)
      ? { ...value, action: "expire" }
      : value,
  z.discriminatedUnion("action", [ZProvision, ZExpire, ZRefresh]),
);
export type TMaskingJobPayload = z.infer<typeof ZMaskingJobPayload>;

export async function runMaskingJob(
  deps: { db: Db; config: Config; progress: (percent: number) => Promise<void> },
  payload: TMaskingJobPayload,
): Promise<Record<string, unknown>> {
  if (payload.action === "expire") {
    const dropped = await expireDatasets(deps);
    return { expired: dropped.length, names: dropped };
  }
  if (payload.action === "refresh") {
    return noRetryOnRefusal(() =>
      refreshDataset(deps, payload.datasetId, { onProgress: (p) => void deps.progress(p) }),
    );
  }
  const existing = await getDataset(deps.db, payload.datasetId);
  if (!existing) {
    return { skipped: "dataset not found" };
  }
  if (!["requested", "running", "verifying"].includes(existing.status)) {
    return { skipped: `dataset already ${existing.status}` };
  }
  if (existing.cancelRequestedAt) {
    return { skipped: "dataset cancelled" };
  }
  const result = await noRetryOnRefusal(async () => {
    // A previous attempt died mid-way: what it made goes first.
    await dropLeftovers(deps, existing);
    return provisionDataset(
      { db: deps.db, config: deps.config },
      {
        name: payload.name,
        datasetId: payload.datasetId,
        tenants: payload.tenants ?? null,
        percent: payload.percent ?? null,
        requestedBy: payload.requestedBy,
        expiresInDays: payload.expiresInDays ?? null,
        maxRows: payload.maxRows ?? null,
        onProgress: (e) => {
          void deps.progress(Math.round((e.done / Math.max(e.total, 1)) * 90));
        },
      },
    );
  });
  await deps.progress(100);
  return result.kind === "refused"
    ? { refused: true, blocking: result.blocking }
    : { ready: true, rows: result.report.totalRows };
}

/** Cancellations and refusals fail the job for good: running it again cannot help. */
export async function noRetryOnRefusal<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DatasetCancelled || error instanceof MaskingError) {
      throw new UnrecoverableError(error.message);
    }
    throw error;
  }
}
