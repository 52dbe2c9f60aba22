import { z } from "zod";
import type { Config } from "../../schema/config.ts";
import type { Db } from "../../schema/postgres.ts";
import { getDataset } from "../datasets.repository.ts";
import { expireDatasets } from "./lifecycle.ts";
import { datasetDatabaseName, dropDatabase, provisionDataset } from "./provision.ts";

/**
 * The `masking` job: `{action: "provision", datasetId, ...}` provisions a dataset the API has
 * reserved; `{action: "expire"}` (what the schedule sends, `{}` included) drops datasets past
 * their expiry. Idempotent: a dataset already finished is not provisioned again; a retry after a
 * crash mid-copy drops the half-made target and starts over.
 */

const ZProvision = z.strictObject({
  action: z.literal("provision"),
  datasetId: z.uuid(),
  name: z.string().min(1).max(40),
  tenants: z.array(z.uuid()).max(1000).nullable().optional(),
  percent: z.number().gt(0).max(100).nullable().optional(),
  targetUrl: z.string().max(2000).nullable().optional(),
  requestedBy: z.string().min(1).max(255),
  expiresInDays: z.number().int().min(1).max(3650).nullable().optional(),
});
const ZExpire = z.strictObject({ action: z.literal("expire") });

export const ZMaskingJobPayload = z.preprocess(
  (value) =>
    value && typeof value === "object" && !("action" in value)
      ? { ...value, action: "expire" }
      : value,
  z.discriminatedUnion("action", [ZProvision, ZExpire]),
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
  const existing = await getDataset(deps.db, payload.datasetId);
  if (!existing) {
    return { skipped: "dataset not found" };
  }
  if (!["requested", "running", "verifying"].includes(existing.status)) {
    return { skipped: `dataset already ${existing.status}` };
  }
  if (existing.status !== "requested" && !payload.targetUrl) {
    // A previous attempt died mid-way: its half-made database goes first.
    await dropDatabase(deps.config, datasetDatabaseName(payload.name));
  }
  const result = await provisionDataset(
    { db: deps.db, config: deps.config },
    {
      name: payload.name,
      datasetId: payload.datasetId,
      tenants: payload.tenants ?? null,
      percent: payload.percent ?? null,
      targetUrl: payload.targetUrl ?? null,
      requestedBy: payload.requestedBy,
      expiresInDays: payload.expiresInDays ?? null,
      onProgress: (e) => {
        void deps.progress(Math.round((e.done / Math.max(e.total, 1)) * 90));
      },
    },
  );
  await deps.progress(100);
  return result.kind === "refused"
    ? { refused: true, blocking: result.blocking }
    : { ready: true, rows: result.report.totalRows, databaseUrl: result.databaseUrl };
}
