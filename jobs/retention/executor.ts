import { rm } from "node:fs/promises";
import { Kysely, PostgresDialect, sql } from "kysely";
import type pg from "pg";
import { inParallel } from "../../masking/parallel.ts";
import type { Config } from "../../schema/config.ts";
import type { DB } from "../../schema/database.ts";
import type { Db } from "../../schema/postgres.ts";
import { isUuid } from "../../schema/uuid.ts";
import { candidateDrift, checkExecutable } from "./approvals.ts";
import { type ArchivePart, batchFilePath, copyToArchiveFile, writeManifest } from "./archive.ts";
import {
  type CertificateBody,
  getCertificate,
  type StoredCertificate,
  storeCertificate,
} from "./certificate.ts";
import { loadSchemaGraph } from "./graph.ts";
import {
  activeInvestigation,
  heldKeys,
  holdsCovering,
  isSoxGoverned,
  requestBlockers,
} from "./holds.ts";
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
  /** Batches of one table run side by side on this many connections (default 2). */
  parallel?: number;
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
  /** Where the batches' time went, in ms summed over the run. */
  phasesMs: BatchPhases;
};

/**
 * A batch's phases, summed over batches that may run side by side: finding the batches' plan
 * position ranges (`walk`, a few dozen batches per query), opening the transaction and locking
 * (`open`), legal holds and the investigation flag (`holds`), the
 * delete or anonymize with its ledger rows and, for archive-then-delete, the rows streamed
 * through gzip into the file (`statement`), the file's fsync (`sync`), progress and commit.
 */
export type BatchPhases = {
  walk: number;
  open: number;
  holds: number;
  statement: number;
  sync: number;
  commit: number;
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

/** The plan keys' treatments (retention_request_keys.treatment). */
export type Treatment = "act" | "scrub";

/** One part of a table of the plan (its keys of one treatment) as the executor carries it out. */
export type PlanTable = {
  table: string;
  ord: number;
  planned: number;
  treatment: Treatment;
  /** scrub: only the erased person's identifiers are replaced (in `scrubColumns`). */
  action: "delete" | "archive_then_delete" | "anonymize" | "scrub";
  /** anonymize: column → strategy (null, redact, hash, empty_json). */
  anonymize: Record<string, string>;
  /** anonymize, scrub: replace the erased person's identifiers inside text columns. */
  scrub: boolean;
  /** The text, text[] and JSON columns scrubbed; null: every one the table has. */
  scrubColumns: string[] | null;
};

const DEFAULT_BATCH = 5_000;
/** Batches of one table run side by side on this many connections. */
const DEFAULT_PARALLEL = 2;

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
    phasesMs: { walk: 0, open: 0, holds: 0, statement: 0, sync: 0, commit: 0 },
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

/**
 * The plan's tables in deletion order, each in parts by treatment (`act` first), each checked
 * against the store's catalog: every column it anonymizes or scrubs exists and can be scrubbed.
 */
async function resolvePlan(
  db: Db,
  request: RetentionRequest,
): Promise<{ plan: PlanTable; shape: TableShape }[]> {
  const rows = await sql<{
    table_name: string;
    treatment: Treatment;
    ord: number;
    planned: number;
  }>`
    SELECT table_name, treatment, min(ord)::int AS ord, count(*)::int AS planned
    FROM governance.retention_request_keys WHERE request_id = ${request.id}
    GROUP BY table_name, treatment ORDER BY min(ord), table_name, treatment`.execute(db);
  const graph = await loadSchemaGraph(db);
  const out: { plan: PlanTable; shape: TableShape }[] = [];
  for (const row of rows.rows) {
    const plan = planTable(request, row.table_name, row.ord, row.planned, row.treatment);
    const shape = await readTableShape(db, graph, plan.table);
    for (const column of Object.keys(plan.anonymize)) {
      if (!shape.columns.has(column)) {
        throw new ExecutorError(`cannot anonymize ${plan.table}.${column}: no such column`);
      }
    }
    for (const column of plan.scrub ? (plan.scrubColumns ?? []) : []) {
      if (!shape.columns.has(column)) {
        throw new ExecutorError(`cannot scrub ${plan.table}.${column}: no such column`);
      }
      if (!plan.anonymize[column] && scrubExpression(column, shape, "''") === null) {
        const type = shape.columns.get(column)?.sqlType;
        throw new ExecutorError(`cannot scrub ${plan.table}.${column}: ${type} holds no text`);
      }
    }
    if (plan.action === "anonymize" || plan.action === "scrub") {
      // A plan that would change nothing is refused before any batch, not found out midway.
      anonymizeSets(plan, shape, [], (v) => `'${v.replaceAll("'", "''")}'`);
    }
    out.push({ plan, shape });
  }
  return out;
}

/**
 * One table's part of the request: the policy's action for the whole cascade (the planner's
 * definition), or per table for an erasure (whose definition names an action per table, and
 * for rows that only mention the person, under `mentions`, the columns scrubbed).
 */
export function planTable(
  request: Pick<RetentionRequest, "definition">,
  table: string,
  ord: number,
  planned: number,
  treatment: Treatment = "act",
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
      scrubColumns?: string[] | null;
      mentions?: { scrubColumns?: string[] | null } | null;
    }[];
  };
  const entry = (definition.tables ?? []).find((t) => t.table === table);
  if (treatment === "scrub") {
    if (!entry?.mentions) {
      throw new ExecutorError(`keys of ${table} to scrub, but the plan says nothing about them`);
    }
    const scrubColumns = entry.mentions.scrubColumns ?? null;
    return {
      table,
      ord,
      planned,
      treatment,
      action: "scrub",
      anonymize: {},
      scrub: true,
      scrubColumns,
    };
  }
  const action = entry?.action ?? definition.action ?? "delete";
  if (
    action !== "delete" &&
    action !== "archive_then_delete" &&
    action !== "anonymize" &&
    action !== "scrub"
  ) {
    throw new ExecutorError(`unknown action ${action} for ${table}`);
  }
  const anonymize =
    action === "scrub"
      ? {}
      : (entry?.anonymize ??
        (action === "anonymize" && definition.root?.table === table
          ? (definition.anonymize ?? {})
          : {}));
  return {
    table,
    ord,
    planned,
    treatment,
    action,
    anonymize,
    scrub: action === "scrub" || entry?.scrub === true,
    scrubColumns: entry?.scrubColumns ?? null,
  };
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

type BatchResult = {
  done: number;
  held: Map<string, string[]>;
  lockMs: number;
};

/** A batch: the plan's keys at positions (after, upto] of one table, in position order. */
type BatchRange = {
  after: string;
  upto: string;
  count: number;
  /** Every key has the location the planner saw (plans written before positions had none). */
  located: boolean;
};

/** One batch worker's connection, and a Kysely pinned to it for the engine functions. */
type BatchSession = { client: pg.PoolClient; db: Db };

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
  for (const { plan, shape } of tables) {
    // A table's parts (one per treatment) add up to one entry: "anonymize + scrub".
    const tableReport = report.tables[plan.table] ?? {
      planned: 0,
      done: 0,
      skipped: 0,
      action: "",
    };
    tableReport.planned += plan.planned;
    tableReport.action = tableReport.action
      ? `${tableReport.action} + ${plan.action}`
      : plan.action;
    report.tables[plan.table] = tableReport;
    const resumed = (await ledgerCount(deps.db, request.id, plan.table)) > 0;
    const ranges = new BatchRanges(request.id, plan, batchSize, report.phasesMs);
    // A part's batches are disjoint key ranges of one table: they run side by side. Parts
    // (tables) run one after the other, children before parents.
    const workers = await ranges.workersFor(deps.pool, options.parallel ?? DEFAULT_PARALLEL);
    await inParallel<BatchRange, BatchSession>((session) => ranges.next(session.client), workers, {
      open: async () => {
        const client = await deps.pool.connect();
        return { client, db: kyselyOn(client) };
      },
      each: async (session, range) => {
        await options.beforeBatch?.();
        const number = batch++;
        const common = { doneBefore: doneAll, resumed, phases: report.phasesMs };
        const part = { plan, shape };
        const result =
          (await runBatch(deps, session, request, part, range, number, options, {
            ...common,
            fast: plan.action === "archive_then_delete" && range.located,
          })) ??
          (await runBatch(deps, session, request, part, range, number, options, {
            ...common,
            fast: false,
          }));
        if (!result) {
          throw new ExecutorError(`batch ${number} of ${plan.table} did not complete`);
        }
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
      },
      close: async (session) => session.client.release(),
    });
    // Rows an earlier (crashed) run did count for this table too.
    tableReport.done = await ledgerCount(deps.db, request.id, plan.table);
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

/** Batch ranges fetched per query: one query, a few dozen batches. */
const RANGES_PER_QUERY = 32;

/**
 * A part's batches in position order, handed out one at a time to its workers. Positions follow
 * the table's pages (plan-keys.ts), so a batch's rows lie together. One query groups the next
 * `RANGES_PER_QUERY × batchSize` positions (one range scan of the plan's position index) into
 * ranges of `batchSize`; the worker that finds fewer left than there are workers loads the next
 * group, and a worker that finds none waits for that load rather than make its own.
 */
class BatchRanges {
  private readonly queue: BatchRange[] = [];
  private after = "0";
  private exhausted = false;
  private loading: Promise<void> | undefined;
  private workers = 1;

  constructor(
    private readonly requestId: string,
    private readonly plan: PlanTable,
    private readonly batchSize: number,
    private readonly phases: BatchPhases,
  ) {}

  /** The next range, or undefined when the part has no more. */
  async next(client: pg.ClientBase): Promise<BatchRange | undefined> {
    while (this.queue.length === 0 && !this.exhausted) {
      await this.loadOnce(client);
    }
    const range = this.queue.shift();
    // Refilled by the worker that finds it running low, before the others find it empty.
    if (range && this.queue.length < this.workers && !this.exhausted && !this.loading) {
      await this.loadOnce(client);
    }
    return range;
  }

  /** How many workers the part can use: no more than it has batches (found with one query). */
  async workersFor(pool: pg.Pool, parallel: number): Promise<number> {
    const client = await pool.connect();
    try {
      await this.load(client);
    } finally {
      client.release();
    }
    this.workers = Math.max(1, Math.min(parallel, this.exhausted ? this.queue.length : parallel));
    return this.workers;
  }

  private loadOnce(client: pg.ClientBase): Promise<void> {
    this.loading ??= this.load(client).finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(client: pg.ClientBase): Promise<void> {
    const started = performance.now();
    const size = Math.trunc(this.batchSize);
    const lit = (v: string) => client.escapeLiteral(v);
    const rows = await client.query<{ upto: string; n: number; located: boolean }>(
      `SELECT max(seq)::text AS upto, count(*)::int AS n, bool_and(tid IS NOT NULL) AS located
       FROM (SELECT seq, tid, (row_number() OVER (ORDER BY seq) - 1) / ${size} AS g
         FROM (SELECT seq, tid FROM governance.retention_request_keys
           WHERE request_id = ${lit(this.requestId)}::uuid AND table_name = ${lit(this.plan.table)}
             AND treatment = ${lit(this.plan.treatment)} AND seq > ${BigInt(this.after)}
           ORDER BY seq LIMIT ${size * RANGES_PER_QUERY}) k) s
       GROUP BY g ORDER BY g`,
    );
    let keys = 0;
    for (const row of rows.rows) {
      this.queue.push({ after: this.after, upto: row.upto, count: row.n, located: row.located });
      this.after = row.upto;
      keys += row.n;
    }
    this.exhausted = keys < size * RANGES_PER_QUERY;
    this.phases.walk += performance.now() - started;
  }
}

/** After every batch number used so far: a batch's ledger rows and its archive file. */
async function nextBatchNumber(db: Db, requestId: string): Promise<number> {
  const result = await sql<{ n: number }>`
    SELECT greatest(
      (SELECT coalesce(max(batch), 0) FROM governance.retention_ledger WHERE request_id = ${requestId}),
      (SELECT coalesce(max(batch), 0) FROM governance.retention_archives WHERE request_id = ${requestId})
    )::int + 1 AS n`.execute(db);
  return result.rows[0]?.n ?? 1;
}

/**
 * One batch: a short transaction that re-reads legal holds (under a SHARE lock) and the SOX
 * investigation flag, skips held keys, deletes (or anonymizes) the rest with their ledger rows
 * in one statement (for archive-then-delete, through COPY into the batch's archive file),
 * redacts the copies the platform's audit trigger just made of those rows, records progress,
 * and commits. Values go into the SQL as escaped literals: COPY takes no parameters, and a
 * statement that names its request, table and positions is planned for them.
 */
async function runBatch(
  deps: ExecutorDeps,
  { client, db: pinned }: BatchSession,
  request: RetentionRequest,
  { plan, shape }: { plan: PlanTable; shape: TableShape },
  range: BatchRange,
  batch: number,
  options: ExecuteOptions,
  run: {
    doneBefore: number;
    resumed: boolean;
    phases: BatchPhases;
    fast: boolean;
  },
): Promise<BatchResult | undefined> {
  const held = new Map<string, string[]>();
  const lit = (value: string) => client.escapeLiteral(value);
  const lockStart = performance.now();
  let mark = lockStart;
  const phase = (name: keyof BatchPhases) => {
    const now = performance.now();
    run.phases[name] += now - mark;
    mark = now;
  };
  try {
    // One round trip: the transaction; holds and the flag locked against change (a hold being
    // placed waits for this batch; one placed before is seen here); the request row locked
    // against deletion until commit, which is the ledger's referential check once per batch
    // instead of a foreign key firing per ledger row: a request that is gone rolls the batch
    // back. Both locks are shared: the part's other batches run alongside.
    const opened = (await client.query(
      `BEGIN;
       SET LOCAL lock_timeout = '10s';
       LOCK TABLE governance.legal_holds, governance.retention_investigations IN SHARE MODE;
       SELECT 1 FROM governance.retention_requests WHERE id = ${lit(request.id)} FOR KEY SHARE`,
    )) as unknown as pg.QueryResult[];
    if (opened[opened.length - 1]?.rowCount !== 1) {
      throw new ExecutorError(`retention request ${request.id} no longer exists`);
    }
    phase("open");
    // The batch's keys are read only when a hold or the flag may cover some of them.
    const skip = new Set<string>();
    const rangeKeys = async () =>
      (
        await client.query<{ key: string }>(
          `SELECT key FROM governance.retention_request_keys
           WHERE request_id = $1 AND table_name = $2 AND seq > $3 AND seq <= $4 AND treatment = $5
           ORDER BY seq`,
          [request.id, plan.table, range.after, range.upto, plan.treatment],
        )
      ).rows.map((r) => r.key);
    const investigation = isSoxGoverned(request)
      ? await activeInvestigation(pinned, "SOX")
      : undefined;
    if (investigation) {
      const keys = await rangeKeys();
      held.set(`investigation:${investigation.id}`, keys);
      for (const key of keys) {
        skip.add(key);
      }
    } else if (
      (await holdsCovering(pinned, { tenantId: request.tenantId, table: plan.table })).length > 0
    ) {
      const keys = await rangeKeys();
      for (const { key, holdId } of await heldKeys(pinned, { request, table: plan.table, keys })) {
        if (!skip.has(key)) {
          skip.add(key);
          held.set(holdId, [...(held.get(holdId) ?? []), key]);
        }
      }
    }
    // Resuming: when every key of the range is held or already in the ledger (a batch an
    // earlier run committed), there is nothing to do; otherwise the statement leaves out the
    // ledger's keys itself.
    let pending = range.count - skip.size;
    if (run.resumed && pending > 0) {
      // The range's keys of this part only: the table's other part may have keys in between.
      const already = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM governance.retention_ledger l
         JOIN governance.retention_request_keys k
           ON k.request_id = l.request_id AND k.table_name = l.table_name AND k.seq = l.seq
         WHERE l.request_id = $1 AND l.table_name = $2 AND l.seq > $3 AND l.seq <= $4
           AND k.treatment = $5`,
        [request.id, plan.table, range.after, range.upto, plan.treatment],
      );
      pending -= already.rows[0]?.n ?? 0;
    }
    phase("holds");
    let done = 0;
    let archived: { path: string; rows: number; bytes: number; sha256: string } | undefined;
    if (pending > 0) {
      const statement = batchStatement(
        {
          request,
          plan,
          shape,
          range,
          batch,
          skip: [...skip],
          resumed: run.resumed,
          fast: run.fast,
        },
        options.identifiers ?? [],
        lit,
      );
      if (plan.action === "archive_then_delete") {
        const file = batchFilePath(deps.config.archiveDir, request.id, plan.table, batch);
        if (run.fast) {
          await client.query(FAST_PLAN.off);
        }
        const written = await copyToArchiveFile(client, statement, file, () => phase("statement"));
        if (run.fast) {
          await client.query(FAST_PLAN.on);
        }
        phase("sync");
        if (run.fast && written.rows !== pending) {
          // The fast statement wrote a ledger row for every pending key: only right when each
          // was deleted where the plan saw it. Otherwise roll back and take the careful way.
          await client.query("ROLLBACK");
          await rm(file, { force: true });
          return undefined;
        }
        done = written.rows;
        archived = { path: file.slice(deps.config.archiveDir.length + 1), ...written };
      } else {
        const result = await client.query<{ n: number }>(statement);
        done = result.rows[0]?.n ?? 0;
        phase("statement");
      }
      if (shape.audited && shape.keyColumn === "id" && done > 0) {
        await redactAuditCopies(client, request, plan, range, lit);
        phase("statement");
      }
    }
    // The archive file's record and the commit, then progress: one round trip. Progress is
    // written after the commit, in a transaction of its own that does not wait for its WAL
    // (it is a display, rebuilt from the ledger), so batches running side by side never wait
    // for each other's lock on the request row; it only grows.
    const close: string[] = [];
    if (archived && archived.rows > 0) {
      close.push(
        `INSERT INTO governance.retention_archives (request_id, table_name, batch, path, rows, bytes, sha256)
         VALUES (${lit(request.id)}, ${lit(plan.table)}, ${batch}, ${lit(archived.path)},
                 ${archived.rows}, ${archived.bytes}, ${lit(archived.sha256)})`,
      );
    }
    const doneNow = run.doneBefore + done;
    close.push(
      "COMMIT",
      "BEGIN",
      "SET LOCAL synchronous_commit = off",
      `UPDATE governance.retention_requests
       SET progress = jsonb_build_object('done', greatest(${doneNow}, coalesce((progress->>'done')::bigint, 0)),
             'total', total_rows, 'table', ${lit(plan.table)}::text, 'batch', ${batch}),
           updated_at = now()
       WHERE id = ${lit(request.id)}`,
      "COMMIT",
    );
    await client.query(close.join(";\n"));
    phase("commit");
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
 * A text value trimmed to the column's declared length: a marker or a scrubbed text (an
 * identifier replaced by the longer `[erased]`) must still fit varchar(n) / char(n).
 */
function fitted(value: string, info: { maxLength: number | null } | undefined): string {
  return info?.maxLength ? `left(${value}, ${info.maxLength})` : value;
}

const TEXT_TYPES = new Set(["text", "character varying", "character"]);

/** Array columns whose elements are text: `text[]`, `character varying(n)[]`, `character(n)[]`. */
const TEXT_ARRAY = /^(text|character varying(\(\d+\))?|character(\(\d+\))?)\[\]$/;

/**
 * An erased person's identifiers replaced inside a text, text-array or JSON column (`pattern`,
 * an escaped SQL literal of identifierPattern); null for other types. An array is scrubbed
 * element by element, in order, NULL elements kept, and cast back to the column's type (which
 * trims each element to a varchar(n)'s length); one of more than one dimension, rare enough,
 * through its text form, which keeps its shape.
 */
function scrubExpression(column: string, shape: TableShape, pattern: string): string | null {
  const info = shape.columns.get(column);
  const col = `t.${quoteIdent(column)}`;
  const replace = (text: string) => `regexp_replace(${text}, ${pattern}, '[erased]', 'gi')`;
  switch (info?.dataType) {
    case "text":
    case "character varying":
    case "character":
      return fitted(replace(col), info);
    case "jsonb":
      return `${replace(`${col}::text`)}::jsonb`;
    case "json":
      return `${replace(`${col}::text`)}::json`;
    case "ARRAY": {
      if (!TEXT_ARRAY.test(info.sqlType)) {
        return null;
      }
      const elements = `ARRAY(SELECT ${replace("e")} FROM unnest(${col}) WITH ORDINALITY u(e, i) ORDER BY i)`;
      return `(CASE WHEN ${col} IS NULL THEN NULL
        WHEN array_ndims(${col}) > 1 THEN (${replace(`${col}::text`)})::${info.sqlType}
        ELSE ${elements}::${info.sqlType} END)`;
    }
    default:
      return null;
  }
}

/** What an anonymized column becomes (strategies of rules/retention/schema.ts). */
export function anonymizeExpression(column: string, strategy: string, shape: TableShape): string {
  const info = shape.columns.get(column);
  const col = `t.${quoteIdent(column)}`;
  const isJson = info?.dataType === "jsonb" || info?.dataType === "json";
  const isText = TEXT_TYPES.has(info?.dataType ?? "");
  switch (strategy) {
    case "null":
      if (info && !info.nullable) {
        return isJson ? "'{}'::jsonb" : isText ? fitted("'[redacted]'", info) : col;
      }
      return "NULL";
    case "empty_json":
      return isJson
        ? `(CASE WHEN jsonb_typeof(${col}) = 'array' THEN '[]'::jsonb ELSE '{}'::jsonb END)`
        : "NULL";
    case "hash":
      return isText
        ? fitted(`left(encode(sha256(convert_to(coalesce(${col}, ''), 'UTF8')), 'hex'), 16)`, info)
        : "NULL";
    default:
      return isText
        ? `(CASE WHEN ${col} IS NULL THEN NULL ELSE ${fitted("'REDACTED'", info)} END)`
        : "NULL";
  }
}

/** The fast statement's plan: the TID array scan joined to the batch's keys by hash. */
export const FAST_PLAN = {
  off: "SET LOCAL enable_nestloop = off",
  on: "SET LOCAL enable_nestloop = on",
};

/** Column names of the statement's rows that carry the plan's position and key. */
const SEQ = "__govern_seq";
const KEY = "__govern_key";

/**
 * The batch's statement: delete (or anonymize) the planned rows at positions (after, upto] and
 * write their ledger rows; its result is the count, or for archive-then-delete the rows
 * themselves as CSV (the caller wraps it in COPY ... TO STDOUT).
 *
 * - `b`: the batch's plan keys (one range scan of the position index), less held keys and, when
 *   resuming, keys already in the ledger.
 * - `d1`: rows fetched where the planner saw them (`ctid = tid`) and verified by key, so a row
 *   that moved, or another row now at that place, is never touched by location.
 * - `m`, `d2`: the keys not found there (updated or moved since planning, or planned without a
 *   location) looked up by key; the lookup runs only when there are such keys.
 * - `l`: the ledger rows, from the plan's own (position, key) of each row acted on; the ledger's
 *   unique (request, position) makes a retried or concurrent batch fail and roll back
 *   rather than act on a row twice.
 */
export function batchStatement(
  input: {
    request: Pick<RetentionRequest, "id" | "tenantId">;
    plan: PlanTable;
    shape: TableShape;
    range: Pick<BatchRange, "after" | "upto">;
    batch: number;
    skip: string[];
    resumed: boolean;
    /**
     * Archive-then-delete's fast form: a ledger row for every key of `b` and the rows deleted
     * where the plan saw them, streamed straight out of the DELETE (nothing held in memory). The
     * caller commits it only when as many rows came out as `b` has keys.
     */
    fast?: boolean;
  },
  identifiers: string[],
  lit: (value: string) => string,
): string {
  const { request, plan, shape, range, batch } = input;
  const table = `public.${quoteIdent(plan.table)}`;
  const requestId = `${lit(request.id)}::uuid`;
  const tableName = lit(plan.table);
  const after = BigInt(range.after).toString();
  const upto = BigInt(range.upto).toString();
  const tenant = shape.hasTenant ? ` AND t.tenant_id = ${lit(request.tenantId)}::uuid` : "";
  const skip = input.skip.length
    ? ` AND k.key <> ALL(ARRAY[${input.skip.map(lit).join(", ")}]::text[])`
    : "";
  const unlogged = input.resumed
    ? ` AND NOT EXISTS (SELECT 1 FROM governance.retention_ledger l
         WHERE l.request_id = k.request_id AND l.table_name = k.table_name AND l.seq = k.seq)`
    : "";
  const b = `SELECT k.seq, k.key, k.tid FROM governance.retention_request_keys k
      WHERE k.request_id = ${requestId} AND k.table_name = ${tableName}
        AND k.seq > ${after} AND k.seq <= ${upto} AND k.treatment = ${lit(plan.treatment)}${skip}${unlogged}`;
  const action = plan.action === "archive_then_delete" ? "delete" : plan.action;
  const act = (from: string, where: string, returning: string) => {
    if (action === "delete") {
      return `DELETE FROM ${table} AS t${from ? ` USING ${from}` : ""} WHERE ${where}${tenant} RETURNING ${returning}`;
    }
    return `UPDATE ${table} AS t SET ${anonymizeSets(plan, shape, identifiers, lit)}${from ? ` FROM ${from}` : ""} WHERE ${where}${tenant} RETURNING ${returning}`;
  };
  const ledger = (source: string) =>
    `INSERT INTO governance.retention_ledger (request_id, table_name, seq, key, batch, action)
     SELECT ${requestId}, ${tableName}, d.${SEQ}, d.${KEY}, ${batch}, '${action}' FROM (${source}) d`;
  // Rows come back whole only when they go into the archive; else position and key suffice.
  const archive = plan.action === "archive_then_delete";
  const columns = [...shape.columns.keys()].map(quoteIdent);
  const located = `t.ctid = b.tid AND ${shape.keyText} = b.key`;
  if (archive && input.fast) {
    // The batch's locations as one array: a single TID scan visits them in page order and sizes
    // the table once, where a TID lookup per key asks the file system for its size every time.
    // The caller runs it with nested loops off (FAST_PLAN): estimates of freshly planned keys
    // are often one row, and a nested loop would then test the whole array on every row.
    return `COPY (
      WITH b AS (${b}),
           l AS (${ledger(`SELECT b.seq AS ${SEQ}, b.key AS ${KEY} FROM b`)})
      ${act("b", `t.ctid = ANY(ARRAY(SELECT b.tid FROM b)) AND ${located}`, columns.map((c) => `t.${c}`).join(", "))}
    ) TO STDOUT (FORMAT csv, HEADER)`;
  }
  const d1 = act("b", located, `b.seq AS ${SEQ}, b.key AS ${KEY}${archive ? ", t.*" : ""}`);
  // Only when d1 missed keys (a one-time filter): which ones, by EXCEPT (hashed or sorted, n log
  // n however many), looked up by key: a primary key through its index, a row digest by reading
  // the table.
  const missed = "(SELECT count(*) FROM d1) < (SELECT count(*) FROM b)";
  const m = `SELECT b.seq, b.key FROM b WHERE ${missed}
       EXCEPT ALL SELECT d1.${SEQ}, d1.${KEY} FROM d1 WHERE ${missed}`;
  const d2 = act(
    "m",
    `EXISTS (SELECT 1 FROM m) AND ${shape.keyEquals("m.key")}`,
    `m.seq AS ${SEQ}, m.key AS ${KEY}${archive ? ", t.*" : ""}`,
  );
  const rows = `WITH b AS (${b}),
       d1 AS (${d1}),
       m AS (${m}),
       d2 AS (${d2}),
       l AS (${ledger(`SELECT ${SEQ}, ${KEY} FROM d1 UNION ALL SELECT ${SEQ}, ${KEY} FROM d2`)})`;
  if (!archive) {
    return `${rows} SELECT ((SELECT count(*) FROM d1) + (SELECT count(*) FROM d2))::int AS n`;
  }
  const list = columns.join(", ");
  return `COPY (${rows} SELECT ${list} FROM d1 UNION ALL SELECT ${list} FROM d2)
    TO STDOUT (FORMAT csv, HEADER)`;
}

/**
 * The SET list of an anonymize or scrub batch: the plan's strategies, and for an erasure the
 * scrubs (a column anonymized is not also scrubbed).
 */
function anonymizeSets(
  plan: PlanTable,
  shape: TableShape,
  identifiers: string[],
  lit: (value: string) => string,
): string {
  const assignments = new Map(
    Object.entries(plan.anonymize).map(([column, strategy]) => [
      column,
      anonymizeExpression(column, strategy, shape),
    ]),
  );
  if (plan.scrub) {
    // The plan's list (resolvePlan checked each can be scrubbed), or every column that can.
    const pattern = lit(identifierPattern(identifiers));
    for (const column of plan.scrubColumns ?? shape.columns.keys()) {
      const scrubbed = scrubExpression(column, shape, pattern);
      if (scrubbed && !assignments.has(column)) {
        assignments.set(column, scrubbed);
      }
    }
  }
  if (assignments.size === 0) {
    throw new ExecutorError(`${plan.action} on ${plan.table} names no columns`);
  }
  return [...assignments].map(([column, value]) => `${quoteIdent(column)} = ${value}`).join(", ");
}

/**
 * The platform's audit trigger copies each deleted (or updated) row into audit_logs. A retention
 * deletion that left a full copy there would not be a deletion: the copies this transaction just
 * made (same table, the keys of this batch's ledger rows, created now()) keep their audit event
 * but lose the data, which now points at the request.
 */
async function redactAuditCopies(
  client: pg.PoolClient,
  request: RetentionRequest,
  plan: PlanTable,
  range: BatchRange,
  lit: (value: string) => string,
): Promise<void> {
  const marker = JSON.stringify({ redacted: true, retention_request: request.id });
  await client.query(
    `UPDATE public.audit_logs a
     SET old_values = CASE WHEN a.old_values IS NULL THEN NULL ELSE ${lit(marker)}::jsonb END,
         new_values = CASE WHEN a.new_values IS NULL OR a.action = 'DELETE' THEN NULL ELSE ${lit(marker)}::jsonb END
     WHERE a.tenant_id = ${lit(request.tenantId)}::uuid AND a.table_name = ${lit(plan.table)}
       AND a.created_at = now()
       AND a.record_id IN (
         SELECT l.key::uuid FROM governance.retention_ledger l
         WHERE l.request_id = ${lit(request.id)}::uuid AND l.table_name = ${lit(plan.table)}
           AND l.seq > ${BigInt(range.after)} AND l.seq <= ${BigInt(range.upto)})`,
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
  const columns = Object.fromEntries(
    tables.map(({ plan, shape }) => [
      plan.table,
      [...shape.columns].map(([name, info]) => ({ name, type: info.dataType })),
    ]),
  );
  const manifest = archived
    ? await writeManifest(deps.config.archiveDir, request.id, parts, columns)
    : null;
  const [ledgerHash, plannedHash] = await Promise.all([
    ledgerKeySetHash(deps.db, request.id),
    plannedKeySetHash(deps.db, request.id),
  ]);
  const archivedTables = new Set(
    tables.filter((t) => t.plan.action === "archive_then_delete").map((t) => t.plan.table),
  );
  const ledgerByTable = await sql<{ table_name: string; action: string; n: number }>`
    SELECT table_name, action, count(*)::int AS n FROM governance.retention_ledger
    WHERE request_id = ${request.id} GROUP BY table_name, action
    ORDER BY table_name, action`.execute(deps.db);
  const doneBy = new Map<string, Record<string, number>>();
  for (const r of ledgerByTable.rows) {
    doneBy.set(r.table_name, { ...doneBy.get(r.table_name), [r.action]: r.n });
  }
  // A table's parts (one per treatment) are one entry of the certificate.
  const planned = new Map<string, { planned: number; actions: string[] }>();
  for (const { plan } of tables) {
    const entry = planned.get(plan.table) ?? { planned: 0, actions: [] };
    entry.planned += plan.planned;
    entry.actions.push(plan.action);
    planned.set(plan.table, entry);
  }
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
      [...planned].map(([table, entry]) => {
        const done = doneBy.get(table) ?? {};
        return [
          table,
          {
            planned: entry.planned,
            done: Object.values(done).reduce((n, d) => n + d, 0),
            action: entry.actions.join(" + "),
            ...(entry.actions.length > 1 ? { byAction: done } : {}),
            archived: archivedTables.has(table)
              ? parts.filter((p) => p.table === table).reduce((n, p) => n + p.rows, 0)
              : null,
            skipped: 0,
          },
        ];
      }),
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
