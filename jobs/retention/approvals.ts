import { sql } from "kysely";
import { DEFAULT_APPROVAL_TTL_DAYS } from "../../rules/retention/index.ts";
import { can, type Role } from "../../schema/domain/permissions.ts";
import {
  accountMadeBy,
  describeAccountEvent,
  type ProvenanceEvent,
} from "../../schema/governance/account-provenance.repository.ts";
import type { Db } from "../../schema/postgres.ts";
import { refreshRequestBlock } from "./holds.ts";
import type { TierReader } from "./planner.ts";
import { reevaluateRequest } from "./reevaluate.ts";
import { type Blocker, getRequest, type RequestStatus, type RetentionRequest } from "./requests.ts";

/**
 * The approval gate. A compliance officer other than the requester approves or rejects a
 * waiting request, with a reason; an approval binds the request's fingerprint (recomputed from
 * the live data at that moment, so an officer never approves a plan the data has left behind)
 * and expires (policy's approvalTtlDays, default 7). `checkExecutable` is what the executor asks
 * before it starts and between batches.
 *
 * Refusals are results, not exceptions: each names why, in words a person can act on. The
 * route or CLI command that calls these functions writes the audit event.
 */

/** Who decides: a console user's e-mail and role (null: not a console user, never permitted). */
export type Decider = { name: string; role: Role | null };

export type Refusal =
  | { ok: false; code: "not_found"; message: string }
  | { ok: false; code: "reason_required"; message: string }
  | { ok: false; code: "not_permitted"; message: string }
  | { ok: false; code: "self_approval"; message: string }
  | { ok: false; code: "separation_of_duties"; message: string; chain: ProvenanceEvent[] }
  | { ok: false; code: "expired"; message: string; expiredAt: Date | null }
  | { ok: false; code: "fingerprint_mismatch"; message: string; expected: string; actual: string }
  | { ok: false; code: "held"; message: string; blockers: Blocker[] }
  | { ok: false; code: "wrong_status"; message: string; status: string };

export type Decision = { ok: true; request: RetentionRequest } | Refusal;

export type RefusalCode = Refusal["code"];

function heldRefusal(request: RetentionRequest, blockers: Blocker[]): Refusal {
  const names = blockers.map((b) =>
    b.kind === "legal_hold"
      ? `legal hold ${b.id} (${b.reason})`
      : `${b.regulation} investigation ${b.id} (${b.reason})`,
  );
  return {
    ok: false,
    code: "held",
    message: `request ${request.id} is held by ${names.join(", ")}`,
    blockers,
  };
}

async function precheck(
  db: Db,
  input: { requestId: string; decider: Decider; reason: string },
  verb: "approve" | "reject",
): Promise<RetentionRequest | Refusal> {
  const request = await getRequest(db, input.requestId);
  if (!request) {
    return { ok: false, code: "not_found", message: `no retention request ${input.requestId}` };
  }
  if (!input.reason.trim()) {
    return { ok: false, code: "reason_required", message: `a reason is required to ${verb}` };
  }
  if (!input.decider.role || !can(input.decider.role, "retention:approve")) {
    return {
      ok: false,
      code: "not_permitted",
      message: `only a compliance officer may ${verb} a deletion request (${input.decider.name} is ${input.decider.role ?? "not a console user"})`,
    };
  }
  if (input.decider.name.toLowerCase() === request.requestedBy.toLowerCase()) {
    return {
      ok: false,
      code: "self_approval",
      message: `self-approval refused: ${input.decider.name} requested ${request.id}; another compliance officer must ${verb} it`,
    };
  }
  // Separation of duties: an account the requester created, promoted or re-enabled (or one made
  // by such an account) is the requester's to use; it never decides their request.
  const chain = await accountMadeBy(db, input.decider.name, request.requestedBy);
  if (chain.length > 0) {
    return {
      ok: false,
      code: "separation_of_duties",
      message: `separation of duties: ${chain.map(describeAccountEvent).join("; ")}; ${request.requestedBy} requested ${request.id}, so a compliance officer whose account they had no hand in must ${verb} it`,
      chain,
    };
  }
  return request;
}

/**
 * Approves a waiting request. `fingerprint` (optional) is the one the officer was shown; the
 * request's fingerprint must equal it and the live data must still produce it.
 */
export async function approveRequest(
  db: Db,
  input: {
    requestId: string;
    decider: Decider;
    reason: string;
    fingerprint?: string;
    now?: Date;
    /** Reads cold and the archive: a request of a tiered table is recounted there too. */
    tiers?: TierReader;
  },
): Promise<Decision> {
  const checked = await precheck(db, input, "approve");
  if ("ok" in checked) {
    return checked;
  }
  let request = checked;
  if (request.status === "blocked") {
    const blockers = await refreshRequestBlock(db, request);
    if (blockers.length) {
      return heldRefusal(request, blockers);
    }
    request = (await getRequest(db, request.id)) ?? request;
  }
  if (request.status === "expired") {
    return {
      ok: false,
      code: "expired",
      message: `request ${request.id} expired (${request.decisionReason ?? "its approval window passed"}); plan again`,
      expiredAt: request.approvalExpiresAt,
    };
  }
  if (request.status !== "pending_approval") {
    return {
      ok: false,
      code: "wrong_status",
      message: `request ${request.id} is ${request.status}, not waiting for approval`,
      status: request.status,
    };
  }
  if (input.fingerprint && input.fingerprint !== request.fingerprint) {
    return {
      ok: false,
      code: "fingerprint_mismatch",
      message: `fingerprint mismatch: you reviewed ${input.fingerprint}, the request is ${request.fingerprint}`,
      expected: input.fingerprint,
      actual: request.fingerprint,
    };
  }
  const live = await reevaluateRequest(db, request, input.tiers);
  if (live.fingerprint !== request.fingerprint) {
    return {
      ok: false,
      code: "fingerprint_mismatch",
      message: `fingerprint mismatch: the data changed since ${request.id} was planned (${request.totalRows} rows planned, ${live.totalRows} now); plan again`,
      expected: request.fingerprint,
      actual: live.fingerprint,
    };
  }
  const blockers = await refreshRequestBlock(db, request);
  if (blockers.length) {
    return heldRefusal(request, blockers);
  }
  const now = input.now ?? new Date();
  const ttlDays = request.definition?.approvalTtlDays ?? DEFAULT_APPROVAL_TTL_DAYS;
  const expiresAt = new Date(now.getTime() + ttlDays * 86_400_000);
  const updated = await recordDecision(db, {
    request,
    decider: input.decider,
    decision: "approve",
    reason: input.reason,
    from: ["pending_approval"],
    now,
    expiresAt,
  });
  const fresh = (await getRequest(db, request.id)) ?? request;
  if (!updated) {
    return {
      ok: false,
      code: "wrong_status",
      message: `request ${request.id} changed while approving (now ${fresh.status})`,
      status: fresh.status,
    };
  }
  return { ok: true, request: fresh };
}

/**
 * Records a decision in one transaction: the request leaves one of the `from` statuses (approved
 * or rejected, with the reason) and retention_approvals gets the decision, bound to the
 * fingerprint the decider saw. False when the request left those statuses, or its plan changed,
 * meanwhile: nothing is written then.
 */
async function recordDecision(
  db: Db,
  input: {
    request: RetentionRequest;
    decider: Decider;
    decision: "approve" | "reject";
    reason: string;
    from: RequestStatus[];
    now: Date;
    /** approve: when the approval lapses. */
    expiresAt?: Date;
  },
): Promise<boolean> {
  const { request, now } = input;
  const reason = input.reason.trim();
  const approval =
    input.decision === "approve"
      ? {
          approved_by: input.decider.name,
          approved_at: now,
          approved_fingerprint: request.fingerprint,
          approval_expires_at: input.expiresAt ?? null,
        }
      : {};
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable("governance.retention_requests")
      .set({
        status: input.decision === "approve" ? "approved" : "rejected",
        decision_reason: reason,
        updated_at: sql<Date>`now()`,
        ...approval,
      })
      .where("id", "=", request.id)
      .where("status", "in", input.from)
      .where("fingerprint", "=", request.fingerprint)
      .returning("id")
      .executeTakeFirst();
    if (!row) {
      return false;
    }
    await trx
      .insertInto("governance.retention_approvals")
      .values({
        request_id: request.id,
        actor: input.decider.name,
        decision: input.decision,
        reason,
        fingerprint: request.fingerprint,
        decided_at: now,
        expires_at: input.expiresAt ?? null,
      })
      .execute();
    return true;
  });
}

/** Rejects a waiting, blocked or approved (not yet running) request. */
export async function rejectRequest(
  db: Db,
  input: { requestId: string; decider: Decider; reason: string },
): Promise<Decision> {
  const checked = await precheck(db, input, "reject");
  if ("ok" in checked) {
    return checked;
  }
  const request = checked;
  const updated = await recordDecision(db, {
    request,
    decider: input.decider,
    decision: "reject",
    reason: input.reason,
    from: ["pending_approval", "blocked", "approved"],
    now: new Date(),
  });
  const fresh = (await getRequest(db, request.id)) ?? request;
  if (!updated) {
    return {
      ok: false,
      code: "wrong_status",
      message: `request ${request.id} is ${fresh.status}; only waiting, blocked or approved requests can be rejected`,
      status: fresh.status,
    };
  }
  return { ok: true, request: fresh };
}

/**
 * May this request be executed now? Approved (by a person or by policy), the approval bound to
 * the request's current fingerprint and not expired, and nothing holding it. An expired approval
 * marks the request `expired`; a hold marks it `blocked`. `running` counts as executable so a
 * resumed execution passes (its approval was checked when it started).
 */
export async function checkExecutable(
  db: Db,
  requestId: string,
  options: { now?: Date; allowRunning?: boolean } = {},
): Promise<Decision> {
  const request = await getRequest(db, requestId);
  if (!request) {
    return { ok: false, code: "not_found", message: `no retention request ${requestId}` };
  }
  const statuses = options.allowRunning === false ? ["approved"] : ["approved", "running"];
  if (request.status === "blocked") {
    const blockers = await refreshRequestBlock(db, request);
    if (blockers.length) {
      return heldRefusal(request, blockers);
    }
  }
  const current = (await getRequest(db, requestId)) ?? request;
  if (current.status === "pending_approval") {
    return {
      ok: false,
      code: "wrong_status",
      message: `request ${current.id} needs approval by a compliance officer (${current.approvalReasons.join(", ") || "policy"}) before it can run`,
      status: current.status,
    };
  }
  if (current.status === "expired") {
    return {
      ok: false,
      code: "expired",
      message: `request ${current.id} expired; plan again`,
      expiredAt: current.approvalExpiresAt,
    };
  }
  if (!statuses.includes(current.status)) {
    return {
      ok: false,
      code: "wrong_status",
      message: `request ${current.id} is ${current.status}, not approved`,
      status: current.status,
    };
  }
  if (!current.approvedBy || current.approvedFingerprint !== current.fingerprint) {
    return {
      ok: false,
      code: "fingerprint_mismatch",
      message: `fingerprint mismatch: the approval covers ${current.approvedFingerprint ?? "nothing"}, the request is ${current.fingerprint}`,
      expected: current.approvedFingerprint ?? "",
      actual: current.fingerprint,
    };
  }
  const now = options.now ?? new Date();
  if (
    current.status === "approved" &&
    current.approvalExpiresAt &&
    current.approvalExpiresAt <= now
  ) {
    await db
      .updateTable("governance.retention_requests")
      .set({
        status: "expired",
        decision_reason: "approval expired before execution",
        updated_at: sql<Date>`now()`,
      })
      .where("id", "=", current.id)
      .where("status", "=", "approved")
      .execute();
    return {
      ok: false,
      code: "expired",
      message: `approval of ${current.id} expired at ${current.approvalExpiresAt.toISOString()}; plan and approve again`,
      expiredAt: current.approvalExpiresAt,
    };
  }
  if (current.status === "approved") {
    const blockers = await refreshRequestBlock(db, current);
    if (blockers.length) {
      return heldRefusal(current, blockers);
    }
  }
  return { ok: true, request: current };
}

/**
 * How far the live candidate set has drifted from the approved plan: total rows now over rows
 * planned. The executor stops and asks again when `withinTolerance` is false (rows inserted after
 * approval are never deleted either way: it deletes only the frozen key set).
 */
export async function candidateDrift(
  db: Db,
  request: RetentionRequest,
  tiers?: TierReader,
): Promise<{
  planned: number;
  now: number;
  drift: number;
  withinTolerance: boolean;
  counts: Record<string, number>;
}> {
  const live = await reevaluateRequest(db, request, tiers);
  const planned = request.totalRows;
  const drift =
    planned === 0 ? (live.totalRows === 0 ? 0 : 1) : Math.abs(live.totalRows - planned) / planned;
  return {
    planned,
    now: live.totalRows,
    drift,
    withinTolerance: drift <= (request.definition?.driftTolerance ?? 0.05),
    counts: live.counts,
  };
}
