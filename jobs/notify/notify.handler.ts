import { z } from "zod";
import type { Config } from "../../schema/config.ts";
import type { Db } from "../../schema/postgres.ts";
import { deliverDue, makeDigests } from "./deliveries.ts";

/**
 * The `notify` queue. `deliver` sends deliveries `notify()` just recorded; the schedule's `sweep`
 * (every minute) sends whatever is due — retries after their backoff, deliveries recorded while
 * Redis was down, claims a dead worker left — and makes the daily digests once their hour has
 * come. Both are idempotent: the delivery rows are the ledger.
 */
export const ZNotifyPayload = z.preprocess(
  (value) =>
    value && typeof value === "object" && !("action" in value)
      ? { ...value, action: "sweep" }
      : value,
  z.discriminatedUnion("action", [
    z.strictObject({ action: z.literal("sweep") }),
    z.strictObject({
      action: z.literal("deliver"),
      deliveryIds: z.array(z.uuid()).min(1).max(500),
    }),
  ]),
);
export type NotifyPayload = z.infer<typeof ZNotifyPayload>;

export async function runNotifyJob(
  deps: { db: Db; config: Config; progress?: (percent: number) => Promise<void> },
  payload: NotifyPayload,
  now: Date = new Date(),
): Promise<Record<string, unknown>> {
  if (payload.action === "deliver") {
    const outcome = await deliverDue(deps, { ids: payload.deliveryIds });
    await deps.progress?.(100);
    return outcome;
  }
  const digests = await makeDigests(deps.db, deps.config, now);
  await deps.progress?.(30);
  const outcome = await deliverDue(deps);
  await deps.progress?.(100);
  return { ...outcome, digests: digests.length };
}
