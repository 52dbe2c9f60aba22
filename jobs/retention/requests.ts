import type { Selectable } from "kysely";
import type { GovernanceRetentionRequests } from "../../schema/database.ts";
import type { Db } from "../../schema/postgres.ts";
import type { RequestDefinition } from "./definition.ts";

/** Deletion requests (governance.retention_requests): reading them, in one shape for all callers. */

export const REQUEST_STATUSES = [
  "planning",
  "pending_approval",
  "approved",
  "rejected",
  "running",
  "done",
  "blocked",
  "expired",
  "failed",
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** Requests that still hold their policy/tenant slot (a new plan must not duplicate them). */
export const OPEN_STATUSES: readonly RequestStatus[] = [
  "planning",
  "pending_approval",
  "approved",
  "blocked",
  "running",
];

/** What blocks a request: a legal hold, or the investigation flag of a regulation. */
export type Blocker =
  | {
      kind: "legal_hold";
      id: string;
      reason: string;
      owner: string;
      tables: Record<string, number>;
    }
  | { kind: "investigation"; id: string; regulation: string; reason: string };

export type RetentionRequest = {
  id: string;
  kind: "retention" | "erasure" | "access";
  policy: string | null;
  policyVersion: number | null;
  tenantId: string;
  subject: Record<string, unknown>;
  cutoff: Date | null;
  definition: RequestDefinition;
  counts: Record<string, number>;
  /** Planned rows in cold and the archive per table (retention requests of tiered tables). */
  tierCounts: Record<string, { cold: number; archive: number }>;
  totalRows: number;
  keySetHash: string | null;
  fingerprint: string;
  status: RequestStatus;
  requiresApproval: boolean;
  approvalReasons: string[];
  requestedBy: string;
  createdAt: Date;
  updatedAt: Date;
  approvedBy: string | null;
  approvedAt: Date | null;
  approvedFingerprint: string | null;
  approvalExpiresAt: Date | null;
  decisionReason: string | null;
  executedBy: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  blockedBy: Blocker[];
  error: string | null;
  progress: Record<string, unknown>;
};

export type RequestRow = Selectable<GovernanceRetentionRequests>;

export function toRequest(row: RequestRow): RetentionRequest {
  return {
    id: row.id,
    kind: row.kind as RetentionRequest["kind"],
    policy: row.policy_id,
    policyVersion: row.policy_version,
    tenantId: row.tenant_id,
    subject: row.subject as Record<string, unknown>,
    cutoff: row.cutoff,
    definition: row.definition as RequestDefinition,
    counts: row.counts as Record<string, number>,
    tierCounts: (row.tier_counts ?? {}) as RetentionRequest["tierCounts"],
    totalRows: Number(row.total_rows),
    keySetHash: row.key_set_hash,
    fingerprint: row.fingerprint,
    status: row.status as RequestStatus,
    requiresApproval: row.requires_approval,
    approvalReasons: row.approval_reasons as string[],
    requestedBy: row.requested_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    approvedBy: row.approved_by,
    approvedAt: row.approved_at,
    approvedFingerprint: row.approved_fingerprint,
    approvalExpiresAt: row.approval_expires_at,
    decisionReason: row.decision_reason,
    executedBy: row.executed_by,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    blockedBy: row.blocked_by as Blocker[],
    error: row.error,
    progress: row.progress as Record<string, unknown>,
  };
}

export async function getRequest(db: Db, id: string): Promise<RetentionRequest | undefined> {
  const row = await db
    .selectFrom("governance.retention_requests")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirst();
  return row ? toRequest(row) : undefined;
}

/** Requests, newest first, optionally filtered by status, tenant or policy. */
export async function listRequests(
  db: Db,
  filter: {
    status?: RequestStatus[];
    tenantId?: string;
    policy?: string;
    limit?: number;
    offset?: number;
  } = {},
): Promise<RetentionRequest[]> {
  let query = db.selectFrom("governance.retention_requests").selectAll();
  if (filter.status?.length) {
    query = query.where("status", "in", filter.status);
  }
  if (filter.tenantId) {
    query = query.where("tenant_id", "=", filter.tenantId);
  }
  if (filter.policy) {
    query = query.where("policy_id", "=", filter.policy);
  }
  const rows = await query
    .orderBy("created_at", "desc")
    .orderBy("id")
    .limit(filter.limit ?? 100)
    .offset(filter.offset ?? 0)
    .execute();
  return rows.map(toRequest);
}

/** The summary `retention plan --json` prints per request (the CLI contract). */
export function requestSummary(request: RetentionRequest) {
  return {
    id: request.id,
    kind: request.kind,
    policy: request.policy,
    policy_version: request.policyVersion,
    tenant_id: request.tenantId,
    cutoff: request.cutoff?.toISOString() ?? null,
    counts: request.counts,
    tier_counts: request.tierCounts,
    total_rows: request.totalRows,
    status: request.status,
    requires_approval: request.requiresApproval,
    approval_reasons: request.approvalReasons,
    fingerprint: request.fingerprint,
    key_set_hash: request.keySetHash,
    requested_by: request.requestedBy,
    approved_by: request.approvedBy,
    approval_expires_at: request.approvalExpiresAt?.toISOString() ?? null,
    blocked_by: request.blockedBy,
  };
}

/** An earlier request with the same key set that a compliance officer rejected. */
export type EarlierRejection = {
  requestId: string;
  rejectedBy: string;
  reason: string;
  rejectedAt: Date;
};

/**
 * The latest rejection of the same key set (same kind, policy, tenant and key-set hash) before
 * this request: a rejected plan that comes back unchanged says so, with who rejected it and why.
 */
export async function earlierRejection(
  db: Db,
  request: Pick<RetentionRequest, "id" | "kind" | "policy" | "tenantId" | "keySetHash">,
): Promise<EarlierRejection | undefined> {
  if (!request.keySetHash) {
    return undefined;
  }
  const row = await db
    .selectFrom("governance.retention_requests as r")
    .innerJoin("governance.retention_approvals as a", "a.request_id", "r.id")
    .select(["r.id", "a.actor", "a.reason", "a.decided_at"])
    .where("r.kind", "=", request.kind)
    .where("r.tenant_id", "=", request.tenantId)
    .where("r.key_set_hash", "=", request.keySetHash)
    .where("r.id", "<>", request.id)
    .where("r.status", "=", "rejected")
    .where("a.decision", "=", "reject")
    .where((eb) =>
      request.policy === null
        ? eb("r.policy_id", "is", null)
        : eb("r.policy_id", "=", request.policy),
    )
    .orderBy("a.decided_at", "desc")
    .limit(1)
    .executeTakeFirst();
  return row
    ? { requestId: row.id, rejectedBy: row.actor, reason: row.reason, rejectedAt: row.decided_at }
    : undefined;
}
