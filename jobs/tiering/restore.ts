import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import type pg from "pg";
import type { AnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import type { Config } from "../../schema/config.ts";
import { appendAuditEvent } from "../../schema/governance/audit-events.repository.ts";
import type { Db } from "../../schema/postgres.ts";
import { PARTITIONED_TABLES } from "../partitions/partitions.ts";
import { type ArchiveManifest, archiveStore } from "./archive-store.ts";
import { chTally, copyFromClickHouse, pgTally, sameTally } from "./copy.ts";
import { getMove, insertMove, type Move, openMoveIds, setMoveState } from "./moves.ts";
import { coldTable, coldTableExists } from "./stores.ts";
import { chQuoted, quoted, type TableInfo, tableInfo } from "./tables.ts";

/**
 * Restore (a range back to hot) and the archive rewrites that restore, erasure and retention
 * need. A restore is a move to hot: the rows are staged in a temporary table, tallied against
 * the source, inserted, and the move marked `verified` in one Postgres transaction; then the
 * source copy goes (cold rows deleted, archive files rewritten without them: new file, new
 * manifest, old file removed) and the move is `done`. A crash before the commit leaves nothing
 * in hot; after it, the next run finishes the removal.
 */

export type RestoreDeps = {
  db: Db;
  pool: pg.Pool;
  config: Config;
  analytics: AnalyticsStore;
  requestedBy?: string;
  runId?: string | null;
};

export type RestoreRange = { table: string; tenantId?: string | null; from: Date; to: Date };

export class RestoreError extends Error {
  constructor(
    readonly code: "unknown_table" | "bad_range" | "verification_failed",
    message: string,
  ) {
    super(message);
    this.name = "RestoreError";
  }
}

export type RestoreOutcome = {
  table: string;
  from: "cold" | "archive";
  to: "hot";
  rows: number;
  partition: null;
  moveId: string;
};

function rangeWhere(range: { from: string; to: string; tenantId?: string | null }): {
  where: string;
  params: Record<string, unknown>;
} {
  return {
    where: `_tier_time >= {rfrom:DateTime64(6)} AND _tier_time < {rto:DateTime64(6)}${
      range.tenantId ? " AND tenant_id = {rtenant:String}" : ""
    }`,
    params: {
      rfrom: new Date(range.from),
      rto: new Date(range.to),
      ...(range.tenantId ? { rtenant: range.tenantId } : {}),
    },
  };
}

/** The archive files of a table that are complete (their move done), readable in place. */
export async function liveArchiveFiles(
  deps: { db: Db; config: Config },
  table: string,
): Promise<ArchiveManifest[]> {
  const open = new Set(await openMoveIds(deps.db, table));
  const archive = archiveStore(deps.config);
  const out: ArchiveManifest[] = [];
  for (const m of await archive.manifests(table)) {
    if (!open.has(m.moveId) && (await archive.exists(m.file))) {
      out.push(m);
    }
  }
  return out;
}

/** Archive files (`file()` or `s3()`, read in place) as one ClickHouse source, with parameters. */
export function filesSource(
  config: Config,
  files: string[],
): { source: string; params: Record<string, unknown> } {
  const archive = archiveStore(config);
  let params: Record<string, unknown> = {};
  const parts = files.map((f, i) => {
    const one = archive.source(f, `f${i}`);
    params = { ...params, ...one.params };
    return `SELECT * FROM ${one.sql}`;
  });
  return { source: `(${parts.join(" UNION ALL ")})`, params };
}

/** Moves a range (a tenant, dates) from cold and the archive back to hot. */
export async function restoreRange(
  deps: RestoreDeps,
  range: RestoreRange,
): Promise<RestoreOutcome[]> {
  if (!(range.from.getTime() < range.to.getTime())) {
    throw new RestoreError("bad_range", "--from must be before --to");
  }
  const info = await tableInfo(deps.db, range.table);
  if (!info) {
    throw new RestoreError("unknown_table", `no table public.${range.table}`);
  }
  const partitioned = PARTITIONED_TABLES.find((p) => p.table === range.table);
  if (partitioned) {
    await sql`SELECT governance.ensure_time_partitions(${range.table}::regclass, ${partitioned.step}, ${range.from}, ${range.to})`.execute(
      deps.db,
    );
  }
  const spec = {
    range: { from: range.from.toISOString(), to: range.to.toISOString() },
    tenantId: range.tenantId ?? null,
  };
  const outcomes: RestoreOutcome[] = [];
  // From cold.
  if (await coldTableExists(deps.analytics, range.table)) {
    const open = await openMoveIds(deps.db, range.table);
    const { where, params } = rangeWhere({ ...spec.range, tenantId: spec.tenantId });
    const ids = await deps.analytics.query<{ id: string }>(
      `SELECT DISTINCT _move_id AS id FROM {t:Identifier} WHERE ${where} AND NOT has({open:Array(String)}, _move_id)`,
      { ...params, t: coldTable(range.table), open },
    );
    if (ids.length > 0) {
      const moveSpec = { ...spec, coldMoveIds: ids.map((r) => r.id).sort() };
      const moveId = randomUUID();
      await insertMove(deps.db, {
        id: moveId,
        table: range.table,
        from: "cold",
        to: "hot",
        partition: null,
        spec: moveSpec,
        requestedBy: deps.requestedBy ?? "restore",
        runId: deps.runId,
      });
      const source = chQuoted(coldTable(range.table));
      const cw = `${where} AND has({moves:Array(String)}, _move_id)`;
      const rows = await stageAndInsert(deps, info, moveId, source, cw, {
        ...params,
        moves: moveSpec.coldMoveIds,
      });
      await finishRestore(deps, (await getMove(deps.db, moveId)) as Move);
      outcomes.push({ table: range.table, from: "cold", to: "hot", rows, partition: null, moveId });
    }
  }
  // From the archive: the files holding rows of the range.
  const files: string[] = [];
  const { where, params } = rangeWhere({ ...spec.range, tenantId: spec.tenantId });
  for (const manifest of await liveArchiveFiles(deps, range.table)) {
    if (
      manifest.from &&
      manifest.to &&
      (manifest.to <= spec.range.from || manifest.from >= spec.range.to)
    ) {
      continue;
    }
    if ((await countInFile(deps, manifest.file, where, params)) > 0) {
      files.push(manifest.file);
    }
  }
  if (files.length > 0) {
    const moveId = randomUUID();
    await insertMove(deps.db, {
      id: moveId,
      table: range.table,
      from: "archive",
      to: "hot",
      partition: null,
      spec: { ...spec, replaces: files },
      requestedBy: deps.requestedBy ?? "restore",
      runId: deps.runId,
    });
    const { source, params: fileParams } = filesSource(deps.config, files);
    const rows = await stageAndInsert(deps, info, moveId, source, where, {
      ...params,
      ...fileParams,
    });
    await finishRestore(deps, (await getMove(deps.db, moveId)) as Move);
    outcomes.push({
      table: range.table,
      from: "archive",
      to: "hot",
      rows,
      partition: null,
      moveId,
    });
  }
  for (const outcome of outcomes) {
    await appendAuditEvent(deps.db, {
      actor: deps.requestedBy ?? "restore",
      action: "tiering.restore",
      target: `public.${range.table}`,
      summary: {
        moveId: outcome.moveId,
        from: outcome.from,
        rows: outcome.rows,
        tenantId: range.tenantId ?? null,
        range: spec.range,
      },
    });
  }
  return outcomes;
}

/**
 * Stages the source rows in a temporary table, checks their tally against the source's, inserts
 * them and marks the move verified: one transaction.
 */
async function stageAndInsert(
  deps: RestoreDeps,
  info: TableInfo,
  moveId: string,
  source: string,
  where: string,
  params: Record<string, unknown>,
): Promise<number> {
  const expected = await chTally(deps.analytics, info, source, where, params);
  const client = await deps.pool.connect();
  try {
    await client.query("BEGIN");
    const stage = `tier_stage_${moveId.replaceAll("-", "")}`;
    await client.query(
      `CREATE TEMP TABLE ${quoted(stage)} (LIKE public.${quoted(info.table)}) ON COMMIT DROP`,
    );
    await copyFromClickHouse(client, deps.analytics, {
      info,
      relation: quoted(stage),
      source,
      where,
      params,
    });
    const staged = await pgTally(client, info, quoted(stage), "true");
    if (!sameTally(expected, staged)) {
      throw new RestoreError(
        "verification_failed",
        `restore staged ${staged.rows} rows / ${staged.checksum}, the source holds ${expected.rows} / ${expected.checksum}`,
      );
    }
    const names = info.columns.map((c) => quoted(c.name)).join(", ");
    await client.query(
      `INSERT INTO public.${quoted(info.table)} (${names}) SELECT ${names} FROM ${quoted(stage)}`,
    );
    await client.query(
      "UPDATE governance.tier_moves SET state = 'verified', rows = $2, checksum = $3, updated_at = now() WHERE id = $1",
      [moveId, staged.rows, staged.checksum],
    );
    await client.query("COMMIT");
    return staged.rows;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    await setMoveState(deps.db, moveId, "rolled_back", { error: (error as Error).message });
    throw error;
  } finally {
    client.release();
  }
}

/** Removes a verified restore's rows from their source tier, then marks it done (idempotent). */
export async function finishRestore(
  deps: { db: Db; config: Config; analytics: AnalyticsStore },
  move: Move,
): Promise<void> {
  const range = move.spec.range;
  if (!range) {
    await setMoveState(deps.db, move.id, "done");
    return;
  }
  const { where, params } = rangeWhere({ ...range, tenantId: move.spec.tenantId });
  if (move.from === "cold") {
    await deps.analytics.command(
      `DELETE FROM {t:Identifier} WHERE ${where} AND has({moves:Array(String)}, _move_id) SETTINGS lightweight_deletes_sync = 2`,
      { ...params, t: coldTable(move.table), moves: move.spec.coldMoveIds ?? [] },
    );
  } else if (move.from === "archive") {
    const info = await tableInfo(deps.db, move.table);
    if (info) {
      await rewriteArchiveFiles(deps, info, move.spec.replaces ?? [], where, params, move.id);
    }
  }
  await setMoveState(deps.db, move.id, "done");
}

/**
 * Rewrites archive files without the rows matching `drop` (ClickHouse predicate): a new file
 * with the rest (tallied: rows = old − dropped), a new manifest naming the file it replaces,
 * then the old file and manifest removed. With `transform` (column → expression of its old value) the
 * matching rows are kept with those columns rewritten instead (a retention anonymization), and
 * the new file is tallied against that projection. Files already rewritten are skipped, so a
 * resumed rewrite finishes the rest. Returns the rows dropped (or transformed).
 */
export async function rewriteArchiveFiles(
  deps: { db: Db; config: Config; analytics: AnalyticsStore },
  info: TableInfo,
  files: string[],
  drop: string,
  params: Record<string, unknown>,
  moveId: string,
  transform?: Record<string, (column: string) => string>,
): Promise<number> {
  let dropped = 0;
  const archive = archiveStore(deps.config);
  const manifests = new Map((await archive.manifests(info.table)).map((m) => [m.file, m]));
  for (const file of files) {
    const old = manifests.get(file);
    if (!old || !(await archive.exists(file))) {
      continue; // already rewritten
    }
    const current = archive.source(file, "file");
    // The old values under other names and the match computed once, below the projection: an
    // output column may not be an alias of an expression over the column it replaces.
    const old_ = (name: string) => `\`o_${name}\``;
    const inner = `SELECT ${info.columns
      .map((c) => `${chQuoted(c.name)} AS ${old_(c.name)}`)
      .join(", ")}, _tier_time AS o__tt, _move_id AS o__mid, (${drop}) AS o__match FROM ${
      current.sql
    }`;
    const columns = info.columns.map((c) => {
      const expression = transform?.[c.name];
      return expression
        ? `if(o__match, ${expression(old_(c.name))}, ${old_(c.name)}) AS ${chQuoted(c.name)}`
        : `${old_(c.name)} AS ${chQuoted(c.name)}`;
    });
    const select = `SELECT ${columns.join(", ")}, o__tt AS _tier_time, o__mid AS _move_id FROM (${inner}) WHERE ${
      transform ? "1" : "NOT o__match"
    }`;
    const fileParams = { ...params, ...current.params };
    const kept = await chTally(deps.analytics, info, `(${select})`, "1", fileParams);
    const gone = transform ? await countInFile(deps, file, drop, params) : old.rows - kept.rows;
    const next = file.replace(/(-r[0-9a-f-]{36})?\.parquet$/, `-r${moveId}.parquet`);
    if (kept.rows > 0) {
      await archive.writeParquet(deps.analytics, next, select, fileParams);
      const stored = archive.source(next, "next");
      const written = await chTally(deps.analytics, info, stored.sql, "1", stored.params);
      if (!sameTally(kept, written)) {
        throw new Error(`rewrite of ${file}: wrote ${written.rows} rows, expected ${kept.rows}`);
      }
      const { sha256, bytes } = await archive.digest(next);
      await archive.writeManifest({
        ...old,
        file: next,
        moveId: old.moveId,
        rows: written.rows,
        checksum: written.checksum,
        sha256,
        bytes,
        createdAt: new Date().toISOString(),
        replaces: file,
      });
    }
    await archive.remove(file);
    dropped += gone;
  }
  return dropped;
}

/** Rows of an archive file matching `where`, read in place. */
export async function countInFile(
  deps: { config: Config; analytics: AnalyticsStore },
  file: string,
  where: string,
  params: Record<string, unknown>,
): Promise<number> {
  const source = archiveStore(deps.config).source(file, "file");
  const n = await deps.analytics.query<{ n: string }>(
    `SELECT toString(count()) AS n FROM ${source.sql} WHERE ${where}`,
    { ...params, ...source.params },
  );
  return Number(n[0]?.n ?? 0);
}
