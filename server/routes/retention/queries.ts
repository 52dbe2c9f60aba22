import { sql } from "kysely";
import type { Blocker, RetentionRequest } from "../../../jobs/retention/requests.ts";
import { toRequest } from "../../../jobs/retention/requests.ts";
import type { TRequestKind } from "../../../schema/contracts/retention.ts";
import type { Db } from "../../../schema/postgres.ts";
import { AppError } from "../../errors.ts";
import { iso, isoOrNull } from "./schemas.ts";

// Read-only projections of the retention tables for the console: lists, paging and the shape of
// the wire. Every decision (planning, approving, holding, executing) is the engine's
// (jobs/retention/*); nothing here changes state.

export type RequestFilter = {
  status?: string;
  kind?: string;
  policy?: string;
  tenant?: string;
};

export type Paging = { page: number; pageSize: number };

function requestsQuery(db: Db) {
  return db
    .selectFrom("governance.retention_requests as r")
    .selectAll("r")
    .select(
      sql<boolean>`EXISTS (SELECT 1 FROM governance.retention_certificates c
        WHERE c.request_id = r.id)`.as("has_certificate"),
    );
}

const asRecord = (value: unknown): Record<string, unknown> =>
  value && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

/** What blocks a request, in one line each (a hold with its reason and owner, or the flag). */
function blockerText(blocker: Blocker): string {
  return blocker.kind === "legal_hold"
    ? `legal hold ${blocker.id} (${blocker.reason}; owner ${blocker.owner})`
    : `${blocker.regulation} investigation flag (${blocker.reason})`;
}

/** The wire shape of a request; `caller` is who asks, to say whether they requested it. */
export function requestView(request: RetentionRequest, hasCertificate: boolean, caller?: string) {
  return {
    id: request.id,
    kind: request.kind,
    status: request.status,
    policyId: request.policy,
    policyVersion: request.policyVersion,
    tenantId: request.tenantId,
    // Only the person's id: an erasure's subject also carries its sealed identifiers.
    subject:
      typeof request.subject?.customer_id === "string"
        ? { customer_id: request.subject.customer_id }
        : {},
    totalRows: request.totalRows,
    counts: Object.fromEntries(
      Object.entries(asRecord(request.counts)).map(([table, n]) => [table, Number(n) || 0]),
    ),
    tierCounts: Object.fromEntries(
      Object.entries(asRecord(request.tierCounts)).map(([table, t]) => {
        const tiers = asRecord(t);
        return [table, { cold: Number(tiers.cold) || 0, archive: Number(tiers.archive) || 0 }];
      }),
    ),
    requiresApproval: request.requiresApproval,
    approvalReasons: Array.isArray(request.approvalReasons) ? request.approvalReasons : [],
    fingerprint: request.fingerprint,
    requestedBy: request.requestedBy,
    requestedByYou:
      caller !== undefined && request.requestedBy.toLowerCase() === caller.toLowerCase(),
    createdAt: iso(request.createdAt),
    approvedBy: request.approvedBy,
    approvedAt: isoOrNull(request.approvedAt),
    approvalExpiresAt: isoOrNull(request.approvalExpiresAt),
    blockedBy: (Array.isArray(request.blockedBy) ? request.blockedBy : []).map(blockerText),
    error: request.error,
    startedAt: isoOrNull(request.startedAt),
    finishedAt: isoOrNull(request.finishedAt),
    hasCertificate,
  };
}

export type RequestSort = "createdAt:asc" | "createdAt:desc" | "totalRows:asc" | "totalRows:desc";

export async function listRequests(
  db: Db,
  filter: RequestFilter,
  paging: Paging,
  sort: RequestSort,
  caller: string | undefined,
) {
  let query = requestsQuery(db);
  if (filter.status) {
    query = query.where("r.status", "=", filter.status);
  }
  if (filter.kind) {
    query = query.where("r.kind", "=", filter.kind);
  }
  if (filter.policy) {
    query = query.where("r.policy_id", "=", filter.policy);
  }
  if (filter.tenant) {
    query = query.where("r.tenant_id", "=", filter.tenant);
  }
  const [field, direction] = sort.split(":") as ["createdAt" | "totalRows", "asc" | "desc"];
  const [rows, count] = await Promise.all([
    query
      .orderBy(field === "totalRows" ? "r.total_rows" : "r.created_at", direction)
      .orderBy("r.id", direction)
      .limit(paging.pageSize)
      .offset((paging.page - 1) * paging.pageSize)
      .execute(),
    query
      .clearSelect()
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .executeTakeFirst(),
  ]);
  return {
    items: rows.map(({ has_certificate, ...row }) =>
      requestView(toRequest(row), has_certificate, caller),
    ),
    total: Number(count?.n ?? 0),
  };
}

/** One request and whether its certificate exists; undefined when there is none. */
export async function findRequest(db: Db, id: string) {
  const row = await requestsQuery(db).where("r.id", "=", id).executeTakeFirst();
  if (!row) {
    return undefined;
  }
  const { has_certificate, ...rest } = row;
  return { request: toRequest(rest), hasCertificate: has_certificate };
}

/**
 * The full id of the request that `ref` names: a full id as is, or the one request whose id
 * starts with the hex prefix (an index range scan, not a LIKE over every id). 404 when none
 * matches, 409 naming the candidates when several do.
 */
export async function resolveRequestId(db: Db, ref: string): Promise<string> {
  const hex = ref.toLowerCase().replaceAll("-", "");
  if (!/^[0-9a-f]{8,32}$/.test(hex)) {
    throw new AppError("invalid_request", `Not a request id or short id: ${ref}.`, [
      { path: "id", message: "a request id, or its first 8 (or more) hex digits" },
    ]);
  }
  const asUuid = (h: string) =>
    `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  if (hex.length === 32) {
    return asUuid(hex);
  }
  const rows = await db
    .selectFrom("governance.retention_requests")
    .select(["id", "kind", "status", "created_at"])
    .where("id", ">=", asUuid(hex.padEnd(32, "0")))
    .where("id", "<=", asUuid(hex.padEnd(32, "f")))
    .orderBy("id")
    .limit(6)
    .execute();
  const [first] = rows;
  if (!first) {
    throw new AppError("not_found", `No retention request has an id starting with ${ref}.`);
  }
  if (rows.length > 1) {
    throw new AppError(
      "conflict",
      `The short id ${ref} is ambiguous: ${rows.length > 5 ? "more than 5" : rows.length} requests start with it; give more digits.`,
      rows.slice(0, 5).map((r) => ({
        id: r.id,
        kind: r.kind,
        status: r.status,
        createdAt: iso(r.created_at),
      })),
    );
  }
  return first.id;
}

/** What happened to a request, oldest first: planned, each decision, started, finished. */
export async function requestTimeline(db: Db, request: RetentionRequest) {
  const decisions = await db
    .selectFrom("governance.retention_approvals")
    .select(["actor", "decision", "reason", "decided_at", "expires_at"])
    .where("request_id", "=", request.id)
    .orderBy("decided_at")
    .orderBy("id")
    .execute();
  type Event = { at: string; event: string; actor: string | null; reason: string | null };
  const events: Event[] = [
    { at: iso(request.createdAt), event: "planned", actor: request.requestedBy, reason: null },
    ...decisions.map((d) => ({
      at: iso(d.decided_at),
      event:
        d.decision === "approve"
          ? "approved"
          : d.decision === "reject"
            ? "rejected"
            : "approved_by_policy",
      actor: d.actor,
      reason: d.expires_at ? `${d.reason} (valid until ${iso(d.expires_at)})` : d.reason,
    })),
  ];
  if (request.startedAt) {
    events.push({
      at: iso(request.startedAt),
      event: "started",
      actor: request.executedBy,
      reason: null,
    });
  }
  if (request.finishedAt) {
    events.push({
      at: iso(request.finishedAt),
      event: request.status === "done" ? "done" : request.status,
      actor: null,
      reason: request.error,
    });
  }
  return events.sort((a, b) => a.at.localeCompare(b.at));
}

/** Rows the executor has acted on (ledger), of the plan's total. */
export async function ledgerCount(db: Db, requestId: string): Promise<number> {
  const row = await db
    .selectFrom("governance.retention_ledger")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("request_id", "=", requestId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

type HoldRow = {
  id: string;
  tenant_id: string | null;
  customer_id: string | null;
  table_name: string | null;
  date_from: unknown;
  date_to: unknown;
  reason: string;
  owner: string;
  created_by: string;
  created_at: unknown;
  released_at: unknown;
  released_by: string | null;
  release_reason: string | null;
};

export function holdView(row: HoldRow) {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    customerId: row.customer_id,
    table: row.table_name,
    from: isoOrNull(row.date_from),
    to: isoOrNull(row.date_to),
    reason: row.reason,
    owner: row.owner,
    createdBy: row.created_by,
    createdAt: iso(row.created_at),
    releasedAt: isoOrNull(row.released_at),
    releasedBy: row.released_by,
    releaseReason: row.release_reason,
  };
}

export async function listHolds(
  db: Db,
  filter: { state?: "active" | "released"; tenant?: string },
  paging: Paging,
  direction: "asc" | "desc",
) {
  let query = db.selectFrom("governance.legal_holds");
  if (filter.state === "active") {
    query = query.where("released_at", "is", null);
  } else if (filter.state === "released") {
    query = query.where("released_at", "is not", null);
  }
  if (filter.tenant) {
    query = query.where("tenant_id", "=", filter.tenant);
  }
  const [rows, count] = await Promise.all([
    query
      .selectAll()
      .orderBy("created_at", direction)
      .orderBy("id", direction)
      .limit(paging.pageSize)
      .offset((paging.page - 1) * paging.pageSize)
      .execute(),
    query.select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirst(),
  ]);
  return { items: rows.map(holdView), total: Number(count?.n ?? 0) };
}

export async function findHold(db: Db, id: string) {
  const row = await db
    .selectFrom("governance.legal_holds")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirst();
  return row ? holdView(row) : undefined;
}

export async function listCertificates(db: Db, paging: Paging, direction: "asc" | "desc") {
  const base = db
    .selectFrom("governance.retention_certificates as c")
    .innerJoin("governance.retention_requests as r", "r.id", "c.request_id");
  const [rows, count] = await Promise.all([
    base
      .select([
        "c.request_id",
        "c.sha256",
        "c.issued_at",
        "r.kind",
        "r.policy_id",
        "r.tenant_id",
        "r.total_rows",
      ])
      .orderBy("c.issued_at", direction)
      .orderBy("c.request_id", direction)
      .limit(paging.pageSize)
      .offset((paging.page - 1) * paging.pageSize)
      .execute(),
    base.select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirst(),
  ]);
  return {
    items: rows.map((row) => ({
      id: row.request_id,
      requestId: row.request_id,
      kind: row.kind as TRequestKind,
      policyId: row.policy_id,
      tenantId: row.tenant_id,
      totalRows: Number(row.total_rows),
      sha256: row.sha256,
      issuedAt: iso(row.issued_at),
    })),
    total: Number(count?.n ?? 0),
  };
}
