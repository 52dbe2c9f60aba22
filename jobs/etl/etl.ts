import { sql } from "kysely";
import type pg from "pg";
import type { AnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import type { Db } from "../../schema/postgres.ts";
import { type EmitDeps, emitLineage } from "../lineage/emit.ts";
import { etlRunEvent } from "../lineage/etl-lineage.ts";
import { loadAggregate } from "./aggregate.loader.ts";
import { AGGREGATE_TARGETS, type AggregateTarget } from "./aggregate-targets.ts";
import { EVENTS_TARGET, loadEvents } from "./events.loader.ts";
import { advanceWatermark, getWatermark } from "./watermarks.repository.ts";

/**
 * The ETL from the operational store (Postgres) into the analytics store (ClickHouse): one
 * loader per analytics table, each incremental from its watermark in governance.etl_watermarks.
 *
 * Idempotent when re-run or interrupted: loaders write only ReplacingMergeTree tables keyed so
 * that writing the same thing twice replaces it, and a watermark advances only after its rows
 * are in ClickHouse. Each window re-reads OVERLAP before its watermark, for transactions that
 * committed late with an earlier timestamp.
 */

export const ETL_TARGETS = [...AGGREGATE_TARGETS.map((t) => t.table), EVENTS_TARGET] as const;

/** How far before the watermark each run starts reading again. */
export const ETL_OVERLAP_MS = 5 * 60_000;

export type EtlReport = {
  targets: Record<string, { rows: number; from: string | null; to: string | null }>;
  durationMs: number;
};

export type EtlDeps = {
  db: Db;
  pool: pg.Pool;
  store: AnalyticsStore;
  /** When set, the run emits its OpenLineage events (jobs/lineage). */
  lineage?: Omit<EmitDeps, "db"> & { runId: string; clickhouseDatabase: string };
};

export type EtlOptions = {
  /** Analytics tables to load (default: all, aggregates first). */
  targets?: string[];
  /** Rows written so far for the target being loaded; called after each batch. */
  onProgress?: (progress: { target: string; rows: number }) => void;
  /** Upper bound of the changes read (default: the database's clock). */
  now?: Date;
};

/** Error codes of the ETL. */
export type EtlErrorCode =
  /** A requested target is not one of ETL_TARGETS. */
  "etl_unknown_target";

export class EtlError extends Error {
  constructor(
    public readonly code: EtlErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "EtlError";
  }
}

/**
 * Loads the requested targets (all by default) up to `now` and reports, per target, the rows
 * written and the watermark it moved from and to. Concurrent runs of the same target (a
 * scheduled run and a manual one, or two processes) take turns on a Postgres advisory lock.
 */
export async function runEtl(deps: EtlDeps, options: EtlOptions = {}): Promise<EtlReport> {
  const started = performance.now();
  const targets = selectTargets(options.targets);
  const emit = async (eventType: "START" | "COMPLETE" | "FAIL") => {
    if (!deps.lineage) {
      return;
    }
    // Lineage never fails the load: emitLineage reports its own problems, this catches the rest.
    try {
      const event = await etlRunEvent(deps.db, {
        runId: deps.lineage.runId,
        eventType,
        clickhouseDatabase: deps.lineage.clickhouseDatabase,
        aggregates: AGGREGATE_TARGETS.filter((t) => targets.includes(t.table)),
        eventsTarget: targets.includes(EVENTS_TARGET) ? EVENTS_TARGET : undefined,
      });
      await emitLineage({ ...deps.lineage, db: deps.db }, event);
    } catch {
      // recorded nowhere else: the next run emits the same lineage again
    }
  };
  await emit("START");
  try {
    const report = await loadTargets(deps, options, targets, started);
    await emit("COMPLETE");
    return report;
  } catch (error) {
    await emit("FAIL").catch(() => undefined);
    throw error;
  }
}

async function loadTargets(
  deps: EtlDeps,
  options: EtlOptions,
  targets: string[],
  started: number,
): Promise<EtlReport> {
  const to = options.now ?? (await databaseNow(deps.db));
  const report: EtlReport = { targets: {}, durationMs: 0 };
  for (const name of targets) {
    const onRows = (rows: number) => options.onProgress?.({ target: name, rows });
    report.targets[name] = await withTargetLock(deps.pool, name, async () => {
      const previous = (await getWatermark(deps.db, name))?.watermark ?? null;
      const from = previous && new Date(previous.getTime() - ETL_OVERLAP_MS);
      const aggregate = AGGREGATE_TARGETS.find((t) => t.table === name);
      if (aggregate) {
        return loadAggregateTarget(deps, aggregate, { previous, from, to }, onRows);
      }
      const { rows, loadedUpTo } = await loadEvents(
        deps,
        { from, to, previous },
        (upTo, windowRows) => advanceWatermark(deps.db, name, upTo, windowRows),
        onRows,
      );
      return { rows, from: iso(previous), to: iso(loadedUpTo) };
    });
  }
  report.durationMs = Math.round(performance.now() - started);
  return report;
}

async function loadAggregateTarget(
  deps: EtlDeps,
  target: AggregateTarget,
  window: { previous: Date | null; from: Date | null; to: Date },
  onRows: (rows: number) => void,
) {
  const rows = await loadAggregate(
    deps,
    target,
    { from: window.from, to: window.to, version: await nextVersion(deps.db) },
    onRows,
  );
  // Only now that the rows are written: an interruption before this line redoes the window.
  const upTo = window.previous && window.previous > window.to ? window.previous : window.to;
  await advanceWatermark(deps.db, target.table, upTo, rows);
  return { rows, from: iso(window.previous), to: iso(upTo) };
}

function selectTargets(requested: string[] | undefined): string[] {
  if (!requested || requested.length === 0) {
    return [...ETL_TARGETS];
  }
  const unknown = requested.filter((t) => !(ETL_TARGETS as readonly string[]).includes(t));
  if (unknown.length > 0) {
    throw new EtlError(
      "etl_unknown_target",
      `unknown ETL target(s) ${unknown.join(", ")}; known: ${ETL_TARGETS.join(", ")}`,
    );
  }
  // Keep the canonical order (aggregates before the bulk event copy).
  return ETL_TARGETS.filter((t) => requested.includes(t));
}

async function databaseNow(db: Db): Promise<Date> {
  // The database's clock stamps the rows (now(), created_at defaults), so it bounds the window;
  // rounded up to the millisecond a JS Date holds, so a row stamped in the same millisecond as
  // the run starts is inside this window rather than waiting for the next run's overlap.
  const result = await sql<{ now: Date }>`
    SELECT date_trunc('milliseconds', clock_timestamp()) + interval '1 millisecond' AS now`.execute(
    db,
  );
  const now = result.rows[0]?.now;
  if (!now) {
    throw new Error("the database did not return its clock");
  }
  return now;
}

let lastVersion = 0n;

/**
 * ReplacingMergeTree version: the database's clock in microseconds, read under the target's
 * lock, so a later load replaces an earlier one whichever host ran it (host clocks may
 * disagree; runs of a target are serialized on the one database). Strictly increasing within
 * this process even if that clock steps back.
 */
async function nextVersion(db: Db): Promise<string> {
  const result = await sql<{ us: string }>`
    SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint::text AS us`.execute(db);
  const candidate = BigInt(result.rows[0]?.us ?? Date.now() * 1000);
  lastVersion = candidate > lastVersion ? candidate : lastVersion + 1n;
  return lastVersion.toString();
}

async function withTargetLock<T>(pool: pg.Pool, target: string, fn: () => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("SELECT pg_advisory_lock(hashtext('govern.etl'), hashtext($1))", [target]);
    try {
      return await fn();
    } finally {
      await client
        .query("SELECT pg_advisory_unlock(hashtext('govern.etl'), hashtext($1))", [target])
        .catch((error: Error) => {
          // Destroying the connection releases its session locks.
          broken = error;
        });
    }
  } finally {
    client.release(broken);
  }
}

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}
