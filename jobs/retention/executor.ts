import { sql } from "kysely";
import { isUuid } from "../../schema/uuid.ts";
import { withTierReach } from "../tiering/retention-reach.ts";
import { getCertificate } from "./certificate.ts";
import { gate } from "./execution-gate.ts";
import { resolvePlan } from "./execution-plan.ts";
import { run } from "./execution-run.ts";
import {
  type ExecuteOptions,
  type ExecutionOutcome,
  type ExecutorDeps,
  ExecutorError,
  emptyReport,
  type PlanTable,
} from "./execution-types.ts";
import { getRequest } from "./requests.ts";
import { type TableShape, TableShapeError } from "./table-shape.ts";

export { batchStatement, FAST_PLAN } from "./batch-statement.ts";
export { planTable } from "./execution-plan.ts";
export type {
  BatchPhases,
  ExecuteOptions,
  ExecutionOutcome,
  ExecutionProgress,
  ExecutionRefusal,
  ExecutionReport,
  ExecutorDeps,
  PlanTable,
  Treatment,
} from "./execution-types.ts";
export { ExecutorError } from "./execution-types.ts";

/**
 * The retention executor: carries out one approved deletion request.
 *
 * - Gate. Only an approved request runs: a person's approval bound to the request's current
 *   fingerprint and not expired, or the policy's own approval for small plans. Before the first
 *   batch the candidates are evaluated again (the planner's `reevaluateRequest`); when their
 *   count drifted beyond the policy's tolerance from the approved plan, the request goes back
 *   to `pending_approval` and nothing is deleted.
 * - Scope. It acts only on the keys frozen in `retention_request_keys` at planning: rows that
 *   started matching the policy after the plan are never touched.
 * - Batches. Each batch is one short transaction over a range of plan positions (the planner
 *   numbers keys in the table's physical order and notes each row's location): legal holds and
 *   the investigation flag are read again under a SHARE lock (a hold being placed waits for the
 *   batch to commit; the next batch sees it), held keys are skipped, and one statement deletes
 *   (or anonymizes) the rest and writes their ledger rows (see batchStatement), whose unique
 *   (request, position) means a retried batch can never act on a row twice (positions come from
 *   one sequence: each names one planned key of its request). Rows are
 *   taken where the plan saw them only when their key still matches, else looked up by key.
 *   For archive-then-delete that statement runs as `COPY (...) TO STDOUT`, streamed through gzip
 *   into the batch's archive file, fsynced before the commit: deleted = ledger = archived.
 *   A table's batches run side by side on two connections (`parallel`): while one waits for
 *   its file's fsync and its commit, the other deletes.
 * - Treatment. Each plan key says what is done to its row: the plan's action for its table
 *   (`act`), or `scrub` for a row that only mentions an erased person (someone else's message
 *   naming them: their identifiers are replaced, the rest is kept). A table is carried out in
 *   parts, one per treatment, each batch within one part.
 * - Order. Tables go in the plan's deletion order (children before parents).
 * - Crashes. A killed run loses only its open batch (rolled back); running the request again
 *   resumes from the ledger.
 * - Holds. Held keys are skipped, not waited for: the rest of the plan is carried out and the
 *   request ends `blocked`, naming the holds, with the held keys still pending. Once the holds
 *   are released, executing the request again finishes it and issues the certificate.
 * - Certificate. Issued when every planned key is in the ledger (see certificate.ts).
 */

/**
 * Executes (or resumes) a deletion request. Returns `done` with the certificate, `blocked` with
 * the holds that stopped part of it, or `refused` with the reason nothing ran. Executing a done
 * request again returns its certificate and deletes nothing.
 */
export async function executeRequest(
  deps: ExecutorDeps,
  requestId: string,
  options: ExecuteOptions,
): Promise<ExecutionOutcome> {
  const request = isUuid(requestId) ? await getRequest(deps.db, requestId) : undefined;
  if (!request) {
    return {
      outcome: "refused",
      requestId,
      reason: "not_found",
      message: `no request ${requestId}`,
    };
  }
  if (request.status === "done") {
    const certificate = await getCertificate(deps.db, requestId);
    if (certificate) {
      return { outcome: "done", requestId, certificate, report: emptyReport() };
    }
  }
  const refusal = await gate(deps, request, options);
  if (refusal) {
    return { outcome: "refused", requestId, ...refusal };
  }
  let tables: { plan: PlanTable; shape: TableShape }[];
  try {
    tables = await resolvePlan(deps.db, request);
  } catch (error) {
    if (error instanceof TableShapeError || error instanceof ExecutorError) {
      return { outcome: "refused", requestId, reason: "invalid_plan", message: error.message };
    }
    throw error;
  }
  await sql`
    UPDATE governance.retention_requests
    SET status = 'running', executed_by = ${options.actor},
        started_at = coalesce(started_at, now()), updated_at = now(), error = NULL
    WHERE id = ${requestId}`.execute(deps.db);
  try {
    // Rows of the plan's tables that tiering moved out go too, whoever executes the request.
    return await run(deps, request, tables, withTierReach(deps, request, options));
  } catch (error) {
    // A failure (not a crash) leaves the request resumable: its ledger says what is done.
    await sql`
      UPDATE governance.retention_requests
      SET status = 'failed', error = ${(error as Error).message.slice(0, 2000)}, updated_at = now()
      WHERE id = ${requestId}`.execute(deps.db);
    throw error;
  }
}
