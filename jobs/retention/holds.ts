import { sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";
import {
  customerExpression,
  keyMatch,
  loadSchemaGraph,
  recordDateExpression,
  type SchemaGraph,
} from "./graph.ts";
import { type Blocker, getRequest, type RetentionRequest } from "./requests.ts";

/**
 * Legal holds and the investigation flag: what blocks deletion.
 *
 * A hold's scope is a tenant (NULL: every tenant), optionally narrowed to a customer (rows about
 * them: their own row, rows with an FK to them, rows of their jobs/invoices, audit rows naming
 * them), a table, and a date range (compared with the row's record date; a row without one is
 * treated as inside: fail closed). While an investigation flag is set for SOX, no request that
 * touches a SOX-governed table may destroy anything.
 *
 * These functions change state and re-evaluate open requests; the route or CLI command that
 * calls them writes the audit event.
 */

export type LegalHold = {
  id: string;
  tenantId: string | null;
  customerId: string | null;
  table: string | null;
  dateFrom: Date | null;
  dateTo: Date | null;
  reason: string;
  owner: string;
  createdBy: string;
  createdAt: Date;
  releasedAt: Date | null;
  releasedBy: string | null;
  releaseReason: string | null;
};

type HoldRow = {
  id: string;
  tenant_id: string | null;
  customer_id: string | null;
  table_name: string | null;
  date_from: Date | null;
  date_to: Date | null;
  reason: string;
  owner: string;
  created_by: string;
  created_at: Date;
  released_at: Date | null;
  released_by: string | null;
  release_reason: string | null;
};

function toHold(row: HoldRow): LegalHold {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    customerId: row.customer_id,
    table: row.table_name,
    dateFrom: row.date_from,
    dateTo: row.date_to,
    reason: row.reason,
    owner: row.owner,
    createdBy: row.created_by,
    createdAt: row.created_at,
    releasedAt: row.released_at,
    releasedBy: row.released_by,
    releaseReason: row.release_reason,
  };
}

/** Bad hold input (unknown table, empty reason, reversed dates): callers answer 400 / exit 2. */
export class HoldInputError extends Error {}

export type NewHold = {
  tenantId: string | null;
  customerId?: string | null;
  table?: string | null;
  dateFrom?: Date | null;
  dateTo?: Date | null;
  reason: string;
  /** Who answers for the hold (counsel, case owner); defaults to the creator. */
  owner?: string;
  createdBy: string;
};

/**
 * A hold's scope fields must name things that exist and belong together: a hold whose customer
 * is another tenant's, or whose table cannot hold that customer's rows, would be accepted and
 * protect nothing. Each mismatch is named.
 */
async function checkHoldScope(db: Db, input: NewHold): Promise<void> {
  const graph = input.table ? await loadSchemaGraph(db) : undefined;
  if (graph && input.table && !graph.tables.has(input.table)) {
    throw new HoldInputError(`table ${input.table} is not in the operational schema`);
  }
  if (input.customerId && !input.tenantId) {
    throw new HoldInputError(
      `customer ${input.customerId} is named without its tenant: a customer hold names the tenant the customer belongs to`,
    );
  }
  if (input.tenantId) {
    const tenant = await sql<{ id: string }>`
      SELECT id FROM tenants WHERE id = ${input.tenantId}::uuid`.execute(db);
    if (tenant.rows.length === 0) {
      throw new HoldInputError(`no tenant ${input.tenantId}`);
    }
  }
  if (input.customerId && input.tenantId) {
    const customer = await sql<{ tenant_id: string }>`
      SELECT tenant_id::text FROM customers WHERE id = ${input.customerId}::uuid`.execute(db);
    const owner = customer.rows[0]?.tenant_id;
    if (!owner) {
      throw new HoldInputError(`no customer ${input.customerId}`);
    }
    if (owner !== input.tenantId) {
      throw new HoldInputError(
        `customer ${input.customerId} belongs to tenant ${owner}, not to tenant ${input.tenantId}: the hold would protect nothing`,
      );
    }
    if (graph && input.table && !customerExpression(graph, input.table)) {
      throw new HoldInputError(
        `table ${input.table} has no rows linked to a customer: a hold on customer ${input.customerId} there would protect nothing`,
      );
    }
  }
}

/** Places a legal hold; open requests in its scope become blocked at once. */
export async function addHold(db: Db, input: NewHold): Promise<LegalHold> {
  if (!input.reason.trim()) {
    throw new HoldInputError("a legal hold needs a reason");
  }
  if (input.dateFrom && input.dateTo && input.dateFrom > input.dateTo) {
    throw new HoldInputError("the hold's date range ends before it starts");
  }
  await checkHoldScope(db, input);
  const row = await db
    .insertInto("governance.legal_holds")
    .values({
      tenant_id: input.tenantId,
      customer_id: input.customerId ?? null,
      table_name: input.table ?? null,
      date_from: input.dateFrom ?? null,
      date_to: input.dateTo ?? null,
      reason: input.reason.trim(),
      owner: input.owner ?? input.createdBy,
      created_by: input.createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await refreshBlocks(db, { tenantId: input.tenantId ?? undefined });
  return toHold(row);
}

/**
 * Releases a hold; requests it blocked go back to where they were (approved, or waiting for
 * approval) unless something else still blocks them. Undefined when there is no such hold; a
 * hold already released is returned unchanged.
 */
export async function releaseHold(
  db: Db,
  input: { id: string; releasedBy: string; reason?: string },
): Promise<LegalHold | undefined> {
  const updated = await db
    .updateTable("governance.legal_holds")
    .set({
      released_at: sql<Date>`now()`,
      released_by: input.releasedBy,
      release_reason: input.reason ?? null,
    })
    .where("id", "=", input.id)
    .where("released_at", "is", null)
    .returningAll()
    .executeTakeFirst();
  if (!updated) {
    const row = await db
      .selectFrom("governance.legal_holds")
      .selectAll()
      .where("id", "=", input.id)
      .executeTakeFirst();
    return row ? toHold(row) : undefined;
  }
  await refreshBlocks(db, { tenantId: updated.tenant_id ?? undefined });
  return toHold(updated);
}

export async function getHold(db: Db, id: string): Promise<LegalHold | undefined> {
  const row = await db
    .selectFrom("governance.legal_holds")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirst();
  return row ? toHold(row) : undefined;
}

/** Holds, newest first; active ones only unless `includeReleased`. */
export async function listHolds(
  db: Db,
  filter: { tenantId?: string; includeReleased?: boolean } = {},
): Promise<LegalHold[]> {
  let query = db.selectFrom("governance.legal_holds").selectAll();
  if (!filter.includeReleased) {
    query = query.where("released_at", "is", null);
  }
  if (filter.tenantId) {
    query = query.where((eb) =>
      eb.or([eb("tenant_id", "=", filter.tenantId ?? null), eb("tenant_id", "is", null)]),
    );
  }
  const rows = await query.orderBy("created_at", "desc").orderBy("id").execute();
  return rows.map(toHold);
}

/**
 * Active holds whose scope may cover rows of `table` in `tenantId`. With `customerId` or `date`
 * given, holds for another customer or a date range not containing `date` are left out; without
 * them, every hold that could cover some row is returned (fail closed). For row-exact answers
 * over a request's keys use `heldKeys`.
 */
export async function holdsCovering(
  db: Db,
  scope: { tenantId: string; table: string; customerId?: string; date?: Date },
): Promise<LegalHold[]> {
  let query = db
    .selectFrom("governance.legal_holds")
    .selectAll()
    .where("released_at", "is", null)
    .where((eb) => eb.or([eb("tenant_id", "is", null), eb("tenant_id", "=", scope.tenantId)]))
    .where((eb) => eb.or([eb("table_name", "is", null), eb("table_name", "=", scope.table)]));
  if (scope.customerId) {
    const customerId = scope.customerId;
    query = query.where((eb) =>
      eb.or([eb("customer_id", "is", null), eb("customer_id", "=", customerId)]),
    );
  }
  if (scope.date) {
    const date = scope.date;
    query = query
      .where((eb) => eb.or([eb("date_from", "is", null), eb("date_from", "<=", date)]))
      .where((eb) => eb.or([eb("date_to", "is", null), eb("date_to", ">=", date)]));
  }
  const rows = await query.orderBy("created_at").execute();
  return rows.map(toHold);
}

let cachedGraph: { at: number; graph: SchemaGraph; db: Db } | undefined;

async function graphOf(db: Db): Promise<SchemaGraph> {
  // The operational schema changes with migrations only; reloading it per batch would cost
  // more than the check itself.
  if (cachedGraph && cachedGraph.db === db && Date.now() - cachedGraph.at < 60_000) {
    return cachedGraph.graph;
  }
  const graph = await loadSchemaGraph(db);
  cachedGraph = { at: Date.now(), graph, db };
  return graph;
}

/**
 * Keys of a request (in `table`, optionally only `keys`) whose rows an active legal hold covers,
 * with the covering hold. The executor calls it for every batch, before deleting: rows already
 * gone are not reported. The root table's record date is the policy's date column.
 */
export async function heldKeys(
  db: Db,
  input: { request: RetentionRequest | string; table: string; keys?: string[] },
): Promise<{ key: string; holdId: string }[]> {
  const request =
    typeof input.request === "string" ? await getRequest(db, input.request) : input.request;
  if (!request) {
    throw new Error(`no retention request ${String(input.request)}`);
  }
  const active = await db
    .selectFrom("governance.legal_holds")
    .select("id")
    .where("released_at", "is", null)
    .where((eb) => eb.or([eb("tenant_id", "is", null), eb("tenant_id", "=", request.tenantId)]))
    .where((eb) => eb.or([eb("table_name", "is", null), eb("table_name", "=", input.table)]))
    .limit(1)
    .execute();
  if (active.length === 0) {
    return [];
  }
  const graph = await graphOf(db);
  const info = graph.tables.get(input.table);
  if (!info) {
    throw new Error(`table ${input.table} is not in the operational schema`);
  }
  const customer = customerExpression(graph, input.table) ?? "NULL::uuid";
  const definition = request.definition;
  const date =
    definition?.root?.table === input.table && definition.root.dateColumns.length
      ? `coalesce(${definition.root.dateColumns.map((c) => `t."${c}"`).join(", ")})`
      : (recordDateExpression(graph, input.table) ?? "NULL::timestamptz");
  const keyFilter = input.keys ? sql`AND k.key = ANY(${input.keys}::text[])` : sql``;
  const result = await sql<{ key: string; hold_id: string }>`
    SELECT k.key, h.id AS hold_id
    FROM governance.retention_request_keys k
    JOIN ${sql.table(`public.${input.table}`)} t
      ON t.tenant_id = ${request.tenantId}::uuid AND ${sql.raw(keyMatch(info, "k.key", "t"))}
    JOIN governance.legal_holds h
      ON h.released_at IS NULL
     AND (h.tenant_id IS NULL OR h.tenant_id = t.tenant_id)
     AND (h.table_name IS NULL OR h.table_name = ${input.table})
     AND (h.customer_id IS NULL OR h.customer_id = ${sql.raw(customer)})
     AND (${sql.raw(date)} IS NULL
          OR ((h.date_from IS NULL OR ${sql.raw(date)} >= h.date_from)
              AND (h.date_to IS NULL OR ${sql.raw(date)} <= h.date_to)))
    WHERE k.request_id = ${request.id}::uuid AND k.table_name = ${input.table} ${keyFilter}
    ORDER BY k.key, h.created_at
  `.execute(db);
  return result.rows.map((r) => ({ key: r.key, holdId: r.hold_id }));
}

export type Investigation = {
  id: string;
  regulation: string;
  reason: string;
  setBy: string;
  setAt: Date;
  clearedBy: string | null;
  clearedAt: Date | null;
  clearReason: string | null;
};

type InvestigationRow = {
  id: string;
  regulation: string;
  reason: string;
  set_by: string;
  set_at: Date;
  cleared_by: string | null;
  cleared_at: Date | null;
  clear_reason: string | null;
};

function toInvestigation(row: InvestigationRow): Investigation {
  return {
    id: row.id,
    regulation: row.regulation,
    reason: row.reason,
    setBy: row.set_by,
    setAt: row.set_at,
    clearedBy: row.cleared_by,
    clearedAt: row.cleared_at,
    clearReason: row.clear_reason,
  };
}

/** The active investigation flag of a regulation (SOX), if set. */
export async function activeInvestigation(
  db: Db,
  regulation = "SOX",
): Promise<Investigation | undefined> {
  const row = await db
    .selectFrom("governance.retention_investigations")
    .selectAll()
    .where("regulation", "=", regulation)
    .where("cleared_at", "is", null)
    .executeTakeFirst();
  return row ? toInvestigation(row) : undefined;
}

/** Every flag ever set, newest first (who set and cleared it, and why). */
export async function investigationHistory(db: Db): Promise<Investigation[]> {
  const rows = await db
    .selectFrom("governance.retention_investigations")
    .selectAll()
    .orderBy("set_at", "desc")
    .execute();
  return rows.map(toInvestigation);
}

/** Sets the flag (idempotent: an already active flag is returned as is, `created` false). */
export async function setInvestigation(
  db: Db,
  input: { reason: string; setBy: string; regulation?: string },
): Promise<{ investigation: Investigation; created: boolean }> {
  if (!input.reason.trim()) {
    throw new HoldInputError("setting the investigation flag needs a reason");
  }
  const regulation = input.regulation ?? "SOX";
  const existing = await activeInvestigation(db, regulation);
  if (existing) {
    return { investigation: existing, created: false };
  }
  const row = await db
    .insertInto("governance.retention_investigations")
    .values({ regulation, reason: input.reason.trim(), set_by: input.setBy })
    .returningAll()
    .executeTakeFirstOrThrow();
  await refreshBlocks(db, {});
  return { investigation: toInvestigation(row), created: true };
}

/** Clears the flag; undefined when none was set. */
export async function clearInvestigation(
  db: Db,
  input: { reason: string; clearedBy: string; regulation?: string },
): Promise<Investigation | undefined> {
  if (!input.reason.trim()) {
    throw new HoldInputError("clearing the investigation flag needs a reason");
  }
  const row = await db
    .updateTable("governance.retention_investigations")
    .set({
      cleared_at: sql<Date>`now()`,
      cleared_by: input.clearedBy,
      clear_reason: input.reason.trim(),
    })
    .where("regulation", "=", input.regulation ?? "SOX")
    .where("cleared_at", "is", null)
    .returningAll()
    .executeTakeFirst();
  if (row) {
    await refreshBlocks(db, {});
  }
  return row ? toInvestigation(row) : undefined;
}

/** Whether a request would destroy SOX-governed records (anonymizing destroys too). */
export function isSoxGoverned(request: RetentionRequest): boolean {
  const d = request.definition;
  return (
    d?.regulation === "SOX" ||
    (d?.soxTables ?? []).some((t) => (request.counts[t] ?? 0) + tierRows(request, t) > 0)
  );
}

/** A request's planned rows of `table` in cold and the archive. */
function tierRows(request: RetentionRequest, table: string): number {
  const t = request.tierCounts?.[table];
  return t ? t.cold + t.archive : 0;
}

/**
 * Active holds covering a request's tiered rows of `table`. A tier row's customer and date are
 * not in Postgres to compare with: any hold on the tenant (or all) and the table (or all)
 * covers them, whatever its customer or dates (fail closed, as the executor's reach skips such
 * a table).
 */
async function tierHolds(db: Db, request: RetentionRequest, table: string): Promise<string[]> {
  if (tierRows(request, table) === 0) {
    return [];
  }
  const rows = await db
    .selectFrom("governance.legal_holds")
    .select("id")
    .where("released_at", "is", null)
    .where((eb) => eb.or([eb("tenant_id", "is", null), eb("tenant_id", "=", request.tenantId)]))
    .where((eb) => eb.or([eb("table_name", "is", null), eb("table_name", "=", table)]))
    .orderBy("created_at")
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Everything that blocks a request now: each active legal hold covering at least one of its
 * keys or of its tiered rows (with the count per table), and the SOX investigation flag for SOX-governed requests.
 */
export async function requestBlockers(db: Db, request: RetentionRequest): Promise<Blocker[]> {
  const blockers: Blocker[] = [];
  const holds = new Map<string, Record<string, number>>();
  for (const table of Object.keys(request.counts)) {
    for (const { holdId } of await heldKeys(db, { request, table })) {
      const perTable = holds.get(holdId) ?? {};
      perTable[table] = (perTable[table] ?? 0) + 1;
      holds.set(holdId, perTable);
    }
  }
  for (const table of Object.keys(request.tierCounts ?? {})) {
    for (const holdId of await tierHolds(db, request, table)) {
      const perTable = holds.get(holdId) ?? {};
      perTable[table] = (perTable[table] ?? 0) + tierRows(request, table);
      holds.set(holdId, perTable);
    }
  }
  for (const [id, tables] of holds) {
    const hold = await getHold(db, id);
    blockers.push({
      kind: "legal_hold",
      id,
      reason: hold?.reason ?? "",
      owner: hold?.owner ?? "",
      tables,
    });
  }
  if (isSoxGoverned(request)) {
    const flag = await activeInvestigation(db, "SOX");
    if (flag) {
      blockers.push({
        kind: "investigation",
        id: flag.id,
        regulation: flag.regulation,
        reason: flag.reason,
      });
    }
  }
  return blockers;
}

/**
 * Re-evaluates open requests (waiting, approved, blocked) after holds or the flag changed:
 * covered ones become `blocked` naming what blocks them; blocked ones no longer covered go back
 * to `approved` (when an approval of their fingerprint stands) or `pending_approval`.
 */
export async function refreshBlocks(db: Db, scope: { tenantId?: string }): Promise<void> {
  let query = db
    .selectFrom("governance.retention_requests")
    .select("id")
    .where("status", "in", ["pending_approval", "approved", "blocked"]);
  if (scope.tenantId) {
    query = query.where("tenant_id", "=", scope.tenantId);
  }
  for (const { id } of await query.execute()) {
    const request = await getRequest(db, id);
    if (request) {
      await refreshRequestBlock(db, request);
    }
  }
}

/**
 * Re-evaluates one request's blockers: `blocked` naming them when covered; back to `approved`
 * (an approval of its fingerprint stands) or `pending_approval` when no longer covered. Only
 * waiting, approved and blocked requests change.
 */
export async function refreshRequestBlock(db: Db, request: RetentionRequest): Promise<Blocker[]> {
  if (!["pending_approval", "approved", "blocked"].includes(request.status)) {
    return request.blockedBy;
  }
  const blockers = await requestBlockers(db, request);
  if (blockers.length) {
    await db
      .updateTable("governance.retention_requests")
      .set({
        status: "blocked",
        blocked_by: JSON.stringify(blockers),
        updated_at: sql<Date>`now()`,
      })
      .where("id", "=", request.id)
      .where("status", "in", ["pending_approval", "approved", "blocked"])
      .execute();
  } else if (request.status === "blocked") {
    const approved =
      request.approvedBy !== null && request.approvedFingerprint === request.fingerprint;
    await db
      .updateTable("governance.retention_requests")
      .set({
        status: approved ? "approved" : "pending_approval",
        blocked_by: JSON.stringify([]),
        updated_at: sql<Date>`now()`,
      })
      .where("id", "=", request.id)
      .where("status", "=", "blocked")
      .execute();
  }
  return blockers;
}
