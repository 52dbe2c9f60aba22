import type { Config } from "../schema/config.ts";
import type { Db } from "../schema/postgres.ts";
import { type Dataset, updateDataset } from "./datasets.repository.ts";
import { MaskingError } from "./masking-error.ts";

/**
 * Extending a dataset's expiry: the new expiry is its current one (or now, when it has none or
 * it is past) plus `days`, and may not lie further ahead than the caller's role allows
 * (`DATASET_MAX_EXPIRY_DAYS`, from now). A copy that is gone or still being built is not
 * extended. The caller records the audit event.
 */

const DAY_MS = 86_400_000;

/** The latest expiry a role may set at `now`. */
export function maxExpiry(config: Config, role: string, now = new Date()): Date {
  const days = config.datasetMaxExpiryDays[role] ?? config.datasetMaxExpiryDays.engineer ?? 30;
  return new Date(now.getTime() + days * DAY_MS);
}

export async function extendDatasetExpiry(
  deps: { db: Db; config: Config },
  dataset: Dataset,
  input: { days: number; role: string; by: string; now?: Date },
): Promise<{ expiresAt: Date; maxExpiresAt: Date }> {
  const now = input.now ?? new Date();
  if (!["ready", "failed", "refused"].includes(dataset.status)) {
    throw new MaskingError(
      "conflict",
      `dataset ${dataset.name} is ${dataset.status}: only a finished dataset's expiry is extended`,
    );
  }
  const from = dataset.expiresAt && dataset.expiresAt > now ? dataset.expiresAt : now;
  const expiresAt = new Date(from.getTime() + input.days * DAY_MS);
  const limit = maxExpiry(deps.config, input.role, now);
  if (expiresAt > limit) {
    const maxDays = Math.floor((limit.getTime() - from.getTime()) / DAY_MS);
    throw new MaskingError(
      "invalid",
      `a ${input.role} may keep a dataset until ${limit.toISOString().slice(0, 10)} at most: extend by ${Math.max(maxDays, 0)} day(s) or fewer`,
      { maxExpiresAt: limit.toISOString(), maxDays: Math.max(maxDays, 0) },
    );
  }
  await updateDataset(deps.db, dataset.id, {
    expiresAt,
    expiryExtendedAt: now,
    expiryExtendedBy: input.by,
  });
  return { expiresAt, maxExpiresAt: limit };
}
