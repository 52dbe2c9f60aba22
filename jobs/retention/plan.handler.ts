import { z } from "zod";
import type { Db } from "../../schema/postgres.ts";
import { PLANNER_ACTOR, planRetention, type TierReader } from "./planner.ts";

/** `retention` job payload `{action: "plan"}`: run the planner now (scheduled daily). */
export const ZRetentionPlanPayload = z.strictObject({
  action: z.literal("plan"),
  policyIds: z.array(z.string().min(1).max(100)).max(100).optional(),
  tenantIds: z.array(z.uuid()).max(1000).optional(),
});
export type TRetentionPlanPayload = z.infer<typeof ZRetentionPlanPayload>;

/**
 * Who a run's requests name: the job itself only when its schedule started it (any officer may
 * decide those); a run someone queued (the console's "plan", `POST /retention/plan` with
 * `background`, `POST /jobs/retention/run`) is theirs, so they can never decide its requests.
 * The payload cannot say otherwise: it is strict and has no requester.
 */
export function plannedBy(triggeredBy: string | undefined): string {
  return triggeredBy === undefined || triggeredBy === "schedule" ? PLANNER_ACTOR : triggeredBy;
}

/** The thin job side of the planner: plans for whoever queued the run, reports progress. */
export async function runRetentionPlanJob(
  db: Db,
  progress: (percent: number) => Promise<void>,
  payload: TRetentionPlanPayload,
  triggeredBy?: string,
  tiers?: TierReader,
): Promise<Record<string, unknown>> {
  const outcomes = await planRetention(db, {
    requestedBy: plannedBy(triggeredBy),
    tiers,
    policyIds: payload.policyIds,
    tenantIds: payload.tenantIds,
    onProgress: (done, total) => {
      void progress(Math.min(99, Math.floor((done / Math.max(1, total)) * 100)));
    },
  });
  const byStatus: Record<string, number> = {};
  for (const { request } of outcomes) {
    byStatus[request.status] = (byStatus[request.status] ?? 0) + 1;
  }
  return {
    requests: outcomes.length,
    created: outcomes.filter((o) => o.outcome === "created").length,
    ...byStatus,
  };
}
