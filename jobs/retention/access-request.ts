import { createHash } from "node:crypto";
import { sql } from "kysely";
import type {
  TAccessNote,
  TAccessRequest,
  TAccessRequestDetail,
  TPackage,
} from "../../schema/contracts/access.ts";
import { appendAuditEvent } from "../../schema/governance/audit-events.repository.ts";
import type { Db } from "../../schema/postgres.ts";
import { isUuid } from "../../schema/uuid.ts";
import { deadlineState, dueAt, type Regulation, regulationForRegion } from "./access-deadline.ts";
import { canonicalJson } from "./definition.ts";
import { identifierHash } from "./erasure-proof.ts";
import type { Evaluation } from "./planner.ts";
import { getRequest, OPEN_STATUSES, type RetentionRequest, toRequest } from "./requests.ts";
import { maskName } from "./subject-lookup.ts";
import { identifiersOf, loadSubjectPerson, type SubjectPerson } from "./subject-rows.ts";

/**
 * Data-subject access requests (the right of access). A request is a retention request of kind
 * `access`: filing it writes that row (waiting for approval) and its deadline beside it; another
 * compliance officer approves it through the same gate as an erasure (approvals.ts: four eyes,
 * separation of duties, the fingerprint bound); the export job (access-export.ts) then writes
 * the package. What an officer approves is the person: the fingerprint covers the customer and
 * digests of their identifiers, so an approval given before the person's email changed does not
 * export under the new one.
 */

export class AccessInputError extends Error {}

/** The fingerprint of an access request: the person and their identifiers (as digests). */
export function accessFingerprint(customerId: string, person: SubjectPerson): string {
  const identifiers = identifiersOf(person).map((i) => ({
    kind: i.kind,
    sha256: identifierHash(i.value),
  }));
  return createHash("sha256")
    .update(canonicalJson({ kind: "access", customerId, identifiers }))
    .digest("hex");
}

/** The approval gate's view of an access request from the live data (approvals.ts). */
export async function evaluateAccess(db: Db, request: RetentionRequest): Promise<Evaluation> {
  const customerId = String(request.subject.customer_id ?? "");
  const person = isUuid(customerId)
    ? await loadSubjectPerson(db, request.tenantId, customerId)
    : undefined;
  return {
    counts: {},
    totalRows: 0,
    keySetHash: "",
    fingerprint: person ? accessFingerprint(customerId, person) : "customer-gone",
  };
}

export type FileAccessInput = {
  tenantId: string;
  customerId: string;
  requestedBy: string;
  regulation?: Regulation;
  note?: string;
  /** When the request was received (default: now); the deadline counts from it. */
  now?: Date;
};

/**
 * Files an access request for one customer: waiting for another compliance officer's approval,
 * its deadline set by the regulation (given, else the tenant's region). An open access request
 * for the same person is returned instead of a second one.
 */
export async function fileAccessRequest(db: Db, input: FileAccessInput): Promise<string> {
  const person = await loadSubjectPerson(db, input.tenantId, input.customerId);
  if (!person) {
    throw new AccessInputError(`no customer ${input.customerId} in tenant ${input.tenantId}`);
  }
  const open = await db
    .selectFrom("governance.retention_requests")
    .select("id")
    .where("kind", "=", "access")
    .where("tenant_id", "=", input.tenantId)
    .where(sql<boolean>`subject->>'customer_id' = ${input.customerId}`)
    .where("status", "in", [...OPEN_STATUSES])
    .executeTakeFirst();
  if (open) {
    return open.id;
  }
  const tenant = await db
    .selectFrom("tenants")
    .select("region")
    .where("id", "=", input.tenantId)
    .executeTakeFirst();
  const regulation = input.regulation ?? regulationForRegion(tenant?.region);
  const now = input.now ?? new Date();
  const fingerprint = accessFingerprint(input.customerId, person);
  const definition = {
    format: 1,
    kind: "access",
    customerId: input.customerId,
    identifiers: identifiersOf(person).map((i) => ({
      kind: i.kind,
      sha256: identifierHash(i.value),
    })),
    tables: [],
    approvalTtlDays: 7,
  };
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto("governance.retention_requests")
      .values({
        kind: "access",
        tenant_id: input.tenantId,
        subject: JSON.stringify({ customer_id: input.customerId }),
        definition: canonicalJson(definition),
        fingerprint,
        status: "pending_approval",
        requires_approval: true,
        approval_reasons: JSON.stringify(["access"]),
        requested_by: input.requestedBy,
        created_at: now,
        updated_at: now,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await trx
      .insertInto("governance.access_requests")
      .values({
        request_id: row.id,
        regulation,
        received_at: now,
        due_at: dueAt(now, regulation),
      })
      .execute();
    if (input.note?.trim()) {
      await trx
        .insertInto("governance.access_request_notes")
        .values({ request_id: row.id, author: input.requestedBy, body: input.note.trim() })
        .execute();
    }
    return row.id;
  });
}

/** Adds a note to an access request; undefined when there is no such request. */
export async function addAccessNote(
  db: Db,
  input: { requestId: string; author: string; body: string },
): Promise<TAccessNote | undefined> {
  const body = input.body.trim();
  if (!body) {
    throw new AccessInputError("a note needs some text");
  }
  const request = await getRequest(db, input.requestId);
  if (request?.kind !== "access") {
    return undefined;
  }
  const row = await db
    .insertInto("governance.access_request_notes")
    .values({ request_id: input.requestId, author: input.author, body })
    .returningAll()
    .executeTakeFirstOrThrow();
  return {
    id: row.id,
    author: row.author,
    body: row.body,
    createdAt: row.created_at.toISOString(),
  };
}

export async function listAccessNotes(db: Db, requestId: string): Promise<TAccessNote[]> {
  const rows = await db
    .selectFrom("governance.access_request_notes")
    .selectAll()
    .where("request_id", "=", requestId)
    .orderBy("id")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    author: r.author,
    body: r.body,
    createdAt: r.created_at.toISOString(),
  }));
}

function baseQuery(db: Db) {
  return db
    .selectFrom("governance.retention_requests as r")
    .innerJoin("governance.access_requests as a", "a.request_id", "r.id")
    .leftJoin("tenants as t", "t.id", "r.tenant_id")
    .leftJoin("customers as c", (join) =>
      join
        .onRef("c.tenant_id", "=", "r.tenant_id")
        .on(sql<boolean>`c.id::text = r.subject->>'customer_id'`),
    )
    .selectAll("r")
    .select([
      "a.regulation",
      "a.received_at",
      "a.due_at",
      "a.package_path",
      "a.package_bytes",
      "a.package_sha256",
      "a.manifest",
      "a.produced_at",
      "t.business_name",
      "c.first_name",
      "c.last_name",
      "c.company_name",
    ])
    .where("r.kind", "=", "access");
}

type Row = Awaited<ReturnType<ReturnType<typeof baseQuery>["executeTakeFirstOrThrow"]>>;

function toView(row: Row, now: Date, caller?: string): TAccessRequest {
  const request = toRequest(row);
  const manifest = row.manifest as { tables?: TPackage["tables"]; rows?: number } | null;
  return {
    id: request.id,
    status: request.status,
    tenantId: request.tenantId,
    tenantName: row.business_name,
    customerId: String(request.subject.customer_id ?? ""),
    subjectName: maskName(row.first_name, row.last_name, row.company_name),
    requestedBy: request.requestedBy,
    requestedByYou:
      caller !== undefined && request.requestedBy.toLowerCase() === caller.toLowerCase(),
    createdAt: request.createdAt.toISOString(),
    approvedBy: request.approvedBy,
    approvedAt: request.approvedAt?.toISOString() ?? null,
    decisionReason: request.decisionReason,
    fingerprint: request.fingerprint,
    error: request.error,
    deadline: deadlineState({
      regulation: row.regulation as Regulation,
      dueAt: row.due_at,
      answeredAt: row.produced_at,
      now,
    }),
    package:
      row.package_sha256 && row.produced_at
        ? {
            fileName: `access-${request.id}.tar.gz`,
            bytes: Number(row.package_bytes ?? 0),
            sha256: row.package_sha256,
            producedAt: row.produced_at.toISOString(),
            rows: manifest?.rows ?? 0,
            tables: manifest?.tables ?? [],
          }
        : null,
  };
}

export type AccessFilter = {
  status?: string;
  tenantId?: string;
  overdue?: boolean;
  page?: number;
  pageSize?: number;
};

/**
 * Access requests, the nearest deadline first among open ones (then newest), each with where it
 * stands against its deadline at `now`. `overdue` filters on that state.
 */
export async function listAccessRequests(
  db: Db,
  filter: AccessFilter,
  options: { now?: Date; caller?: string } = {},
): Promise<{ items: TAccessRequest[]; total: number }> {
  const now = options.now ?? new Date();
  let query = baseQuery(db);
  if (filter.status) {
    query = query.where("r.status", "=", filter.status);
  }
  if (filter.tenantId) {
    query = query.where("r.tenant_id", "=", filter.tenantId);
  }
  if (filter.overdue !== undefined) {
    const overdue = sql<boolean>`(a.produced_at IS NULL AND a.due_at <= ${now})`;
    query = query.where(filter.overdue ? overdue : sql<boolean>`NOT ${overdue}`);
  }
  const total = await query
    .clearSelect()
    .select(sql<number>`count(*)::int`.as("n"))
    .executeTakeFirst();
  const pageSize = filter.pageSize ?? 50;
  const rows = await query
    .orderBy(sql`a.produced_at IS NOT NULL`)
    .orderBy("a.due_at", "asc")
    .orderBy("r.created_at", "desc")
    .limit(pageSize)
    .offset(((filter.page ?? 1) - 1) * pageSize)
    .execute();
  return { items: rows.map((r) => toView(r, now, options.caller)), total: total?.n ?? 0 };
}

/** One access request with its notes and package downloads; undefined when there is none. */
export async function getAccessRequest(
  db: Db,
  id: string,
  options: { now?: Date; caller?: string } = {},
): Promise<TAccessRequestDetail | undefined> {
  const row = await baseQuery(db).where("r.id", "=", id).executeTakeFirst();
  if (!row) {
    return undefined;
  }
  const downloads = await db
    .selectFrom("governance.audit_events")
    .select(["actor", "occurred_at", "summary"])
    .where("action", "=", "retention.access.download")
    .where("target", "=", `retention-request:${id}`)
    .orderBy("id")
    .execute();
  return {
    ...toView(row, options.now ?? new Date(), options.caller),
    notes: await listAccessNotes(db, id),
    downloads: downloads.map((d) => ({
      actor: d.actor,
      at: d.occurred_at.toISOString(),
      sha256: String((d.summary as Record<string, unknown>).sha256 ?? ""),
    })),
  };
}

/** Where a produced package lies, for a download; undefined when none was produced. */
export async function accessPackageFile(
  db: Db,
  id: string,
): Promise<{ path: string; sha256: string; bytes: number } | undefined> {
  const row = await db
    .selectFrom("governance.access_requests")
    .select(["package_path", "package_sha256", "package_bytes"])
    .where("request_id", "=", id)
    .executeTakeFirst();
  return row?.package_path && row.package_sha256
    ? { path: row.package_path, sha256: row.package_sha256, bytes: Number(row.package_bytes ?? 0) }
    : undefined;
}

/**
 * Records a package download (who, when, which sha256) in the audit chain. A GET changes no
 * state, so the API's audit of mutating requests does not see it: the download is written here,
 * by the route and the CLI alike, before the first byte leaves.
 */
export async function recordAccessDownload(
  db: Db,
  input: {
    requestId: string;
    actor: string;
    actorRole?: string | null;
    sha256: string;
    via: string;
  },
): Promise<void> {
  await appendAuditEvent(db, {
    actor: input.actor,
    actorRole: input.actorRole ?? null,
    action: "retention.access.download",
    target: `retention-request:${input.requestId}`,
    summary: { sha256: input.sha256, via: input.via },
  });
}
