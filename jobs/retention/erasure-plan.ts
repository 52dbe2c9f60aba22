import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { sql } from "kysely";
import { loadRetentionSchedule } from "../../rules/retention/index.ts";
import type { Config } from "../../schema/config.ts";
import { appendAuditEvent } from "../../schema/governance/audit-events.repository.ts";
import type { Db } from "../../schema/postgres.ts";
import { isUuid } from "../../schema/uuid.ts";
import { canonicalJson, planFingerprint } from "./definition.ts";
import { type ColumnSource, decideColumns, loadCatalogColumns } from "./erasure-columns.ts";
import { type Identifier, identifierHash } from "./erasure-proof.ts";
import {
  keyExpression,
  loadSchemaGraph,
  quoteIdent,
  type SchemaGraph,
  type TableInfo,
} from "./graph.ts";
import { refreshRequestBlock } from "./holds.ts";
import { plannedKeySetHash } from "./ledger-hash.ts";
import type { Evaluation } from "./planner.ts";
import { getRequest, type RetentionRequest } from "./requests.ts";
import { identifiersOf, loadSubjectPerson, subjectRowPredicate } from "./subject-rows.ts";

export { identifiersOf };

/**
 * The right to erasure for one customer of one tenant.
 *
 * Planning finds every row about the person: rows linked to them through foreign keys (their
 * jobs, invoices, payments, interactions, calendar events, ... and audit rows about them, via
 * the schema graph's customer expression) and rows anywhere in the tenant whose text holds their
 * email, phone or full name (communications, documents, JSONB, AI context and conversations,
 * the old/new values the audit trigger copied). What happens to each table (the plan records,
 * per table, where each decision came from):
 * - financial records (the retention schedule's financial tables: invoices, line items,
 *   payments, ledger transactions), the customer row itself, their jobs and the audit trail are
 *   kept, because the law keeps financial records for their period and those rows reference the
 *   customer, but anonymized;
 * - their rows of tables nothing else points at (interactions, calendar events, events, AI
 *   context) are deleted;
 * - their other rows are kept and anonymized;
 * - a row that only mentions them (another customer's message naming them) is someone else's:
 *   it is kept and scrubbed (their identifiers replaced), never anonymized or deleted. Each
 *   planned key carries its treatment (`act`: the table's action; `scrub`), so a table holding
 *   both kinds treats each row as its own (the definition's `mentions` names the scrubbed
 *   columns). Rows of a table without a single-column key (the partitioned business_events and
 *   business_metrics) are keyed by a digest of the row: the person's rows are deleted, and a
 *   row that only mentions them is scrubbed like any other (the executor finds it by location
 *   and digest, and its ledger row, written with the update, keeps a retry from looking for the
 *   old digest again).
 * Which columns of a kept row are personal (anonymized: nulled, redacted or emptied) and which
 * text columns are scrubbed (the identifiers replaced) come from the catalog where it has
 * classified the table, else from fixed lists (erasure-columns.ts).
 * The request (kind `erasure`) always needs a compliance officer's approval. The identifiers are
 * kept sealed (AES-256-GCM under the configuration secret) in the request until it is done: a
 * resumed execution needs them after the customer row is anonymized.
 *
 * Executing runs the retention executor on that plan, erases the person from the analytics
 * store, then proves their identifiers appear in neither store and records the proof in the
 * certificate.
 */

export class ErasureInputError extends Error {}

const FINANCIAL_FALLBACK = ["invoices", "invoice_line_items", "payments", "financial_transactions"];
/** Kept and anonymized: FK parents of kept financial rows. */
const KEPT = ["customers", "jobs", "audit_logs"];
/** Deleted when linked to the person: rows about them that no other table points at. */
const DELETABLE = [
  "customer_interactions",
  "calendar_events",
  "business_events",
  "ai_context_cache",
  "ai_conversations",
];

/**
 * Where a table's action came from: the retention schedule's financial tables (kept for their
 * legal period), the fixed lists above, or the table's shape (no single-column key).
 */
type ActionSource = "financial_schedule" | "fixed_list" | "no_single_key" | "default";

type ErasureTable = {
  table: string;
  ord: number;
  keyColumn: string | null;
  keyType: string | null;
  via: never[];
  /** The person's rows; `scrub` when the table only has rows that mention them. */
  action: "delete" | "anonymize" | "scrub";
  actionSource: ActionSource;
  anonymize: Record<string, string>;
  scrub: boolean;
  /**
   * The text, text[] and JSON columns scrubbed for the identifiers; null: every one the table
   * has. The catalog lists a table's columns only when it saw all of them (erasure-columns.ts),
   * so its list is the same set the executor would scrub (every such column of the live table).
   */
  scrubColumns: string[] | null;
  /** Rows that only mention the person (keys of treatment `scrub`): how many, columns scrubbed. */
  mentions: { rows: number; scrubColumns: string[] | null } | null;
  /** Where the personal and scrubbed columns came from, and why (null: rows deleted). */
  columnSource: ColumnSource | null;
  columnCategories: Record<string, string>;
  columnWhy: string;
  /**
   * linked: every planned row is about the person (through FKs); mentioned: none is, each only
   * holds their identifiers in its text; both: some of each.
   */
  reach: "linked" | "mentioned" | "both";
};

function sealKey(config: Config): Buffer {
  return createHash("sha256").update(`${config.secret}:retention-erasure`).digest();
}

function seal(config: Config, identifiers: Identifier[]): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", sealKey(config), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(identifiers), "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
}

export function unseal(config: Config, sealed: string): Identifier[] {
  const raw = Buffer.from(sealed, "base64");
  const decipher = createDecipheriv("aes-256-gcm", sealKey(config), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString(
    "utf8",
  );
  return JSON.parse(text) as Identifier[];
}

/** Tables in deletion order: children before parents (over every FK of the schema). */
function deletionOrder(graph: SchemaGraph): Map<string, number> {
  const names = [...graph.tables.keys()].sort();
  const order: string[] = [];
  const placed = new Set<string>();
  const pending = [...names];
  while (pending.length) {
    // Place a table once every table pointing at it (its children) is placed.
    const index = pending.findIndex((t) =>
      graph.foreignKeys.every((fk) => fk.parent !== t || fk.child === t || placed.has(fk.child)),
    );
    const [next] = pending.splice(Math.max(index, 0), 1);
    if (next === undefined) {
      break;
    }
    order.push(next);
    placed.add(next);
  }
  return new Map(order.map((t, i) => [t, i + 1]));
}

/**
 * Delete or anonymize the person's rows of a table. The person's rows of a table without a
 * single-column key (time-series events keyed by a digest of the row) are deleted: nothing
 * else points at them, and an anonymized event keeps nothing worth keeping.
 */
function decideAction(
  info: TableInfo,
  name: string,
  financial: string[],
  financialSource: ActionSource,
): { action: "delete" | "anonymize"; source: ActionSource } {
  if (!info.keyColumn) {
    return { action: "delete", source: "no_single_key" };
  }
  if (financial.includes(name)) {
    return { action: "anonymize", source: financialSource };
  }
  if (KEPT.includes(name)) {
    return { action: "anonymize", source: "fixed_list" };
  }
  if (DELETABLE.includes(name)) {
    return { action: "delete", source: "fixed_list" };
  }
  return { action: "anonymize", source: "default" };
}

/**
 * What an erasure does to the person's own rows of `table` (the rule the plan applies in
 * Postgres): `delete`, or `anonymize` these columns (strategy per column; text columns are
 * scrubbed too). The storage tiers apply the same rule to their copies of those rows.
 */
export async function personalRowTreatment(
  db: Db,
  table: string,
): Promise<{ action: "delete" | "anonymize"; anonymize: Record<string, string> } | undefined> {
  const context = await erasureContext(db);
  const info = context.graph.tables.get(table);
  if (!info) {
    return undefined;
  }
  const decided = decideAction(info, table, context.financial, context.financialSource);
  return {
    action: decided.action,
    anonymize:
      decided.action === "anonymize" ? decideColumns(context.catalog, info, true).anonymize : {},
  };
}

export type PlanErasureInput = { tenantId: string; customerId: string; requestedBy: string };

/**
 * Plans the erasure of one customer: writes a request (kind `erasure`, `pending_approval`) with
 * its key set per table. An open erasure of the same person is returned instead of a second.
 */
export async function planErasure(
  deps: { db: Db; config: Config },
  input: PlanErasureInput,
): Promise<RetentionRequest> {
  const { db } = deps;
  const person = await loadSubjectPerson(db, input.tenantId, input.customerId);
  if (!person) {
    throw new ErasureInputError(`no customer ${input.customerId} in tenant ${input.tenantId}`);
  }
  const open = await db
    .selectFrom("governance.retention_requests")
    .select("id")
    .where("kind", "=", "erasure")
    .where("tenant_id", "=", input.tenantId)
    .where(sql<boolean>`subject->>'customer_id' = ${input.customerId}`)
    .where("status", "in", ["planning", "pending_approval", "approved", "blocked", "running"])
    .executeTakeFirst();
  let superseded: string | null = null;
  if (open) {
    const existing = await getRequest(db, open.id);
    if (existing && !(await isStaleWaitingErasure(db, existing))) {
      return existing;
    }
    // A waiting plan the data has left behind (the person's rows changed) could never be
    // approved: it is superseded, like a retention plan, and the person planned again.
    if (existing) {
      await db
        .updateTable("governance.retention_requests")
        .set({
          status: "expired",
          decision_reason: "superseded by a new plan: the data changed since it was planned",
          updated_at: sql<Date>`now()`,
        })
        .where("id", "=", existing.id)
        .where("status", "in", ["pending_approval", "blocked"])
        .execute();
      superseded = existing.id;
    }
  }
  const context = await erasureContext(db);
  const id = await db.transaction().execute(async (trx) => {
    const row = await insertErasureRow(trx, deps.config, input, identifiersOf(person));
    const planned = await writeErasurePlan(trx, context, row.id, input, identifiersOf(person));
    await trx
      .updateTable("governance.retention_requests")
      .set({
        definition: canonicalJson(planned.definition),
        counts: JSON.stringify(planned.counts),
        total_rows: planned.totalRows,
        key_set_hash: planned.keySetHash,
        fingerprint: planned.fingerprint,
        status: "pending_approval",
      })
      .where("id", "=", row.id)
      .execute();
    await appendAuditEvent(trx, {
      actor: input.requestedBy,
      action: "retention.erasure.planned",
      target: `retention_request:${row.id}`,
      summary: {
        tenantId: input.tenantId,
        customerId: input.customerId,
        counts: planned.counts,
        fingerprint: planned.fingerprint,
        ...(superseded ? { supersedes: superseded } : {}),
      },
    });
    return row.id;
  });
  const request = await getRequest(db, id);
  if (!request) {
    throw new Error(`erasure request ${id} vanished`);
  }
  await refreshRequestBlock(db, request);
  return (await getRequest(db, id)) ?? request;
}

/** What planning an erasure reads once: the schema, deletion order, catalog, financial tables. */
type ErasureContext = {
  graph: SchemaGraph;
  ord: Map<string, number>;
  catalog: Awaited<ReturnType<typeof loadCatalogColumns>>;
  financial: string[];
  financialSource: ActionSource;
};

async function erasureContext(db: Db): Promise<ErasureContext> {
  const graph = await loadSchemaGraph(db);
  const schedule = loadRetentionSchedule();
  return {
    graph,
    ord: deletionOrder(graph),
    catalog: await loadCatalogColumns(db),
    financialSource: schedule.financialTables.length ? "financial_schedule" : "fixed_list",
    financial: schedule.financialTables.length ? schedule.financialTables : FINANCIAL_FALLBACK,
  };
}

async function insertErasureRow(
  trx: Db,
  config: Config | null,
  input: PlanErasureInput,
  identifiers: Identifier[],
  status: "planning" | "failed" = "planning",
) {
  return trx
    .insertInto("governance.retention_requests")
    .values({
      kind: "erasure",
      tenant_id: input.tenantId,
      subject: JSON.stringify({
        customer_id: input.customerId,
        ...(config ? { sealed_identifiers: seal(config, identifiers) } : {}),
      }),
      definition: JSON.stringify({}),
      fingerprint: "",
      status,
      requires_approval: true,
      approval_reasons: JSON.stringify(["erasure"]),
      requested_by: input.requestedBy,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
}

/**
 * Writes the erasure's key set for request `requestId` (every row about the person or naming
 * them) and returns its definition, counts, key-set hash and fingerprint. Planning keeps what it
 * writes; the approval gate and the executor write it into a transaction they roll back, to see
 * whether the live data still produces the plan that was approved.
 */
async function writeErasurePlan(
  trx: Db,
  context: ErasureContext,
  requestId: string,
  input: Omit<PlanErasureInput, "requestedBy">,
  identifiers: Identifier[],
) {
  const { graph, ord, catalog, financial, financialSource } = context;
  const row = { id: requestId };
  const tables: ErasureTable[] = [];
  for (const [name, info] of graph.tables) {
    if (!info.columns.has("tenant_id")) {
      continue;
    }
    const key = keyExpression(info);
    const subjectRows = subjectRowPredicate(graph, name, {
      customerId: input.customerId,
      identifiers,
    });
    const reachLinked = subjectRows.linked;
    const decided = decideAction(info, name, financial, financialSource);
    // In physical order with each row's location, as plan-keys.ts writes a retention plan:
    // the executor's batches then fetch rows by location, pages in order.
    const found = await sql<{ rows: number; linked: number; mentions: number }>`
      WITH c AS (
        SELECT ${sql.raw(key)} AS key, coalesce(${reachLinked}, false) AS linked, t.ctid AS tid
        FROM ${sql.raw(`public.${quoteIdent(name)}`)} t
        WHERE t.tenant_id = ${input.tenantId}::uuid
          AND ${subjectRows.where}
      ), i AS (
        INSERT INTO governance.retention_request_keys
          (request_id, table_name, key, ord, tid, treatment)
        SELECT ${row.id}::uuid, ${name}, c.key, ${ord.get(name) ?? 0}, c.tid,
               CASE WHEN c.linked THEN 'act' ELSE 'scrub' END
        FROM c ORDER BY c.tid
        ON CONFLICT DO NOTHING
        RETURNING treatment
      )
      SELECT (SELECT count(*) FROM c)::int AS rows,
             (SELECT count(*) FROM c WHERE linked)::int AS linked,
             (SELECT count(*) FROM i WHERE treatment = 'scrub')::int AS mentions`.execute(trx);
    const { rows = 0, linked = 0, mentions = 0 } = found.rows[0] ?? {};
    if (rows === 0) {
      continue;
    }
    const reach = linked === rows ? "linked" : linked > 0 ? "both" : "mentioned";
    // The person's rows: deleted, or anonymized (their personal columns) and scrubbed.
    const personal =
      linked > 0
        ? {
            ...decided,
            columns: decided.action === "anonymize" ? decideColumns(catalog, info, true) : null,
          }
        : null;
    // Rows that only mention them: scrubbed, the rest of the row kept.
    const mentioned = mentions > 0 ? decideColumns(catalog, info, false) : null;
    const columns = personal ? personal.columns : mentioned;
    tables.push({
      table: name,
      ord: ord.get(name) ?? 0,
      keyColumn: info.keyColumn,
      keyType: info.keyType,
      via: [],
      action: personal?.action ?? "scrub",
      actionSource: personal?.source ?? "default",
      anonymize: columns && personal ? columns.anonymize : {},
      scrub: columns !== null,
      scrubColumns: columns?.scrubColumns ?? null,
      mentions: mentioned ? { rows: mentions, scrubColumns: mentioned.scrubColumns } : null,
      columnSource: columns?.source ?? null,
      columnCategories: columns && personal ? columns.categories : {},
      columnWhy: columns?.why ?? "rows deleted",
      reach,
    });
  }
  tables.sort((a, b) => a.ord - b.ord || a.table.localeCompare(b.table));
  const counts = Object.fromEntries(
    (
      await sql<{ table_name: string; n: number }>`
        SELECT table_name, count(*)::int AS n FROM governance.retention_request_keys
        WHERE request_id = ${row.id}::uuid GROUP BY table_name ORDER BY table_name`.execute(trx)
    ).rows.map((r) => [r.table_name, r.n]),
  );
  const totalRows = Object.values(counts).reduce((a, b) => a + b, 0);
  const definition = {
    format: 1,
    kind: "erasure",
    customerId: input.customerId,
    identifiers: identifiers.map((i) => ({ kind: i.kind, sha256: identifierHash(i.value) })),
    tables,
    financialTables: tables.filter((t) => financial.includes(t.table)).map((t) => t.table),
    soxTables: [],
    approvalTtlDays: 7,
    driftTolerance: 0,
    threshold: 0,
  };
  const keySetHash = await plannedKeySetHash(trx, row.id);
  const fingerprint = planFingerprint({
    policyId: null,
    policyVersion: null,
    cutoff: null,
    definition,
    counts,
    keySetHash,
  });
  return { definition, counts, totalRows, keySetHash, fingerprint };
}

/**
 * The erasure's plan as the live data makes it now: the person's identifiers read again from
 * their customer row, their rows found again, in a transaction rolled back. The same data gives
 * the same fingerprint; a changed row, a new message naming them, or a changed e-mail gives
 * another.
 */
export async function evaluateErasure(db: Db, request: RetentionRequest): Promise<Evaluation> {
  const customerId = String(request.subject.customer_id ?? "");
  if (!isUuid(customerId)) {
    return { counts: {}, totalRows: 0, keySetHash: "", fingerprint: "no-customer" };
  }
  const input = { tenantId: request.tenantId, customerId, requestedBy: "evaluation" };
  const person = await loadSubjectPerson(db, request.tenantId, customerId);
  if (!person) {
    return { counts: {}, totalRows: 0, keySetHash: "", fingerprint: "customer-gone" };
  }
  const context = await erasureContext(db);
  const identifiers = identifiersOf(person);
  try {
    await db.transaction().execute(async (trx) => {
      const row = await insertErasureRow(trx, null, input, identifiers, "failed");
      const planned = await writeErasurePlan(trx, context, row.id, input, identifiers);
      throw new Rollback({
        counts: planned.counts,
        totalRows: planned.totalRows,
        keySetHash: planned.keySetHash,
        fingerprint: planned.fingerprint,
      });
    });
  } catch (error) {
    if (error instanceof Rollback) {
      return error.evaluation;
    }
    throw error;
  }
  throw new Error("unreachable");
}

class Rollback extends Error {
  constructor(readonly evaluation: Evaluation) {
    super("rollback");
  }
}

/** A waiting erasure whose plan the live data no longer produces. */
async function isStaleWaitingErasure(db: Db, request: RetentionRequest): Promise<boolean> {
  if (request.status !== "pending_approval" && request.status !== "blocked") {
    return false;
  }
  return (await evaluateErasure(db, request)).fingerprint !== request.fingerprint;
}
