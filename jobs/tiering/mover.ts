import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import type pg from "pg";
import type { TTieringPolicy } from "../../rules/tiering/schema.ts";
import type { AnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import type { Config } from "../../schema/config.ts";
import { appendAuditEvent } from "../../schema/governance/audit-events.repository.ts";
import type { Db } from "../../schema/postgres.ts";
import { archiveStore } from "./archive-store.ts";
import { chTally, copyToCold, literal, pgTally, sameTally } from "./copy.ts";
import { pgBlockedRow } from "./guards.ts";
import { getMove, insertMove, type Move, openMoves, setMoveState } from "./moves.ts";
import type { PlannedMove } from "./planner.ts";
import { finishRestore } from "./restore.ts";
import { coldTable, ensureColdTable } from "./stores.ts";
import { chQuoted, partitionsOf, quoted, type TableInfo, tableInfo } from "./tables.ts";

/**
 * The mover: executes planned units one at a time, each verified before its source goes.
 *
 * - hot → warm (a partition): `ALTER TABLE … SET TABLESPACE` in one transaction, tallied before
 *   and after.
 * - hot/warm → cold (a partition): detach (with the move row, one transaction) → COPY into the
 *   cold table marked with the move id → in one transaction: lock the detached table, tally it
 *   and the cold rows of the move, drop it and mark the move done. A crash before that commit
 *   leaves the partition in Postgres (detached) and maybe a partial copy: the next run removes
 *   the copy and attaches the partition back (rolled back); the planner then plans it again.
 * - hot → cold (a batch of rows): the batch's keys are fixed in the move row; the final
 *   transaction locks those rows, checks they are still movable, tallies them against the cold
 *   copy, deletes them and marks the move done.
 * - cold → archive (a month of cold rows): Parquet written by ClickHouse, read back and tallied
 *   in place, sha256 and manifest written, then the move is `verified` and the cold rows go.
 *   A crash while `copying` removes the file; while `verified` finishes the deletion.
 */

export type MoverDeps = {
  db: Db;
  pool: pg.Pool;
  config: Config;
  analytics: AnalyticsStore;
  runId?: string | null;
  requestedBy?: string;
};

export type MoveOutcome = {
  table: string;
  from: string;
  to: string;
  rows: number;
  partition: string | null;
  moveId: string;
  status: "done" | "rolled_back" | "skipped";
  reason?: string;
};

export class VerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "VerificationError";
  }
}

async function audit(deps: MoverDeps, move: MoveOutcome): Promise<void> {
  await appendAuditEvent(deps.db, {
    actor: deps.requestedBy ?? "schedule",
    action: `tiering.move.${move.status}`,
    target: `public.${move.table}`,
    summary: {
      moveId: move.moveId,
      from: move.from,
      to: move.to,
      rows: move.rows,
      partition: move.partition,
      ...(move.reason ? { reason: move.reason } : {}),
    },
  });
}

function coldWhereMove(moveId: string): { where: string; params: Record<string, unknown> } {
  return { where: "_move_id = {move:String}", params: { move: moveId } };
}

async function deleteColdCopy(store: AnalyticsStore, table: string, moveId: string): Promise<void> {
  await store.command(
    `DELETE FROM {t:Identifier} WHERE _move_id = {move:String} SETTINGS lightweight_deletes_sync = 2`,
    { t: coldTable(table), move: moveId },
  );
}

/** hot → warm: one transaction; the rows do not leave Postgres, the tally is checked anyway. */
export async function movePartitionToWarm(
  deps: MoverDeps,
  info: TableInfo,
  partition: string,
  tablespace: string,
): Promise<MoveOutcome> {
  const id = randomUUID();
  const relation = `public.${quoted(partition)}`;
  const client = await deps.pool.connect();
  let rows = 0;
  try {
    await client.query("BEGIN");
    const before = await pgTally(client, info, relation, "true");
    await client.query(`ALTER TABLE ${relation} SET TABLESPACE ${quoted(tablespace)}`);
    const after = await pgTally(client, info, relation, "true");
    if (!sameTally(before, after)) {
      throw new VerificationError(`${partition}: tally changed while moving to ${tablespace}`);
    }
    rows = after.rows;
    await client.query(
      `INSERT INTO governance.tier_moves (id, table_name, from_tier, to_tier, partition_name, state, spec, rows, checksum, requested_by, run_id)
       VALUES ($1, $2, 'hot', 'warm', $3, 'done', $4, $5, $6, $7, $8)`,
      [
        id,
        info.table,
        partition,
        JSON.stringify({ partition: { name: partition } }),
        after.rows,
        after.checksum,
        deps.requestedBy ?? "schedule",
        deps.runId ?? null,
      ],
    );
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  const outcome: MoveOutcome = {
    table: info.table,
    from: "hot",
    to: "warm",
    rows,
    partition,
    moveId: id,
    status: "done",
  };
  await audit(deps, outcome);
  return outcome;
}

/** hot/warm → cold: detach → copy → verify → drop (see the module comment). */
export async function movePartitionToCold(
  deps: MoverDeps,
  info: TableInfo,
  policy: TTieringPolicy,
  partition: string,
  from: "hot" | "warm",
): Promise<MoveOutcome> {
  const part = (await partitionsOf(deps.db, info.table)).find((p) => p.name === partition);
  if (!part) {
    return {
      table: info.table,
      from,
      to: "cold",
      rows: 0,
      partition,
      moveId: "",
      status: "skipped",
      reason: "partition no longer attached",
    };
  }
  await ensureColdTable(deps.analytics, info);
  const id = randomUUID();
  const relation = `public.${quoted(partition)}`;
  await deps.db.transaction().execute(async (trx) => {
    await insertMove(trx, {
      id,
      table: info.table,
      from,
      to: "cold",
      partition,
      spec: {
        partition: { name: partition, from: part.from.toISOString(), to: part.to.toISOString() },
      },
      runId: deps.runId,
      requestedBy: deps.requestedBy ?? "schedule",
    });
    await sql`ALTER TABLE ${sql.table(`public.${info.table}`)} DETACH PARTITION ${sql.table(`public.${partition}`)}`.execute(
      trx,
    );
  });
  try {
    const empty = await deps.pool.query(`SELECT NOT EXISTS (SELECT 1 FROM ${relation}) AS empty`);
    if (!empty.rows[0]?.empty) {
      await copyToCold(deps.pool, deps.analytics, {
        info,
        relation,
        where: "true",
        dateColumn: policy.date_column,
        moveId: id,
      });
    }
    const rows = await finishColdMove(deps, info, id, relation, "true", async (client) => {
      await client.query(`DROP TABLE ${relation}`);
    });
    const outcome: MoveOutcome = {
      table: info.table,
      from,
      to: "cold",
      rows,
      partition,
      moveId: id,
      status: "done",
    };
    await audit(deps, outcome);
    return outcome;
  } catch (error) {
    if (!(error instanceof VerificationError)) {
      throw error; // a crash-like failure: the next run's recovery rolls it back
    }
    await rollBack(deps, (await getMove(deps.db, id)) as Move, error.message);
    const outcome: MoveOutcome = {
      table: info.table,
      from,
      to: "cold",
      rows: 0,
      partition,
      moveId: id,
      status: "rolled_back",
      reason: error.message,
    };
    await audit(deps, outcome);
    return outcome;
  }
}

/**
 * The commit point of a move to cold: in one Postgres transaction, lock the source rows, tally
 * them and the cold copy, remove the source (`remove`) and mark the move done.
 */
async function finishColdMove(
  deps: MoverDeps,
  info: TableInfo,
  moveId: string,
  relation: string,
  where: string,
  remove: (client: pg.PoolClient) => Promise<void>,
  lockRows = false,
): Promise<number> {
  const client = await deps.pool.connect();
  try {
    await client.query("BEGIN");
    if (lockRows) {
      await client.query(`SELECT 1 FROM ${relation} t WHERE ${where} FOR UPDATE`);
    } else {
      await client.query(`LOCK TABLE ${relation} IN ACCESS EXCLUSIVE MODE`);
    }
    const source = await pgTally(client, info, relation, where);
    const { where: cw, params } = coldWhereMove(moveId);
    const cold = await chTally(
      deps.analytics,
      info,
      `${chQuoted(coldTable(info.table))}`,
      cw,
      params,
    );
    if (!sameTally(source, cold)) {
      throw new VerificationError(
        `verification failed: source ${source.rows} rows / ${source.checksum}, cold ${cold.rows} rows / ${cold.checksum}`,
      );
    }
    await remove(client);
    await client.query(
      "UPDATE governance.tier_moves SET state = 'done', rows = $2, checksum = $3, updated_at = now() WHERE id = $1",
      [moveId, source.rows, source.checksum],
    );
    await client.query("COMMIT");
    return source.rows;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** hot → cold for a table moved by rows: batches until none is left or `limit` rows moved. */
export async function moveRowsToCold(
  deps: MoverDeps,
  info: TableInfo,
  policy: TTieringPolicy,
  before: Date,
  limit: number,
  onBatch?: (moved: number) => Promise<void>,
): Promise<MoveOutcome[]> {
  if (!info.key) {
    return [];
  }
  await ensureColdTable(deps.analytics, info);
  const key = quoted(info.key);
  const date = quoted(policy.date_column);
  const relation = `public.${quoted(info.table)}`;
  const outcomes: MoveOutcome[] = [];
  let moved = 0;
  while (moved < limit) {
    const batch = await deps.pool.query<{ k: string }>(
      `SELECT t.${key}::text AS k FROM ${relation} t
       WHERE t.${date} < $1 AND NOT ${pgBlockedRow(info, policy)}
       ORDER BY t.${date}, t.${key} LIMIT $2`,
      [before, Math.min(policy.batch_rows, limit - moved)],
    );
    const keys = batch.rows.map((r) => r.k);
    if (keys.length === 0) {
      break;
    }
    const id = randomUUID();
    await insertMove(deps.db, {
      id,
      table: info.table,
      from: "hot",
      to: "cold",
      partition: null,
      spec: { keys },
      runId: deps.runId,
      requestedBy: deps.requestedBy ?? "schedule",
    });
    const where = keysWhere(info, keys);
    try {
      await copyToCold(deps.pool, deps.analytics, {
        info,
        relation,
        where,
        dateColumn: policy.date_column,
        moveId: id,
      });
      // Rows that became held (or active) during the copy fail the check and roll back.
      const still = `${where} AND NOT ${pgBlockedRow(info, policy)}`;
      const rows = await finishColdMove(
        deps,
        info,
        id,
        relation,
        still,
        async (client) => {
          const gone = await client.query(`DELETE FROM ${relation} t WHERE ${still}`);
          if (gone.rowCount !== keys.length) {
            throw new VerificationError(
              `expected to remove ${keys.length} rows, removed ${gone.rowCount}`,
            );
          }
        },
        true,
      );
      moved += rows;
      const outcome: MoveOutcome = {
        table: info.table,
        from: "hot",
        to: "cold",
        rows,
        partition: null,
        moveId: id,
        status: "done",
      };
      outcomes.push(outcome);
      await audit(deps, outcome);
      await onBatch?.(moved);
    } catch (error) {
      if (!(error instanceof VerificationError)) {
        throw error;
      }
      await rollBack(deps, (await getMove(deps.db, id)) as Move, error.message);
      const outcome: MoveOutcome = {
        table: info.table,
        from: "hot",
        to: "cold",
        rows: 0,
        partition: null,
        moveId: id,
        status: "rolled_back",
        reason: error.message,
      };
      outcomes.push(outcome);
      await audit(deps, outcome);
      break;
    }
  }
  return outcomes;
}

export function keysWhere(info: TableInfo, keys: string[]): string {
  const type = info.columns.find((c) => c.name === info.key)?.type ?? "text";
  const safeType = /^[a-z ]+$/.test(type) ? type : "text";
  return `t.${quoted(info.key as string)} = ANY(ARRAY[${keys.map(literal).join(", ")}]::${safeType}[])`;
}

/** The ClickHouse predicate of an archive move's rows. */
export function archiveWhere(move: { spec: Move["spec"] }): {
  where: string;
  params: Record<string, unknown>;
} {
  return {
    where: `_tier_time >= {from:DateTime64(6)} AND _tier_time < {to:DateTime64(6)}
      AND has({moves:Array(String)}, _move_id) AND NOT has({exclude:Array(String)}, tenant_id)`,
    params: {
      from: new Date(move.spec.range?.from ?? 0),
      to: new Date(move.spec.range?.to ?? 0),
      moves: move.spec.coldMoveIds ?? [],
      exclude: move.spec.excludeTenants ?? [],
    },
  };
}

/** cold → archive: one month of a table's cold rows into one Parquet file. */
export async function moveColdToArchive(
  deps: MoverDeps,
  info: TableInfo,
  planned: PlannedMove,
  excludeTenants: string[],
  openIds: string[],
): Promise<MoveOutcome> {
  const id = randomUUID();
  const from = planned.monthFrom as string;
  const to = planned.monthTo as string;
  const ids = await deps.analytics.query<{ id: string }>(
    `SELECT DISTINCT _move_id AS id FROM {t:Identifier}
     WHERE _tier_time >= {from:DateTime64(6)} AND _tier_time < {to:DateTime64(6)}
       AND NOT has({open:Array(String)}, _move_id)`,
    { t: coldTable(info.table), from: new Date(from), to: new Date(to), open: openIds },
  );
  const archive = archiveStore(deps.config);
  const file = archive.location(info.table, `${from.slice(0, 7)}-${id}.parquet`);
  const spec = {
    range: { from, to },
    excludeTenants,
    coldMoveIds: ids.map((r) => r.id).sort(),
  };
  await insertMove(deps.db, {
    id,
    table: info.table,
    from: "cold",
    to: "archive",
    partition: null,
    spec,
    runId: deps.runId,
    requestedBy: deps.requestedBy ?? "schedule",
    location: file,
  });
  const move = (await getMove(deps.db, id)) as Move;
  const { where, params } = archiveWhere(move);
  const columns = [...info.columns.map((c) => chQuoted(c.name)), "_tier_time", "_move_id"];
  try {
    const cold = await chTally(
      deps.analytics,
      info,
      chQuoted(coldTable(info.table)),
      where,
      params,
    );
    await archive.writeParquet(
      deps.analytics,
      file,
      `SELECT ${columns.join(", ")} FROM ${chQuoted(coldTable(info.table))} WHERE ${where} ORDER BY tenant_id, _tier_time`,
      params,
    );
    // Read back in place (file() or s3()): what the archive holds, not what was sent.
    const stored = archive.source(file, "file");
    const written = await chTally(deps.analytics, info, stored.sql, "1", stored.params);
    if (!sameTally(cold, written)) {
      throw new VerificationError(
        `archive file holds ${written.rows} rows / ${written.checksum}, cold ${cold.rows} / ${cold.checksum}`,
      );
    }
    const { sha256, bytes } = await archive.digest(file);
    await archive.writeManifest({
      format: "parquet",
      table: info.table,
      file,
      moveId: id,
      rows: written.rows,
      checksum: written.checksum,
      sha256,
      bytes,
      schema: [
        ...info.columns.map((c) => ({ name: c.name, type: c.type })),
        { name: "_tier_time", type: "DateTime64(6, 'UTC')" },
        { name: "_move_id", type: "String" },
      ],
      from,
      to,
      createdAt: new Date().toISOString(),
    });
    await setMoveState(deps.db, id, "verified", { rows: written.rows, checksum: written.checksum });
    await finishArchiveMove(deps, (await getMove(deps.db, id)) as Move);
    const outcome: MoveOutcome = {
      table: info.table,
      from: "cold",
      to: "archive",
      rows: written.rows,
      partition: null,
      moveId: id,
      status: "done",
    };
    await audit(deps, outcome);
    return outcome;
  } catch (error) {
    if (!(error instanceof VerificationError)) {
      throw error;
    }
    await rollBack(deps, move, error.message);
    const outcome: MoveOutcome = {
      table: info.table,
      from: "cold",
      to: "archive",
      rows: 0,
      partition: null,
      moveId: id,
      status: "rolled_back",
      reason: error.message,
    };
    await audit(deps, outcome);
    return outcome;
  }
}

async function finishArchiveMove(deps: MoverDeps, move: Move): Promise<void> {
  const { where, params } = archiveWhere(move);
  // A whole month of the cold table archived: drop its partition (instant) rather than delete
  // row by row through every small part the moves made. Only when the partition holds exactly
  // the archived rows (the tiering lock keeps other moves out meanwhile).
  const from = new Date(move.spec.range?.from ?? 0);
  const month = from.getUTCFullYear() * 100 + from.getUTCMonth() + 1;
  const counts = await deps.analytics.query<{ all: string; matching: string }>(
    `SELECT toString(count()) AS all, toString(countIf(${where})) AS matching
     FROM {t:Identifier} WHERE toYYYYMM(_tier_time) = {month:UInt32}`,
    { ...params, t: coldTable(move.table), month },
  );
  const outside = await deps.analytics.query<{ n: string }>(
    `SELECT toString(count()) AS n FROM {t:Identifier} WHERE (${where}) AND toYYYYMM(_tier_time) != {month:UInt32}`,
    { ...params, t: coldTable(move.table), month },
  );
  if (
    Number(outside[0]?.n ?? 0) === 0 &&
    counts[0] &&
    counts[0].all === counts[0].matching &&
    Number.isInteger(month)
  ) {
    if (Number(counts[0].all) > 0) {
      await deps.analytics.command(
        `ALTER TABLE {t:Identifier} DROP PARTITION ${month} SETTINGS mutations_sync = 2`,
        { t: coldTable(move.table) },
      );
    }
    await setMoveState(deps.db, move.id, "done");
    return;
  }
  await deps.analytics.command(
    `DELETE FROM {t:Identifier} WHERE ${where} SETTINGS lightweight_deletes_sync = 2`,
    { ...params, t: coldTable(move.table) },
  );
  await setMoveState(deps.db, move.id, "done");
}

/** Undoes an unfinished move: its destination copy goes, its source stays (or returns). */
export async function rollBack(deps: MoverDeps, move: Move, reason: string): Promise<void> {
  if (move.to === "cold") {
    await deleteColdCopy(deps.analytics, move.table, move.id);
    const part = move.spec.partition;
    if (part?.from && part.to) {
      const attached = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_inherits
        WHERE inhrelid = to_regclass(${`public.${part.name}`})`.execute(deps.db);
      const exists = await sql<{ r: string | null }>`
        SELECT to_regclass(${`public.${part.name}`})::text AS r`.execute(deps.db);
      if (exists.rows[0]?.r && !attached.rows[0]?.n) {
        await sql`ALTER TABLE ${sql.table(`public.${move.table}`)} ATTACH PARTITION ${sql.table(`public.${part.name}`)}
          FOR VALUES FROM (${sql.lit(part.from)}) TO (${sql.lit(part.to)})`.execute(deps.db);
      }
    }
  } else if (move.to === "archive" && move.location) {
    await archiveStore(deps.config).remove(move.location);
  }
  await setMoveState(deps.db, move.id, "rolled_back", { error: reason });
}

/**
 * Completes or undoes every move a crash left open, before a run plans anything: `copying`
 * moves roll back (their source is whole), `verified` ones finish removing their source.
 */
export async function recoverOpenMoves(
  deps: MoverDeps,
): Promise<{ completed: number; rolledBack: number }> {
  let completed = 0;
  let rolledBack = 0;
  for (const move of await openMoves(deps.db)) {
    if (move.state === "verified") {
      if (move.to === "archive") {
        await finishArchiveMove(deps, move);
      } else if (move.to === "hot") {
        await finishRestore(deps, move);
      }
      completed += 1;
    } else {
      await rollBack(deps, move, "interrupted; rolled back by the next run");
      rolledBack += 1;
    }
  }
  return { completed, rolledBack };
}

export { tableInfo };
