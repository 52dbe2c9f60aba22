import { rm } from "node:fs/promises";
import type pg from "pg";
import { batchFilePath, copyToArchiveFile } from "./archive.ts";
import { redactAuditCopies } from "./audit-redaction.ts";
import { batchStatement, FAST_PLAN } from "./batch-statement.ts";
import type { BatchResult, BatchSession } from "./execution-run.ts";
import {
  type BatchPhases,
  type BatchRange,
  type ExecuteOptions,
  type ExecutorDeps,
  ExecutorError,
  type PlanTable,
} from "./execution-types.ts";
import { activeInvestigation, heldKeys, holdsCovering, isSoxGoverned } from "./holds.ts";
import type { RetentionRequest } from "./requests.ts";
import type { TableShape } from "./table-shape.ts";

/**
 * One batch: a short transaction that re-reads legal holds (under a SHARE lock) and the SOX
 * investigation flag, skips held keys, deletes (or anonymizes) the rest with their ledger rows
 * in one statement (for archive-then-delete, through COPY into the batch's archive file),
 * redacts the copies the platform's audit trigger just made of those rows, records progress,
 * and commits. Values go into the SQL as escaped literals: COPY takes no parameters, and a
 * statement that names its request, table and positions is planned for them.
 */
export async function runBatch(
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
