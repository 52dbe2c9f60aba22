import { sql } from "kysely";
import type pg from "pg";
import type { AnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import type { Config } from "../../schema/config.ts";
import type { Db } from "../../schema/postgres.ts";
import { eraseFromTiers, personInTiers } from "../tiering/erasure-reach.ts";
import { unseal } from "./erasure-plan.ts";
import { eraseFromAnalytics, proveErasure } from "./erasure-proof.ts";
import { type ExecutionOutcome, executeRequest } from "./executor.ts";
import { getRequest } from "./requests.ts";

export {
  ErasureInputError,
  evaluateErasure,
  identifiersOf,
  type PlanErasureInput,
  planErasure,
} from "./erasure-plan.ts";

export type ErasureDeps = { db: Db; pool: pg.Pool; config: Config; analytics?: AnalyticsStore };

/**
 * Executes an approved erasure: the plan through the retention executor (identifiers scrubbed in
 * kept rows), then the analytics store, then the proof, recorded in the certificate. The sealed
 * identifiers are dropped from the request once it is done.
 */
export async function executeErasure(
  deps: ErasureDeps,
  requestId: string,
  options: { actor: string; batchSize?: number; onProgress?: (percent: number) => void },
): Promise<ExecutionOutcome> {
  const request = await getRequest(deps.db, requestId);
  if (request?.kind !== "erasure") {
    return {
      outcome: "refused",
      requestId,
      reason: "not_found",
      message: `no erasure request ${requestId}`,
    };
  }
  const sealed = request.subject.sealed_identifiers;
  const identifiers = typeof sealed === "string" ? unseal(deps.config, sealed) : [];
  const customerId = String(request.subject.customer_id ?? "");
  const outcome = await executeRequest(deps, requestId, {
    actor: options.actor,
    batchSize: options.batchSize,
    identifiers: identifiers.map((i) => i.value),
    onProgress: (p) => options.onProgress?.(p.percent),
    finish: async () => {
      const analytics = deps.analytics
        ? await eraseFromAnalytics(deps.analytics, { customerId, identifiers })
        : {};
      // Storage tiers: the person's rows in cold are deleted and the archive files holding them
      // rewritten; the certificate records what is left in each tier (zero everywhere).
      const subject = {
        tenantId: request.tenantId,
        customerId,
        identifiers: identifiers.map((i) => i.value),
      };
      const tiers = deps.analytics
        ? {
            erased: await eraseFromTiers({ ...deps, analytics: deps.analytics }, subject),
            remaining: await personInTiers({ ...deps, analytics: deps.analytics }, subject),
          }
        : undefined;
      const proof = await proveErasure(
        { db: deps.db, analytics: deps.analytics },
        { tenantId: request.tenantId, identifiers },
      );
      return {
        proof: { ...proof, analyticsRowsErased: analytics, ...(tiers ? { tiers } : {}) },
      };
    },
  });
  if (outcome.outcome === "done") {
    await sql`UPDATE governance.retention_requests
      SET subject = subject - 'sealed_identifiers', updated_at = now()
      WHERE id = ${requestId}`.execute(deps.db);
  }
  return outcome;
}
