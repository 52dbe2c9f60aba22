import type { Db } from "../../schema/postgres.ts";
import { evaluateAccess } from "./access-request.ts";
import { evaluateErasure } from "./erasure-plan.ts";
import { type Evaluation, evaluateDefinition, type TierReader } from "./planner.ts";
import type { RetentionRequest } from "./requests.ts";

/**
 * Recomputes a stored request's plan from the live data (a retention request from its
 * definition, an erasure from the person's rows as they are now, an access request from the person), so the approval gate and the
 * executor compare the approved fingerprint with the data, never the request with itself.
 * `tiers` reads cold and the archive, needed for a retention request of a tiered table.
 */
export async function reevaluateRequest(
  db: Db,
  request: RetentionRequest,
  tiers?: TierReader,
): Promise<Evaluation> {
  switch (request.kind) {
    case "retention":
      return evaluateDefinition(db, request.definition, request.tenantId, undefined, tiers);
    case "erasure":
      return evaluateErasure(db, request);
    case "access":
      return evaluateAccess(db, request);
  }
}
