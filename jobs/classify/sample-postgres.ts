import { createHash } from "node:crypto";
import { type RawBuilder, sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";
import { withReader } from "../../schema/tenant.ts";
import type { ColumnDef, TableDef } from "./catalog-types.ts";

/** Bounds of one table's sample: rows read, and values kept per column. */
export type SampleLimits = {
  /** Rows one table's sample query returns at most. */
  rows: number;
  /** Longest text kept per value (characters); longer values are cut. */
  textChars: number;
  /** Array elements kept per value. */
  arrayItems: number;
  /** JSON values larger than this (bytes) are not read. */
  jsonBytes: number;
};

export const DEFAULT_SAMPLE_LIMITS: SampleLimits = {
  rows: 500,
  textChars: 2048,
  arrayItems: 20,
  jsonBytes: 16_384,
};

/** A table this small is read whole (still through the per-tenant interleave and LIMIT). */
const FULL_READ_ROWS = 20_000;
/** TABLESAMPLE asks for this many times the rows it needs: pages are uneven and tenants unequal. */
const OVERSAMPLE = 4;
const ROWS_PER_PAGE_GUESS = 50;

export type TableSample = {
  /** Rows the sample query returned (≤ limits.rows). */
  rowsRead: number;
  method: "full" | "tablesample" | "limit" | "skipped";
  /** TABLESAMPLE SYSTEM percentage when used. */
  percent?: number;
  /** Distinct tenants among the sampled rows (tables with tenant_id). */
  tenants?: number;
  skippedReason?: string;
  /** Per column, in the table's column order: every sampled value, null included. */
  values: Map<string, unknown[]>;
};

/** The sample query of one table, and how it was chosen; `run` executes it on a connection. */
export type SamplePlan = {
  method: TableSample["method"];
  percent?: number;
  query: (percent?: number) => RawBuilder<Record<string, unknown>>;
};

/**
 * Plans one query that reads a bounded sample of all of a table's columns at once, without
 * scanning a large table: TABLESAMPLE SYSTEM at a percentage derived from the row estimate (or
 * the size on disk, REPEATABLE with a per-table seed), then rows interleaved across tenants
 * (each tenant's 1st row, then each one's 2nd, ... in the order of a keyed hash of the primary
 * key) so a big tenant cannot crowd the others out, then LIMIT: the same data, the same sample. Small tables are
 * read whole through the same interleave; views with a plain LIMIT. Values are bounded in SQL
 * (text cut, arrays sliced, big JSON skipped) and come back as JSON values.
 */
export function planPostgresSample(
  table: TableDef,
  limits: SampleLimits = DEFAULT_SAMPLE_LIMITS,
): SamplePlan {
  const relation = sql.id(table.schema, table.name);
  const hasTenant = table.columns.some((c) => c.name === "tenant_id");
  const outer = sql.join(
    table.columns.map((c, i) => sql`${boundedValue(c, limits)} AS ${sql.id(`v${i}`)}`),
  );
  const inner = sql.join([
    ...(hasTenant ? [sql`s0.tenant_id AS ${sql.id("__tenant")}`] : []),
    ...table.columns.map((c) => sql`s0.${sql.id(c.name)}`),
  ]);
  const isRelation = ["table", "partitioned_table", "materialized_view"].includes(table.kind);
  // Reproducible: rows are ranked by a keyed hash of their primary key (the whole row without
  // one), never by random(), so the same data yields the same sample and the same proposals.
  const seed = tableSeed(table);
  const pk = table.constraints
    .find((c) => c.type === "primary_key")
    ?.columns.filter((name) => table.columns.some((c) => c.name === name));
  const key =
    pk && pk.length > 0
      ? sql`ROW(${sql.join(pk.map((name) => sql`s0.${sql.id(name)}`))})::text`
      : sql`s0::text`;
  const rank = sql`hashtextextended(${key}, ${sql.lit(seed)}), ${key}`;
  const interleave = hasTenant
    ? sql`ORDER BY row_number() OVER (PARTITION BY s0.tenant_id ORDER BY ${rank}), ${rank}`
    : sql`ORDER BY ${rank}`;
  const build = (from: RawBuilder<unknown>, order: RawBuilder<unknown> | null) =>
    sql<Record<string, unknown>>`
      SELECT ${hasTenant ? sql`s.${sql.id("__tenant")}, ` : sql``}${outer}
      FROM (SELECT ${inner} FROM ${from} ${order ?? sql``} LIMIT ${sql.lit(limits.rows)}) s`;

  if (!isRelation) {
    return { method: "limit", query: () => build(sql`${relation} s0`, null) };
  }
  // A partitioned table is read through its largest leaves, each named directly.
  const parts = enoughPartitions(table.samplePartitions, OVERSAMPLE * limits.rows);
  const sources =
    parts && parts.length > 0
      ? parts.map((p) => ({ relation: sql.id(p.schema, p.name), rows: p.rows }))
      : [{ relation, rows: estimateRows(table) }];
  const known = sources.every((s) => s.rows !== null);
  const total = sources.reduce((sum, s) => sum + (s.rows ?? 0), 0);
  const names = sql.join(table.columns.map((c) => sql.id(c.name)));
  const from = (percent?: number) => {
    if (parts && parts.length > 0) {
      const union = sql.join(
        sources.map(
          (s) =>
            sql`SELECT ${names} FROM ${s.relation}${percent === undefined ? sql`` : sql` TABLESAMPLE SYSTEM (${sql.lit(percent)}) REPEATABLE (${sql.lit(seed)})`}`,
        ),
        sql` UNION ALL `,
      );
      return sql`(${union}) s0`;
    }
    return percent === undefined
      ? sql`${relation} s0`
      : sql`${relation} s0 TABLESAMPLE SYSTEM (${sql.lit(percent)}) REPEATABLE (${sql.lit(seed)})`;
  };
  if (known && total <= FULL_READ_ROWS) {
    return { method: "full", query: () => build(from(), interleave) };
  }
  const percent = samplePercent(known ? total : null, limits.rows);
  return {
    method: "tablesample",
    percent,
    query: (p = percent) => build(from(p), interleave),
  };
}

/** A fixed seed per table: its pages and rows are chosen alike on every scan. */
export function tableSeed(table: Pick<TableDef, "schema" | "name">): number {
  return createHash("sha256").update(`${table.schema}.${table.name}`).digest().readInt32BE(0);
}

/** The largest partitions (they come sorted by size) until they hold `rows` rows between them. */
function enoughPartitions(
  partitions: TableDef["samplePartitions"],
  rows: number,
): TableDef["samplePartitions"] {
  if (!partitions) {
    return undefined;
  }
  let sum = 0;
  const picked = [];
  for (const p of partitions) {
    picked.push(p);
    sum += p.rows;
    if (sum >= rows) {
      break;
    }
  }
  return picked;
}

function estimateRows(table: TableDef): number | null {
  return (
    table.rowEstimate ??
    (table.bytes === null ? null : Math.ceil(table.bytes / 8192) * ROWS_PER_PAGE_GUESS)
  );
}

/** The SYSTEM percentage that should yield OVERSAMPLE × rows; unknown size: a small slice. */
function samplePercent(estimate: number | null, rows: number): number {
  if (estimate === null || estimate <= 0) {
    return 1;
  }
  const percent = (100 * OVERSAMPLE * rows) / estimate;
  return Math.min(100, Math.max(0.001, Number(percent.toPrecision(3))));
}

/** The SQL expression that reads one column's value bounded, as a JSON value. */
function boundedValue(column: ColumnDef, limits: SampleLimits): RawBuilder<unknown> {
  const ref = sql`s.${sql.id(column.name)}`;
  switch (column.sampleKind) {
    case "json":
      return sql`CASE WHEN pg_column_size(${ref}) <= ${sql.lit(limits.jsonBytes)} THEN to_jsonb(${ref}) END`;
    case "text":
      return sql`to_jsonb(left(${ref}::text, ${sql.lit(limits.textChars)}))`;
    case "bytea":
      return sql`to_jsonb('\\x' || encode(substring(${ref} FROM 1 FOR ${sql.lit(Math.floor(limits.textChars / 16))}), 'hex'))`;
    case "array":
      return sql`to_jsonb((${ref})[1:${sql.lit(limits.arrayItems)}])`;
    default:
      return sql`to_jsonb(${ref})`;
  }
}

/**
 * Reads one table's sample as govern_reader (every tenant's rows, read-only). A TABLESAMPLE
 * that returned too few rows (uneven pages, a stale estimate) is retried once at ten times the
 * percentage. Tables the reader may not select are skipped, not read as the owner.
 */
export async function samplePostgresTable(
  db: Db,
  table: TableDef,
  limits: SampleLimits = DEFAULT_SAMPLE_LIMITS,
): Promise<TableSample> {
  const values = new Map<string, unknown[]>(table.columns.map((c) => [c.name, []]));
  if (!table.readable) {
    return {
      rowsRead: 0,
      method: "skipped",
      skippedReason: "govern_reader may not select from it",
      values,
    };
  }
  if (table.columns.length === 0) {
    return { rowsRead: 0, method: "skipped", skippedReason: "no columns", values };
  }
  const plan = planPostgresSample(table, limits);
  let percent = plan.percent;
  let rows = await readAsReader(db, plan.query(percent));
  if (plan.method === "tablesample" && percent !== undefined && percent < 100) {
    if (rows.length < limits.rows / 2) {
      percent = Math.min(100, percent * 10);
      rows = await readAsReader(db, plan.query(percent));
    }
  }
  const tenants = new Set<unknown>();
  for (const row of rows) {
    if ("__tenant" in row) {
      tenants.add(row.__tenant);
    }
    table.columns.forEach((c, i) => {
      values.get(c.name)?.push(row[`v${i}`] ?? null);
    });
  }
  return {
    rowsRead: rows.length,
    method: plan.method,
    percent,
    tenants: table.columns.some((c) => c.name === "tenant_id") ? tenants.size : undefined,
    values,
  };
}

async function readAsReader(
  db: Db,
  query: RawBuilder<Record<string, unknown>>,
): Promise<Record<string, unknown>[]> {
  return withReader(db, async (trx) => {
    await sql`SET LOCAL statement_timeout = '60s'`.execute(trx);
    // A view's LIMIT reads from the start: a synchronized scan could start mid-table instead.
    await sql`SET LOCAL synchronize_seqscans = off`.execute(trx);
    return (await query.execute(trx)).rows;
  });
}
