import { sql } from "kysely";
import type pg from "pg";
import type { AnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import type { Db } from "../../schema/postgres.ts";
import { withReader } from "../../schema/tenant.ts";
import { readAhead, readAsReader } from "./reader-stream.ts";

export const EVENTS_TARGET = "business_events_cold";

const READ_BATCH = 10_000;
const DAY_MS = 86_400_000;
/** A window grows (1, 2, 4 ... 32 days) while it stays under this many rows, shrinks above. */
const WINDOW_ROWS = 250_000;
const MAX_WINDOW_DAYS = 32;

export type EventsWindow = {
  /** Load events after this instant; null = first load, from the oldest event. */
  from: Date | null;
  to: Date;
  /** The watermark before this run (the watermark never moves back below it). */
  previous: Date | null;
};

/**
 * Copies business_events with from < time <= to into business_events_cold in windows of whole
 * UTC days (whole Postgres partitions; one day, more while the days are sparse), streamed by
 * cursor. After each window is in ClickHouse, `commit` advances the watermark to its end, so an
 * interrupted load resumes from the last whole window; rows loaded twice (a redone window, the
 * overlap) hash to the same event_key and collapse. Returns the rows written and the instant
 * loaded up to (the previous watermark when there is nothing to load).
 */
export async function loadEvents(
  deps: { db: Db; pool: pg.Pool; store: AnalyticsStore },
  window: EventsWindow,
  commit: (loadedUpTo: Date, rows: number) => Promise<void>,
  onRows: (rows: number) => void,
): Promise<{ rows: number; loadedUpTo: Date | null }> {
  const start = window.from ?? (await oldestEventBefore(deps.db, window.to));
  if (start === null) {
    return { rows: 0, loadedUpTo: window.previous };
  }
  let lower: Date = start;
  let total = 0;
  let loadedUpTo: Date | null = window.previous;
  let days = 1;
  while (lower < window.to) {
    const upper: Date = new Date(
      Math.min(startOfNextUtcDay(lower).getTime() + (days - 1) * DAY_MS, window.to.getTime()),
    );
    const query = sql`
      SELECT to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS time,
             tenant_id::text AS tenant_id, business_id::text AS business_id,
             event_type, event_name, user_id::text AS user_id, customer_id::text AS customer_id,
             job_id::text AS job_id, properties::text AS properties, session_id
      FROM business_events
      WHERE time > ${lower} AND time <= ${upper}`.compile(deps.db);
    const base = total;
    const { rows } = await deps.store.insert(
      EVENTS_TARGET,
      (async function* () {
        let seen = 0;
        const source = readAsReader<Record<string, unknown>>(deps.pool, query, READ_BATCH);
        for await (const batch of readAhead(source)) {
          yield batch;
          seen += batch.length;
          onRows(base + seen);
        }
      })(),
    );
    total += rows;
    // Never move the watermark backwards (the first window starts inside the overlap).
    loadedUpTo = loadedUpTo && loadedUpTo > upper ? loadedUpTo : upper;
    await commit(loadedUpTo, rows);
    lower = upper;
    // Sparse history goes in few windows, dense days one at a time: each window costs a
    // transaction, an INSERT (a part) and a watermark update, and is what a crash redoes.
    days =
      rows < WINDOW_ROWS / 2
        ? Math.min(days * 2, MAX_WINDOW_DAYS)
        : rows > WINDOW_ROWS
          ? Math.max(1, Math.floor(days / 2))
          : days;
  }
  return { rows: total, loadedUpTo };
}

/** Just before the oldest event at or before `to` (the start of a first load), or null. */
async function oldestEventBefore(db: Db, to: Date): Promise<Date | null> {
  const result = await withReader(db, (trx) =>
    sql<{ oldest: Date | null }>`
      SELECT min(time) AS oldest FROM business_events WHERE time <= ${to}`.execute(trx),
  );
  const oldest = result.rows[0]?.oldest;
  // Date has millisecond precision: one millisecond earlier is strictly before the oldest row.
  return oldest ? new Date(oldest.getTime() - 1) : null;
}

function startOfNextUtcDay(instant: Date): Date {
  return new Date(Math.floor(instant.getTime() / DAY_MS) * DAY_MS + DAY_MS);
}
