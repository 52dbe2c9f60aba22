import { sql } from "kysely";
import type pg from "pg";
import type { AnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import type { Db } from "../../schema/postgres.ts";
import type { AggregateTarget } from "./aggregate-targets.ts";
import { readAsReader } from "./reader-stream.ts";

/** Keys (tenant, day) recomputed and written per batch; bounds memory and the lookup size. */
const KEY_BATCH = 2_000;
const READ_BATCH = 5_000;

type Row = Record<string, string | number> & { tenant_id: string; day: string };

export type AggregateWindow = {
  /** Read changes after this instant; null = first load, everything. */
  from: Date | null;
  /** ... and up to this one. */
  to: Date;
  /** Written to every row; higher than any earlier load's, so these rows win. */
  version: string;
};

/**
 * Recomputes one daily aggregate for every (tenant, day) touched since `window.from`:
 * 1. finds the affected keys in Postgres (rows created/updated in the window, plus the old and
 *    new images in audit_logs, which also catch moves and deletes),
 * 2. recomputes the *whole* aggregate of those keys there (GROUP BY, streamed by cursor),
 * 3. writes it with a new version; dimension values a key no longer has (a job type that moved
 *    away) are written as zero rows so FINAL never shows a stale figure.
 * Idempotent: a re-run (or a run after an interruption) recomputes the same keys from the source
 * and replaces whatever was written before. Returns the number of rows written.
 */
export async function loadAggregate(
  deps: { db: Db; pool: pg.Pool; store: AnalyticsStore },
  target: AggregateTarget,
  window: AggregateWindow,
  onRows: (rows: number) => void,
): Promise<number> {
  const query = recomputeQuery(deps.db, target, window);
  const stream = readAsReader<Row>(deps.pool, query, READ_BATCH);
  const { rows } = await deps.store.insert(
    target.table,
    batches(stream, deps.store, target, window.version, onRows),
  );
  return rows;
}

/** Cuts the (tenant, day)-ordered stream into batches of whole keys, each with its zero rows. */
async function* batches(
  stream: AsyncIterable<Row[]>,
  store: AnalyticsStore,
  target: AggregateTarget,
  version: string,
  onRows: (rows: number) => void,
): AsyncGenerator<Record<string, unknown>[]> {
  let keys = new Map<string, { tenant_id: string; day: string }>();
  let rows: Record<string, unknown>[] = [];
  let written = 0;
  const flush = async () => {
    const batch = [...rows, ...(await zeroRows(store, target, keys, rows, version))];
    keys = new Map();
    rows = [];
    written += batch.length;
    return batch;
  };
  for await (const page of stream) {
    for (const row of page) {
      const key = `${row.tenant_id}|${row.day}`;
      if (keys.size >= KEY_BATCH && !keys.has(key)) {
        const batch = await flush();
        yield batch;
        onRows(written);
      }
      keys.set(key, { tenant_id: row.tenant_id, day: row.day });
      // A key whose day has no counting rows arrives once, as a zero marker from the LEFT JOIN.
      if (Number(row[target.countColumn]) > 0) {
        rows.push({ ...row, version });
      }
    }
  }
  if (keys.size > 0) {
    const batch = await flush();
    yield batch;
    onRows(written);
  }
}

/**
 * Rows already in ClickHouse for these keys whose dimensions the recomputation no longer
 * produced: written again with zero measures (and the new version) so they stop counting.
 */
async function zeroRows(
  store: AnalyticsStore,
  target: AggregateTarget,
  keys: Map<string, { tenant_id: string; day: string }>,
  fresh: Record<string, unknown>[],
  version: string,
): Promise<Record<string, unknown>[]> {
  if (keys.size === 0) {
    return [];
  }
  const dims = target.dims.map((d) => d.column);
  const identity = (row: Record<string, unknown>) =>
    [row.tenant_id, row.day, ...dims.map((d) => row[d])].join("|");
  const current = new Set(fresh.map(identity));
  const dimParams = Object.fromEntries(dims.map((d, i) => [`dim${i}`, d]));
  const dimSelect = dims.map((_d, i) => `, {dim${i}:Identifier} AS dim${i}`).join("");
  const list = [...keys.values()];
  const existing = await store.query<Record<string, string>>(
    `SELECT toString(tenant_id) AS tenant_id, toString(day) AS day${dimSelect},
            toString({count:Identifier}) AS n
     FROM {table:Identifier} FINAL
     WHERE (tenant_id, day) IN (SELECT arrayJoin(arrayZip({tenants:Array(UUID)}, {days:Array(Date)})))`,
    {
      ...dimParams,
      count: target.countColumn,
      table: target.table,
      tenants: list.map((k) => k.tenant_id),
      days: list.map((k) => k.day),
    },
  );
  const zeros: Record<string, unknown>[] = [];
  for (const row of existing) {
    if (row.n === "0") {
      continue;
    }
    const out: Record<string, unknown> = { tenant_id: row.tenant_id, day: row.day };
    dims.forEach((d, i) => {
      out[d] = row[`dim${i}`];
    });
    if (current.has(identity(out))) {
      continue;
    }
    for (const m of target.measures) {
      out[m.column] = m.zero;
    }
    out.version = version;
    zeros.push(out);
  }
  return zeros;
}

function recomputeQuery(db: Db, target: AggregateTarget, window: AggregateWindow) {
  const source = sql.table(target.source);
  const day = sql.raw(target.day);
  const stamp = sql`GREATEST(r.created_at, r.updated_at)`;
  // First load: every key. Later loads: keys of rows changed in the window, and of the row
  // images the audit trigger recorded in it (old images catch moves and deletes; new images
  // catch updates that did not bump updated_at).
  const changed =
    window.from === null
      ? sql`SELECT r.tenant_id, ${day} AS day FROM ${source} r`
      : sql`SELECT r.tenant_id, ${day} AS day FROM ${source} r
            WHERE ${stamp} > ${window.from} AND ${stamp} <= ${window.to}
            UNION ALL
            SELECT r.tenant_id, ${day} AS day
            FROM audit_logs a
            CROSS JOIN LATERAL (VALUES (a.old_values), (a.new_values)) AS image(doc)
            CROSS JOIN LATERAL jsonb_populate_record(NULL::${source}, image.doc) AS r
            WHERE a.table_name = ${target.source} AND image.doc IS NOT NULL
              AND a.created_at > ${window.from} AND a.created_at <= ${window.to}`;
  const columns = [
    ...target.dims.map((d) => sql`${sql.raw(d.expr)} AS ${sql.id(d.column)}`),
    ...target.measures.map((m) => sql`${sql.raw(m.expr)} AS ${sql.id(m.column)}`),
  ];
  const groupBy = target.dims.map((_d, i) => sql.raw(String(i + 3)));
  return sql`
    WITH changed AS (${changed}),
    keys AS (SELECT DISTINCT tenant_id, day FROM changed WHERE day IS NOT NULL)
    SELECT k.tenant_id::text AS tenant_id, k.day::text AS day, ${sql.join(columns)}
    FROM keys k
    LEFT JOIN ${source} r
      ON r.tenant_id = k.tenant_id AND ${sql.raw(target.dayJoin)} AND ${sql.raw(target.counts)}
    GROUP BY ${sql.join([sql.raw("1"), sql.raw("2"), ...groupBy])}
    ORDER BY 1, 2`.compile(db);
}
