import { Kysely, PostgresDialect, sql } from "kysely";
import type pg from "pg";
import type { Config } from "../../schema/config.ts";
import type { DB } from "../../schema/database.ts";
import type { Db } from "../../schema/postgres.ts";
import { candidateDrift, checkExecutable } from "./approvals.ts";
import { type ArchivePart, batchFilePath, copyToArchiveFile, writeManifest } from "./archive.ts";
import {
  type CertificateBody,
  getCertificate,
  type StoredCertificate,
  storeCertificate,
} from "./certificate.ts";
import { loadSchemaGraph } from "./graph.ts";
import { activeInvestigation, heldKeys, isSoxGoverned, requestBlockers } from "./holds.ts";
import { ledgerKeySetHash, plannedKeySetHash } from "./ledger-hash.ts";
import { type Blocker, getRequest, type RetentionRequest } from "./requests.ts";
import { quoteIdent, readTableShape, type TableShape, TableShapeError } from "./table-shape.ts";

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
 * - Batches. Each batch is one short transaction: legal holds and the investigation flag are
 *   read again under a SHARE lock (a hold being placed waits for the batch to commit; the next
 *   batch sees it), held keys are skipped, and one statement deletes (or anonymizes) the rest
 *   and writes their ledger rows — `WITH d AS (DELETE ... AND NOT EXISTS (ledger) RETURNING
 *   ...) INSERT INTO ledger SELECT ... FROM d` — so a retried batch can never act on a row twice.
 *   For archive-then-delete that statement runs as `COPY (...) TO STDOUT`, streamed through gzip
 *   into the batch's archive file, fsynced before the commit: deleted = ledger = archived.
 * - Order. Tables go in the plan's deletion order (children before parents).
 * - Crashes. A killed run loses only its open batch (rolled back); running the request again
 *   resumes from the ledger.
 * - Holds. Held keys are skipped, not waited for: the rest of the plan is carried out and the
 *   request ends `blocked`, naming the holds, with the held keys still pending. Once the holds
 *   are released, executing the request again finishes it and issues the certificate.
 * - Certificate. Issued when every planned key is in the ledger (see certificate.ts).
 */

export type ExecutorDeps = { db: Db; pool: pg.Pool; config: Config };

export type ExecutionProgress = {
  table: string;
  done: number;
  total: number;
  percent: number;
  batches: number;
};

export type ExecuteOptions = {
  /** Who executes (console user e-mail, `worker`, `local-operator`). */
  actor: string;
  onProgress?: (progress: ExecutionProgress) => void | Promise<void>;
  /** Keys per batch (default 5,000). */
  batchSize?: number;
  /** Called before each batch; the crash test slows the executor down with it. */
  beforeBatch?: () => Promise<void>;
  /**
   * Re-evaluate the candidates before the first batch and stop on drift beyond the policy's
   * tolerance (default true; the approval itself already checked the live fingerprint).
   */
  checkDrift?: boolean;
  /** Erasure: the identifiers scrubbed from text columns (decrypted by erasure.ts). */
  identifiers?: string[];
  /** Extra certificate body (an erasure's proof), computed once every key is done. */
  finish?: () => Promise<Record<string, unknown>>;
};

/** Why a request was not executed. */
export type ExecutionRefusal =
  /** No such request. */
  | "not_found"
  /** It still waits for a compliance officer (or was sent back for re-approval). */
  | "not_approved"
  /** Rejected, expired or otherwise closed. */
  | "wrong_status"
  /** The approval's time ran out: approve again. */
  | "expired"
  /** The request changed after it was approved. */
  | "fingerprint_mismatch"
  /** The candidates drifted beyond the tolerance since approval: approve again. */
  | "drift"
  /** A legal hold or the SOX investigation flag covers the request (see `blockers`). */
  | "held"
  /** The plan names a table or column the store does not have. */
  | "invalid_plan";

export type ExecutionReport = {
  tables: Record<string, { planned: number; done: number; skipped: number; action: string }>;
  batches: number;
  rows: number;
  durationMs: number;
  rowsPerSecond: number;
  /** The longest time one batch held its row locks (BEGIN to COMMIT), in ms. */
  longestBatchLockMs: number;
};

export type ExecutionOutcome =
  | { outcome: "done"; requestId: string; certificate: StoredCertificate; report: ExecutionReport }
  | {
      outcome: "blocked";
      requestId: string;
      heldBy: string[];
      heldKeys: number;
      message: string;
      report: ExecutionReport;
    }
  | {
      outcome: "refused";
      requestId: string;
      reason: ExecutionRefusal;
      message: string;
      blockers?: Blocker[];
    };

/** One table of the plan as the executor carries it out. */
export type PlanTable = {
  table: string;
  ord: number;
  planned: number;
  action: "delete" | "archive_then_delete" | "anonymize";
  /** anonymize: column → strategy (null, redact, hash, empty_json). */
  anonymize: Record<string, string>;
  /** anonymize: also replace the erased person's identifiers inside every text column. */
  scrub: boolean;
};

const DEFAULT_BATCH = 5_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class ExecutorError extends Error {}

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
  const request = UUID.test(requestId) ? await getRequest(deps.db, requestId) : undefined;
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
    return await run(deps, request, tables, options);
  } catch (error) {
    // A failure (not a crash) leaves the request resumable: its ledger says what is done.
    await sql`
      UPDATE governance.retention_requests
      SET status = 'failed', error = ${(error as Error).message.slice(0, 2000)}, updated_at = now()
      WHERE id = ${requestId}`.execute(deps.db);
    throw error;
  }
}

function emptyReport(): ExecutionReport {
  return {
    tables: {},
    batches: 0,
    rows: 0,
    durationMs: 0,
    rowsPerSecond: 0,
    longestBatchLockMs: 0,
  };
}

async function gate(
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
            verdict.code === "self_approval"
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
    const drift = await candidateDrift(deps.db, verdict.request);
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
  return undefined;
}

/** The plan's tables in deletion order, each checked against the store's catalog. */
async function resolvePlan(
  db: Db,
  request: RetentionRequest,
): Promise<{ plan: PlanTable; shape: TableShape }[]> {
  const rows = await sql<{ table_name: string; ord: number; planned: number }>`
    SELECT table_name, min(ord)::int AS ord, count(*)::int AS planned
    FROM governance.retention_request_keys WHERE request_id = ${request.id}
    GROUP BY table_name ORDER BY min(ord), table_name`.execute(db);
  const graph = await loadSchemaGraph(db);
  const out: { plan: PlanTable; shape: TableShape }[] = [];
  for (const row of rows.rows) {
    const plan = planTable(request, row.table_name, row.ord, row.planned);
    const shape = await readTableShape(db, graph, plan.table);
    for (const column of Object.keys(plan.anonymize)) {
      if (!shape.columns.has(column)) {
        throw new ExecutorError(`cannot anonymize ${plan.table}.${column}: no such column`);
      }
    }
    out.push({ plan, shape });
  }
  return out;
}

/**
 * One table's part of the request: the policy's action for the whole cascade (the planner's
 * definition), or per table for an erasure (whose definition names an action per table).
 */
export function planTable(
  request: Pick<RetentionRequest, "definition">,
  table: string,
  ord: number,
  planned: number,
): PlanTable {
  const definition = request.definition as unknown as {
    action?: string;
    anonymize?: Record<string, string> | null;
    root?: { table?: string };
    tables?: {
      table: string;
      action?: string;
      anonymize?: Record<string, string>;
      scrub?: boolean;
    }[];
  };
  const entry = (definition.tables ?? []).find((t) => t.table === table);
  const action = entry?.action ?? definition.action ?? "delete";
  if (action !== "delete" && action !== "archive_then_delete" && action !== "anonymize") {
    throw new ExecutorError(`unknown action ${action} for ${table}`);
  }
  const anonymize =
    entry?.anonymize ??
    (action === "anonymize" && definition.root?.table === table
      ? (definition.anonymize ?? {})
      : {});
  return { table, ord, planned, action, anonymize, scrub: entry?.scrub === true };
}

/** A Kysely bound to one client, so engine functions run inside the batch's transaction. */
function kyselyOn(client: pg.PoolClient): Db {
  // Kysely's Postgres connection only queries and releases its client; the batch's client
  // stays the executor's to release.
  const pinned = { query: client.query.bind(client), release: () => undefined };
  return new Kysely<DB>({
    dialect: new PostgresDialect({
      pool: { connect: async () => pinned, end: async () => undefined } as unknown as pg.Pool,
    }),
  });
}

type BatchResult = { done: number; held: Map<string, string[]>; lockMs: number };

async function run(
  deps: ExecutorDeps,
  request: RetentionRequest,
  tables: { plan: PlanTable; shape: TableShape }[],
  options: ExecuteOptions,
): Promise<ExecutionOutcome> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const started = performance.now();
  const report = emptyReport();
  const heldBy = new Set<string>();
  let heldCount = 0;
  const total = tables.reduce((n, t) => n + t.plan.planned, 0);
  let doneAll = await ledgerCount(deps.db, request.id);
  let batch = await nextBatchNumber(deps.db, request.id);
  const client = await deps.pool.connect();
  const pinned = kyselyOn(client);
  try {
    for (const { plan, shape } of tables) {
      const tableReport = { planned: plan.planned, done: 0, skipped: 0, action: plan.action };
      report.tables[plan.table] = tableReport;
      let after = "";
      const resumed = (await ledgerCount(deps.db, request.id, plan.table)) > 0;
      for (;;) {
        // The plan's keys in key order, walked by `after` (an index range scan). Keys a crashed
        // run already did are skipped by the statement itself (NOT EXISTS in the ledger).
        const next = await client.query<{ key: string }>(
          `SELECT k.key FROM governance.retention_request_keys k
           WHERE k.request_id = $1 AND k.table_name = $2 AND k.key > $3
           ORDER BY k.key LIMIT $4`,
          [request.id, plan.table, after, batchSize],
        );
        const keys = next.rows.map((r) => r.key);
        if (keys.length === 0) {
          break;
        }
        after = keys[keys.length - 1] as string;
        await options.beforeBatch?.();
        const result = await runBatch(
          deps,
          client,
          pinned,
          request,
          plan,
          shape,
          keys,
          batch,
          options,
          doneAll,
          resumed,
        );
        batch += 1;
        report.batches += 1;
        report.longestBatchLockMs = Math.max(report.longestBatchLockMs, result.lockMs);
        doneAll += result.done;
        for (const [holdId, held] of result.held) {
          heldBy.add(holdId);
          heldCount += held.length;
          tableReport.skipped += held.length;
        }
        const percent = total === 0 ? 100 : Math.min(99, Math.floor((doneAll / total) * 100));
        await options.onProgress?.({
          table: plan.table,
          done: doneAll,
          total,
          percent,
          batches: report.batches,
        });
      }
      // Rows an earlier (crashed) run did count for this table too.
      tableReport.done = await ledgerCount(deps.db, request.id, plan.table);
    }
  } finally {
    client.release();
  }
  report.rows = Object.values(report.tables).reduce((n, t) => n + t.done, 0);
  report.durationMs = Math.round(performance.now() - started);
  report.rowsPerSecond =
    report.durationMs > 0 ? Math.round((report.rows / report.durationMs) * 1000) : 0;
  const remaining = total - (await ledgerCount(deps.db, request.id));
  if (remaining > 0) {
    const holds = [...heldBy];
    const message = holds.length
      ? `${heldCount} planned rows are held by ${holds.map((h) => (h.startsWith("investigation:") ? `the SOX investigation flag ${h.slice(14)}` : `hold ${h}`)).join(", ")}; the rest is done. Execute again once released.`
      : `${remaining} planned rows are not done (gone before execution?)`;
    const current = (await getRequest(deps.db, request.id)) ?? request;
    const blockers = await requestBlockers(deps.db, current);
    await sql`
      UPDATE governance.retention_requests
      SET status = 'blocked', blocked_by = ${JSON.stringify(blockers)}::jsonb, error = ${message},
          progress = ${JSON.stringify(progressJson(report, total))}::jsonb, updated_at = now()
      WHERE id = ${request.id}`.execute(deps.db);
    return {
      outcome: "blocked",
      requestId: request.id,
      heldBy: holds,
      heldKeys: heldCount,
      message,
      report,
    };
  }
  const certificate = await finish(deps, request, tables, report, options);
  return { outcome: "done", requestId: request.id, certificate, report };
}

function progressJson(report: ExecutionReport, total: number): Record<string, unknown> {
  const done = Object.values(report.tables).reduce((n, t) => n + t.done, 0);
  return {
    done,
    total,
    batches: report.batches,
    longestBatchLockMs: report.longestBatchLockMs,
    tables: report.tables,
  };
}

async function ledgerCount(db: Db, requestId: string, table?: string): Promise<number> {
  const result = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM governance.retention_ledger
    WHERE request_id = ${requestId} ${table ? sql`AND table_name = ${table}` : sql``}`.execute(db);
  return result.rows[0]?.n ?? 0;
}

async function nextBatchNumber(db: Db, requestId: string): Promise<number> {
  const result = await sql<{ n: number }>`
    SELECT coalesce(max(batch), 0)::int + 1 AS n FROM governance.retention_ledger
    WHERE request_id = ${requestId}`.execute(db);
  return result.rows[0]?.n ?? 1;
}

/**
 * One batch: a short transaction that re-reads legal holds (under a SHARE lock) and the SOX
 * investigation flag, skips held keys, deletes (or anonymizes) the rest with their ledger rows
 * in one statement (for archive-then-delete, through COPY into the batch's archive file),
 * redacts the copies the platform's audit trigger just made of those rows, records progress,
 * and commits.
 */
async function runBatch(
  deps: ExecutorDeps,
  client: pg.PoolClient,
  pinned: Db,
  request: RetentionRequest,
  plan: PlanTable,
  shape: TableShape,
  keys: string[],
  batch: number,
  options: ExecuteOptions,
  doneBefore: number,
  resumed: boolean,
): Promise<BatchResult> {
  const held = new Map<string, string[]>();
  await client.query("BEGIN");
  const lockStart = performance.now();
  try {
    await client.query("SET LOCAL lock_timeout = '10s'");
    // A hold (or flag) being placed waits for this batch; one placed before is seen here.
    await client.query(
      "LOCK TABLE governance.legal_holds, governance.retention_investigations IN SHARE MODE",
    );
    const skip = new Set<string>();
    const investigation = isSoxGoverned(request)
      ? await activeInvestigation(pinned, "SOX")
      : undefined;
    if (investigation) {
      held.set(`investigation:${investigation.id}`, keys);
      for (const key of keys) {
        skip.add(key);
      }
    } else {
      for (const { key, holdId } of await heldKeys(pinned, { request, table: plan.table, keys })) {
        if (!skip.has(key)) {
          skip.add(key);
          held.set(holdId, [...(held.get(holdId) ?? []), key]);
        }
      }
    }
    // Keys an earlier (crashed, blocked) run already did. When the table had no ledger rows as
    // this run began, the only ones are this run's, all before `keys` in key order.
    if (resumed) {
      const already = await client.query<{ key: string }>(
        `SELECT key FROM governance.retention_ledger
         WHERE request_id = $1 AND table_name = $2 AND key = ANY($3::text[])`,
        [request.id, plan.table, keys],
      );
      for (const { key } of already.rows) {
        skip.add(key);
      }
    }
    const actionable = skip.size === 0 ? keys : keys.filter((k) => !skip.has(k));
    let done = 0;
    if (actionable.length > 0) {
      await client.query(
        `SELECT set_config('govern.retention_request', $1, true),
                set_config('govern.retention_table', $2, true),
                set_config('govern.retention_batch', $3, true),
                set_config('govern.retention_keys', $4, true),
                set_config('govern.retention_tenant', $5, true),
                set_config('govern.erasure_pattern', $6, true)`,
        [
          request.id,
          plan.table,
          String(batch),
          JSON.stringify(actionable),
          request.tenantId,
          identifierPattern(options.identifiers ?? []),
        ],
      );
      done = await applyBatch(deps, client, request, plan, shape, batch);
      if (shape.audited && shape.keyColumn === "id" && done > 0) {
        await redactAuditCopies(client, request, plan);
      }
    }
    // Also the ledger's referential check, once per batch instead of a foreign key firing once
    // per ledger row: the request row is locked until commit, and a missing one rolls back.
    const progress = await client.query(
      `UPDATE governance.retention_requests
       SET progress = jsonb_build_object('done', $4::int, 'total', total_rows,
             'table', $2::text, 'batch', $3::int),
           updated_at = now()
       WHERE id = $1`,
      [request.id, plan.table, batch, doneBefore + done],
    );
    if (progress.rowCount !== 1) {
      throw new ExecutorError(`retention request ${request.id} no longer exists`);
    }
    await client.query("COMMIT");
    return { done, held, lockMs: performance.now() - lockStart };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

/**
 * A POSIX regular expression matching any of the identifiers (case-insensitive use), each
 * escaped; one that matches nothing when there are none.
 */
export function identifierPattern(identifiers: string[]): string {
  const parts = identifiers
    .filter((i) => i.trim().length > 0)
    .map((i) => i.replace(/[^A-Za-z0-9]/g, (c) => `\\${c}`));
  return parts.length ? `(${parts.join("|")})` : "(?!x)x";
}

/**
 * An erased person's identifiers replaced inside a text, JSON or text[] column (the pattern is
 * the transaction's `govern.erasure_pattern`, see identifierPattern); null for other types.
 */
function scrubExpression(column: string, dataType: string): string | null {
  const col = `t.${quoteIdent(column)}`;
  const replace = (text: string) =>
    `regexp_replace(${text}, current_setting('govern.erasure_pattern'), '[erased]', 'gi')`;
  switch (dataType) {
    case "text":
    case "character varying":
      return replace(col);
    case "jsonb":
      return `${replace(`${col}::text`)}::jsonb`;
    case "json":
      return `${replace(`${col}::text`)}::json`;
    default:
      return null;
  }
}

/** What an anonymized column becomes (strategies of rules/retention/schema.ts). */
function anonymizeExpression(column: string, strategy: string, shape: TableShape): string {
  const info = shape.columns.get(column);
  const col = `t.${quoteIdent(column)}`;
  const isJson = info?.dataType === "jsonb" || info?.dataType === "json";
  const isText = info?.dataType === "text" || info?.dataType === "character varying";
  switch (strategy) {
    case "null":
      if (info && !info.nullable) {
        return isJson ? "'{}'::jsonb" : isText ? "'[redacted]'" : col;
      }
      return "NULL";
    case "empty_json":
      return isJson
        ? `(CASE WHEN jsonb_typeof(${col}) = 'array' THEN '[]'::jsonb ELSE '{}'::jsonb END)`
        : "NULL";
    case "hash":
      return isText
        ? `left(encode(sha256(convert_to(coalesce(${col}, ''), 'UTF8')), 'hex'), 16)`
        : "NULL";
    default:
      // redact: a fixed marker that fits any varchar length used for names.
      return isText ? `(CASE WHEN ${col} IS NULL THEN NULL ELSE 'REDACTED' END)` : "NULL";
  }
}

/** The batch's keys (text[]), from the transaction's setting (COPY takes no parameters). */
const KEYS_SQL =
  "(SELECT array_agg(k) FROM jsonb_array_elements_text(current_setting('govern.retention_keys')::jsonb) AS k)";

/**
 * The batch's rows. Keys already in the ledger were taken out of the batch just before, in the
 * same transaction; should a concurrent run of the same request act on one meanwhile, its ledger
 * row makes this statement's ledger insert fail and the whole batch roll back.
 */
function targetWhere(shape: TableShape): string {
  const tenant = shape.hasTenant
    ? " AND t.tenant_id = current_setting('govern.retention_tenant')::uuid"
    : "";
  return `${shape.keyIn(KEYS_SQL)}${tenant}`;
}

const LEDGER_INSERT = (keyExpr: string, action: "delete" | "anonymize") => `
  INSERT INTO governance.retention_ledger (request_id, table_name, key, batch, action)
  SELECT current_setting('govern.retention_request')::uuid, current_setting('govern.retention_table'),
         ${keyExpr}, current_setting('govern.retention_batch')::int, '${action}' FROM d`;

async function applyBatch(
  deps: ExecutorDeps,
  client: pg.PoolClient,
  request: RetentionRequest,
  plan: PlanTable,
  shape: TableShape,
  batch: number,
): Promise<number> {
  const table = `public.${quoteIdent(plan.table)}`;
  // The key of a returned row: its primary key, or the digest of the row as it was.
  const keyOut = shape.keyText.replace(/\bt\./g, "d.").replace("row_to_json(t)", "row_to_json(d)");
  const where = targetWhere(shape);
  if (plan.action === "anonymize") {
    const assignments = new Map(
      Object.entries(plan.anonymize).map(([column, strategy]) => [
        column,
        anonymizeExpression(column, strategy, shape),
      ]),
    );
    if (plan.scrub) {
      for (const [column, info] of shape.columns) {
        const scrubbed = scrubExpression(column, info.dataType);
        if (scrubbed && !assignments.has(column)) {
          assignments.set(column, scrubbed);
        }
      }
    }
    const sets = [...assignments]
      .map(([column, value]) => `${quoteIdent(column)} = ${value}`)
      .join(", ");
    if (!sets) {
      throw new ExecutorError(`anonymize on ${plan.table} names no columns`);
    }
    const result = await client.query<{ n: number }>(
      `WITH d AS (UPDATE ${table} AS t SET ${sets} WHERE ${where} RETURNING t.*),
            l AS (${LEDGER_INSERT(keyOut, "anonymize")})
       SELECT count(*)::int AS n FROM d`,
    );
    return result.rows[0]?.n ?? 0;
  }
  if (plan.action === "delete") {
    const result = await client.query<{ n: number }>(
      `WITH d AS (DELETE FROM ${table} AS t WHERE ${where} RETURNING t.*),
            l AS (${LEDGER_INSERT(keyOut, "delete")})
       SELECT count(*)::int AS n FROM d`,
    );
    return result.rows[0]?.n ?? 0;
  }
  // archive_then_delete: the deleted rows themselves stream into the archive file. CSV with a
  // quote and delimiter that JSON never contains raw passes each JSON line through verbatim.
  const file = batchFilePath(deps.config.archiveDir, request.id, plan.table, batch);
  const copySql = `COPY (
      WITH d AS (DELETE FROM ${table} AS t WHERE ${where} RETURNING t.*),
           l AS (${LEDGER_INSERT(keyOut, "delete")})
      SELECT row_to_json(d)::text FROM d
    ) TO STDOUT WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')`;
  const written = await copyToArchiveFile(client, copySql, file);
  await client.query(
    `INSERT INTO governance.retention_archives (request_id, table_name, batch, path, rows, bytes, sha256)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      request.id,
      plan.table,
      batch,
      file.slice(deps.config.archiveDir.length + 1),
      written.rows,
      written.bytes,
      written.sha256,
    ],
  );
  return written.rows;
}

/**
 * The platform's audit trigger copies each deleted (or updated) row into audit_logs. A retention
 * deletion that left a full copy there would not be a deletion: the copies this transaction just
 * made (same table, same keys, created now()) keep their audit event but lose the data, which
 * now points at the request.
 */
async function redactAuditCopies(
  client: pg.PoolClient,
  request: RetentionRequest,
  plan: PlanTable,
): Promise<void> {
  const marker = JSON.stringify({ redacted: true, retention_request: request.id });
  await client.query(
    `UPDATE public.audit_logs a
     SET old_values = CASE WHEN a.old_values IS NULL THEN NULL ELSE $3::jsonb END,
         new_values = CASE WHEN a.new_values IS NULL OR a.action = 'DELETE' THEN NULL ELSE $3::jsonb END
     WHERE a.tenant_id = $1 AND a.table_name = $2 AND a.created_at = now()
       AND a.record_id = ANY(${KEYS_SQL}::uuid[])`,
    [request.tenantId, plan.table, marker],
  );
}

/** Every planned key is done: writes the manifest (if archived) and issues the certificate. */
async function finish(
  deps: ExecutorDeps,
  request: RetentionRequest,
  tables: { plan: PlanTable; shape: TableShape }[],
  report: ExecutionReport,
  options: ExecuteOptions,
): Promise<StoredCertificate> {
  const existing = await getCertificate(deps.db, request.id);
  if (existing) {
    await markDone(deps.db, request.id, report);
    return existing;
  }
  const parts = (
    await sql<{
      table_name: string;
      batch: number;
      path: string;
      rows: number;
      bytes: number;
      sha256: string;
    }>`
      SELECT table_name, batch, path, rows, bytes, sha256 FROM governance.retention_archives
      WHERE request_id = ${request.id} ORDER BY table_name, batch`.execute(deps.db)
  ).rows.map(
    (r): ArchivePart => ({
      table: r.table_name,
      batch: r.batch,
      path: r.path,
      rows: Number(r.rows),
      bytes: Number(r.bytes),
      sha256: r.sha256,
    }),
  );
  const archived = tables.some((t) => t.plan.action === "archive_then_delete");
  const manifest = archived ? await writeManifest(deps.config.archiveDir, request.id, parts) : null;
  const ledgerHash = await ledgerKeySetHash(deps.db, request.id);
  const plannedHash = await plannedKeySetHash(deps.db, request.id);
  const archivedTables = new Set(
    tables.filter((t) => t.plan.action === "archive_then_delete").map((t) => t.plan.table),
  );
  const ledgerByTable = await sql<{ table_name: string; n: number }>`
    SELECT table_name, count(*)::int AS n FROM governance.retention_ledger
    WHERE request_id = ${request.id} GROUP BY table_name`.execute(deps.db);
  const doneBy = new Map(ledgerByTable.rows.map((r) => [r.table_name, r.n]));
  const extra = (await options.finish?.()) ?? {};
  const finishedAt = new Date();
  const approval = await sql<{ reason: string }>`
    SELECT reason FROM governance.retention_approvals
    WHERE request_id = ${request.id} AND decision IN ('approve', 'policy')
    ORDER BY decided_at DESC LIMIT 1`.execute(deps.db);
  const body: CertificateBody = {
    certificate: "govern.retention.deletion-certificate/v1",
    requestId: request.id,
    kind: request.kind,
    policy:
      request.policy && request.policyVersion !== null
        ? { id: request.policy, version: request.policyVersion }
        : null,
    tenantId: request.tenantId,
    subject:
      request.kind === "erasure" ? { customer_id: request.subject.customer_id } : request.subject,
    cutoff: request.cutoff ? request.cutoff.toISOString() : null,
    requestedBy: request.requestedBy,
    requestedAt: request.createdAt.toISOString(),
    approvedBy: request.approvedBy ?? (request.requiresApproval ? null : "policy"),
    approvedAt: request.approvedAt ? request.approvedAt.toISOString() : null,
    approvalReason: approval.rows[0]?.reason ?? request.decisionReason,
    executedBy: options.actor,
    startedAt: (request.startedAt ?? new Date()).toISOString(),
    finishedAt: finishedAt.toISOString(),
    fingerprint: request.fingerprint,
    tables: Object.fromEntries(
      tables.map(({ plan }) => [
        plan.table,
        {
          planned: plan.planned,
          done: doneBy.get(plan.table) ?? 0,
          action: plan.action,
          archived: archivedTables.has(plan.table)
            ? parts.filter((p) => p.table === plan.table).reduce((n, p) => n + p.rows, 0)
            : null,
          skipped: 0,
        },
      ]),
    ),
    keySet: {
      planned: plannedHash,
      ledger: ledgerHash,
      archived: archived ? ledgerHashOfArchived(ledgerHash, parts, tables) : null,
    },
    archive: manifest
      ? {
          manifest: manifest.path,
          manifestSha256: manifest.sha256,
          files: parts.map((p) => ({
            table: p.table,
            path: p.path,
            rows: p.rows,
            sha256: p.sha256,
            bytes: p.bytes,
          })),
        }
      : null,
    execution: {
      batches: report.batches,
      longestBatchLockMs: Math.round(report.longestBatchLockMs * 10) / 10,
      rowsPerSecond: report.rowsPerSecond,
    },
    ...extra,
  };
  const stored = await storeCertificate(deps.db, body);
  await markDone(deps.db, request.id, report);
  return stored;
}

/**
 * The archived key set equals the ledger's when every archived table's file rows add up to its
 * ledger count (each file is the output of the very statement that wrote those ledger rows);
 * the test suite checks it key by key from the files.
 */
function ledgerHashOfArchived(
  ledgerHash: string,
  parts: ArchivePart[],
  tables: { plan: PlanTable }[],
): string | null {
  for (const { plan } of tables) {
    if (plan.action !== "archive_then_delete") {
      continue;
    }
    const rows = parts.filter((p) => p.table === plan.table).reduce((n, p) => n + p.rows, 0);
    if (rows !== plan.planned) {
      return null;
    }
  }
  return ledgerHash;
}

async function markDone(db: Db, requestId: string, report: ExecutionReport): Promise<void> {
  await sql`
    UPDATE governance.retention_requests
    SET status = 'done', finished_at = coalesce(finished_at, now()), blocked_by = '[]'::jsonb,
        error = NULL, updated_at = now(),
        progress = progress || ${JSON.stringify({ longestBatchLockMs: report.longestBatchLockMs, batches: report.batches })}::jsonb
    WHERE id = ${requestId}`.execute(db);
}
