import { sql } from "kysely";
import { candidateDrift, checkExecutable } from "./approvals.ts";
import type { ExecuteOptions, ExecutionRefusal, ExecutorDeps } from "./execution-types.ts";
import { reevaluateRequest } from "./reevaluate.ts";
import type { Blocker, RetentionRequest } from "./requests.ts";

/**
 * The executor's gate: may this request run now? Its approval (approvals.ts) and, before the
 * first batch, the candidates' drift since approval.
 */
export async function gate(
  deps: ExecutorDeps,
  request: RetentionRequest,
  options: ExecuteOptions,
): Promise<{ reason: ExecutionRefusal; message: string; blockers?: Blocker[] } | undefined> {
  // A run that failed part-way resumes like a crashed one: its ledger says what is done.
  if (request.status === "failed" && request.startedAt) {
    await sql`UPDATE governance.retention_requests SET status = 'running', updated_at = now()
      WHERE id = ${request.id} AND status = 'failed'`.execute(deps.db);
  }
  // The approval gate's own verdict (approvals.ts): approved by a person or the policy, bound
  // to the current fingerprint, not expired, not held. `running` passes: a resumed execution
  // (crash) finishes the plan it began under its approval.
  const verdict = await checkExecutable(deps.db, request.id);
  if (!verdict.ok) {
    const reason: ExecutionRefusal =
      verdict.code === "wrong_status" && request.status === "pending_approval"
        ? "not_approved"
        : verdict.code === "reason_required" ||
            verdict.code === "not_permitted" ||
            verdict.code === "self_approval" ||
            verdict.code === "separation_of_duties"
          ? "wrong_status"
          : verdict.code;
    return {
      reason,
      message: verdict.message,
      ...(verdict.code === "held" ? { blockers: verdict.blockers } : {}),
    };
  }
  // Before the first batch: has the candidate set drifted beyond the policy's tolerance since
  // approval? Then nothing is deleted and the request waits for a new approval.
  if (
    verdict.request.status === "approved" &&
    !verdict.request.startedAt &&
    options.checkDrift !== false &&
    request.kind === "retention"
  ) {
    const tiers = deps.analytics ? { config: deps.config, analytics: deps.analytics } : undefined;
    const drift = await candidateDrift(deps.db, verdict.request, tiers);
    if (!drift.withinTolerance) {
      const tolerance = verdict.request.definition.driftTolerance ?? 0.05;
      const message = `candidate drift: ${drift.planned} rows were approved, ${drift.now} match now (${(drift.drift * 100).toFixed(1)}% > ${(tolerance * 100).toFixed(1)}% tolerance); approve again`;
      await sql`
        UPDATE governance.retention_requests
        SET status = 'pending_approval', approved_by = NULL, approved_at = NULL,
            approved_fingerprint = NULL, approval_expires_at = NULL, error = ${message},
            decision_reason = ${message}, updated_at = now()
        WHERE id = ${request.id} AND status = 'approved' AND started_at IS NULL`.execute(deps.db);
      return { reason: "drift", message };
    }
  }
  // An erasure's plan is the person's rows as they were: recomputed from the live data before
  // the first batch, a plan the data has left behind is not carried out (and cannot be approved
  // again: it is closed, and the person planned anew).
  if (
    verdict.request.status === "approved" &&
    !verdict.request.startedAt &&
    options.checkDrift !== false &&
    request.kind === "erasure"
  ) {
    const live = await reevaluateRequest(deps.db, verdict.request);
    if (live.fingerprint !== verdict.request.fingerprint) {
      const message = `fingerprint mismatch: the person's data changed since ${request.id} was approved (${verdict.request.totalRows} rows planned, ${live.totalRows} match now); plan the erasure again`;
      await sql`
        UPDATE governance.retention_requests
        SET status = 'expired', error = ${message}, decision_reason = ${message}, updated_at = now()
        WHERE id = ${request.id} AND status = 'approved' AND started_at IS NULL`.execute(deps.db);
      return { reason: "fingerprint_mismatch", message };
    }
  }
  return undefined;
}
