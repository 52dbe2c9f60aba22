import { Kysely, PostgresDialect, sql } from "kysely";
import type pg from "pg";
import { inParallel } from "../../masking/parallel.ts";
import type { DB } from "../../schema/database.ts";
import type { Db } from "../../schema/postgres.ts";
import { finish } from "./certificate-issue.ts";
import { runBatch } from "./execution-batch.ts";
import {
  type BatchPhases,
  type BatchRange,
  type ExecuteOptions,
  type ExecutionOutcome,
  type ExecutionReport,
  type ExecutorDeps,
  ExecutorError,
  emptyReport,
  type PlanTable,
} from "./execution-types.ts";
import { requestBlockers } from "./holds.ts";
import { getRequest, type RetentionRequest } from "./requests.ts";
import type { TableShape } from "./table-shape.ts";

/**
 * Batch orchestration: a request's parts in deletion order, each part's batches handed out to
 * workers running side by side, progress, and the end (blocked by holds, or the certificate).
 */
const DEFAULT_BATCH = 5_000;
/** Batches of one table run side by side on this many connections. */
const DEFAULT_PARALLEL = 2;

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

export type BatchResult = {
  done: number;
  held: Map<string, string[]>;
  lockMs: number;
};

/** One batch worker's connection, and a Kysely pinned to it for the engine functions. */
export type BatchSession = { client: pg.PoolClient; db: Db };

export async function run(
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
