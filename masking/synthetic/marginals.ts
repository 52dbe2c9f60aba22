import { sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";
import { COUNT_CAP, isSafeLabel, type Marginal, MIN_CELL, OTHER } from "./profile.ts";

/**
 * The fitted columns the report compares, each one SQL query over the platform's tables that runs
 * unchanged on the real store (when fitting) and on the generated one (when reporting). Everything
 * is aggregated in Postgres: a handful of rows come back, never a table. The queries are constants
 * written here; no identifier from outside ever reaches them.
 */

type NumericDef = {
  column: string;
  kind: "numeric";
  /** Money is plotted on a log scale; counts per entity on integer bins. */
  scale: "money" | "count" | "linear";
  /** A query returning one float8 column `v`. */
  query: string;
};
type CategoricalDef = { column: string; kind: "categorical"; query: string };
export type MarginalDef = NumericDef | CategoricalDef;

const UTC = (column: string) => `(${column} AT TIME ZONE 'UTC')`;

export const MARGINAL_DEFS: readonly MarginalDef[] = [
  {
    column: "jobs.quoted_amount",
    kind: "numeric",
    scale: "money",
    query: "SELECT quoted_amount::float8 AS v FROM jobs WHERE quoted_amount > 0",
  },
  {
    column: "invoices.total_amount",
    kind: "numeric",
    scale: "money",
    query: "SELECT total_amount::float8 AS v FROM invoices WHERE total_amount > 0",
  },
  {
    column: "payments.amount",
    kind: "numeric",
    scale: "money",
    query: "SELECT amount::float8 AS v FROM payments WHERE amount > 0",
  },
  {
    column: "customers.jobs_per_customer",
    kind: "numeric",
    scale: "count",
    query: `SELECT (SELECT count(*) FROM jobs j WHERE j.tenant_id = c.tenant_id
              AND j.customer_id = c.id)::float8 AS v FROM customers c`,
  },
  {
    column: "customers.interactions_per_customer",
    kind: "numeric",
    scale: "count",
    query: `SELECT (SELECT count(*) FROM customer_interactions i WHERE i.tenant_id = c.tenant_id
              AND i.customer_id = c.id)::float8 AS v FROM customers c`,
  },
  {
    column: "customers.customer_type",
    kind: "categorical",
    query: "SELECT customer_type AS v FROM customers",
  },
  { column: "jobs.job_type", kind: "categorical", query: "SELECT job_type AS v FROM jobs" },
  { column: "jobs.status", kind: "categorical", query: "SELECT status AS v FROM jobs" },
  {
    column: "jobs.scheduled_month",
    kind: "categorical",
    query: `SELECT lower(to_char(${UTC("coalesce(scheduled_start, created_at)")}, 'Mon')) AS v
            FROM jobs`,
  },
  {
    column: "jobs.scheduled_weekday",
    kind: "categorical",
    query: `SELECT lower(trim(to_char(${UTC("coalesce(scheduled_start, created_at)")}, 'Day')))
              AS v FROM jobs`,
  },
  { column: "invoices.status", kind: "categorical", query: "SELECT status AS v FROM invoices" },
  {
    column: "payments.payment_method",
    kind: "categorical",
    query: "SELECT payment_method AS v FROM payments",
  },
  { column: "payments.status", kind: "categorical", query: "SELECT status AS v FROM payments" },
  {
    column: "customer_interactions.interaction_type",
    kind: "categorical",
    query: "SELECT interaction_type AS v FROM customer_interactions",
  },
];

const PERCENTILES = Array.from({ length: 99 }, (_, i) => (i + 1) / 100);
const PLOT_BINS = 24;
/** Labels kept per categorical column; an enum never has more, anything else is pooled. */
const MAX_LABELS = 200;

/** Fits one column's real distribution: percentile edges and binned counts, or label counts. */
export async function fitMarginal(db: Db, def: MarginalDef): Promise<Marginal> {
  if (def.kind === "categorical") {
    const counts = await labelCounts(db, def.query);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    return { kind: "categorical", total, counts: poolRareLabels(counts) };
  }
  const q = await sql<{ p: number[] | null; n: number }>`
    SELECT percentile_cont(${sql.val(PERCENTILES)}::float8[]) WITHIN GROUP (ORDER BY v) AS p,
           count(*)::int AS n
    FROM (${sql.raw(def.query)}) s`.execute(db);
  const row = q.rows[0];
  const percentiles = (row?.p ?? []).map(round2);
  const ksEdges = [...new Set(percentiles)].sort((a, b) => a - b);
  const plotEdges =
    def.scale === "count"
      ? countEdges(percentiles)
      : def.scale === "linear"
        ? linearEdges(percentiles)
        : logEdges(percentiles);
  const [ksCounts, plotCounts] = await Promise.all([
    bucketCounts(db, def.query, ksEdges),
    bucketCounts(db, def.query, plotEdges),
  ]);
  return {
    kind: "numeric",
    total: row?.n ?? 0,
    ksEdges,
    ksCounts,
    plotEdges,
    plotCounts,
    logScale: def.scale === "money",
  };
}

/** The same column measured on another database, binned exactly like the fitted marginal. */
export async function measureMarginal(
  db: Db,
  def: MarginalDef,
  fitted: Marginal,
): Promise<Marginal> {
  if (def.kind === "categorical" || fitted.kind === "categorical") {
    const counts = await labelCounts(db, def.query);
    const known = fitted.kind === "categorical" ? fitted.counts : {};
    const mapped: Record<string, number> = {};
    let total = 0;
    for (const [label, n] of Object.entries(counts)) {
      const key = label in known ? label : OTHER;
      mapped[key] = (mapped[key] ?? 0) + n;
      total += n;
    }
    return { kind: "categorical", total, counts: mapped };
  }
  const [ksCounts, plotCounts] = await Promise.all([
    bucketCounts(db, def.query, fitted.ksEdges),
    bucketCounts(db, def.query, fitted.plotEdges),
  ]);
  return {
    ...fitted,
    total: ksCounts.reduce((a, b) => a + b, 0),
    ksCounts,
    plotCounts,
  };
}

async function labelCounts(db: Db, query: string): Promise<Record<string, number>> {
  const rows = await sql<{ v: string | null; n: number }>`
    SELECT v, count(*)::int AS n FROM (${sql.raw(query)}) s
    GROUP BY v ORDER BY n DESC LIMIT ${MAX_LABELS}`.execute(db);
  const counts: Record<string, number> = {};
  for (const { v, n } of rows.rows) {
    const label = v === null ? "none" : v;
    counts[label] = (counts[label] ?? 0) + n;
  }
  return counts;
}

/**
 * Keeps a label only when it is enum-like and common enough (see profile.ts); the rest is
 * pooled under OTHER so that no rare, possibly identifying, value reaches the profile.
 */
export function poolRareLabels(counts: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [label, n] of Object.entries(counts)) {
    const key = n >= MIN_CELL && isSafeLabel(label) ? label : OTHER;
    out[key] = (out[key] ?? 0) + n;
  }
  return out;
}

/** Counts per bucket: [below edges[0], edges[0]..edges[1], ..., at or above the last edge]. */
async function bucketCounts(db: Db, query: string, edges: number[]): Promise<number[]> {
  const counts = new Array<number>(edges.length + 1).fill(0);
  if (edges.length === 0) {
    const n = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM (${sql.raw(query)}) s`.execute(db);
    counts[0] = n.rows[0]?.n ?? 0;
    return counts;
  }
  const rows = await sql<{ b: number; n: number }>`
    SELECT width_bucket(v, ${sql.val(edges)}::float8[]) AS b, count(*)::int AS n
    FROM (${sql.raw(query)}) s WHERE v IS NOT NULL GROUP BY 1`.execute(db);
  for (const { b, n } of rows.rows) {
    counts[b] = n;
  }
  return counts;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Log-spaced plot edges between the 1st and 99th percentile (money is skewed). */
function logEdges(percentiles: number[]): number[] {
  const lo = Math.max(0.01, percentiles[0] ?? 1);
  const hi = Math.max(lo * 1.01, percentiles[percentiles.length - 1] ?? lo * 10);
  const a = Math.log(lo);
  const b = Math.log(hi);
  return Array.from({ length: PLOT_BINS + 1 }, (_, i) =>
    round2(Math.exp(a + ((b - a) * i) / PLOT_BINS)),
  );
}

/** Equal-width plot edges between the 1st and 99th percentile (ages, times, scores). */
function linearEdges(percentiles: number[]): number[] {
  const lo = percentiles[0] ?? 0;
  const hi = Math.max(lo + 0.01, percentiles[percentiles.length - 1] ?? lo + 1);
  return [
    ...new Set(
      Array.from({ length: PLOT_BINS + 1 }, (_, i) => round2(lo + ((hi - lo) * i) / PLOT_BINS)),
    ),
  ];
}

/** Integer bins for counts per entity: 0, 1, 2 ... up to the 99th percentile (capped). */
function countEdges(percentiles: number[]): number[] {
  const top = Math.min(COUNT_CAP, Math.max(1, Math.ceil(percentiles[percentiles.length - 1] ?? 1)));
  return Array.from({ length: top + 1 }, (_, i) => i + 0.5);
}
