import { sql } from "kysely";
import type { Config } from "../../schema/config.ts";
import type { Db } from "../../schema/postgres.ts";

/**
 * How big a requested dataset will be, before it is accepted, and whether the requester's role
 * may have one that big (config `datasetLimits`). Estimates come from the source's statistics
 * (planner row counts, or live tuple counts where a table was never analyzed) and sizes on disk;
 * a synthetic platform scales the source's rows and bytes per customer. A request over the limit
 * is refused (413, naming the limit and the estimate); an admin, whose limit is higher, may
 * request it. A run that outgrows its limit while being built is stopped and not retried.
 */

export type DatasetEstimate = {
  rows: number;
  bytes: number;
  /** How it was worked out, for the console and the CLI. */
  basis: string;
};

export type LimitCheck = {
  allowed: boolean;
  limit: { rows: number; bytes: number };
  estimate: DatasetEstimate;
};

type SourceStats = { rows: number; bytes: number; customers: number };

async function sourceStats(db: Db): Promise<SourceStats> {
  const r = await sql<{ rows: string; bytes: string; customers: string }>`
    SELECT coalesce(sum(greatest(c.reltuples::bigint, s.n_live_tup, 0)), 0)::text AS rows,
           -- Empty relations (a partitioned history's future partitions) hold no rows to
           -- scale: their few pages would only inflate the bytes per row.
           coalesce(sum(pg_total_relation_size(c.oid))
             FILTER (WHERE greatest(c.reltuples::bigint, s.n_live_tup, 0) > 0), 0)::text AS bytes,
           coalesce(max(CASE WHEN c.relname = 'customers'
                        THEN greatest(c.reltuples::bigint, s.n_live_tup, 0) END), 0)::text AS customers
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'm')`.execute(db);
  const row = r.rows[0];
  return {
    rows: Number(row?.rows ?? 0),
    bytes: Number(row?.bytes ?? 0),
    customers: Number(row?.customers ?? 0),
  };
}

/** A masked copy: the whole store, a share of customers, or some tenants' share of them. */
export async function estimateMasked(
  db: Db,
  request: { tenants?: string[] | null; percent?: number | null },
): Promise<DatasetEstimate> {
  const stats = await sourceStats(db);
  let share = 1;
  let basis = "whole store";
  if (request.percent != null) {
    share = request.percent / 100;
    basis = `${request.percent}% of customers`;
  } else if (request.tenants?.length) {
    const r = await sql<{ chosen: string; total: string }>`
      SELECT count(*) FILTER (WHERE tenant_id = ANY(${request.tenants}::uuid[]))::text AS chosen,
             count(*)::text AS total FROM customers`.execute(db);
    const total = Number(r.rows[0]?.total ?? 0);
    share = total > 0 ? Number(r.rows[0]?.chosen ?? 0) / total : 0;
    basis = `${request.tenants.length} tenant(s), ${Math.round(share * 1000) / 10}% of customers`;
  }
  return {
    rows: Math.ceil(stats.rows * share),
    bytes: Math.ceil(stats.bytes * share),
    basis: `${basis}, from the source's statistics`,
  };
}

/** Rows and bytes per generated customer when the source has none to learn from. */
const FALLBACK = { rowsPerCustomer: 20, bytesPerRow: 400 };

/** A synthetic platform of `tenants` × `customersPerTenant` customers. */
export async function estimateSynthetic(
  db: Db,
  request: { tenants: number; customersPerTenant: number },
): Promise<DatasetEstimate> {
  const stats = await sourceStats(db);
  const rowsPerCustomer =
    stats.customers > 0 ? stats.rows / stats.customers : FALLBACK.rowsPerCustomer;
  const bytesPerRow = stats.rows > 0 ? stats.bytes / stats.rows : FALLBACK.bytesPerRow;
  const customers = request.tenants * request.customersPerTenant;
  const rows = Math.ceil(customers * rowsPerCustomer);
  return {
    rows,
    bytes: Math.ceil(rows * bytesPerRow),
    basis: `${customers} customers × ${Math.round(rowsPerCustomer * 10) / 10} rows each (the source's ratio)`,
  };
}

/** The limit of a role: its own, else the engineer's. */
export function limitFor(config: Config, role: string): { rows: number; bytes: number } {
  const { rows, bytes } = config.datasetLimits;
  return {
    rows: rows[role] ?? rows.engineer ?? 0,
    bytes: bytes[role] ?? bytes.engineer ?? 0,
  };
}

export function checkLimit(config: Config, role: string, estimate: DatasetEstimate): LimitCheck {
  const limit = limitFor(config, role);
  return {
    allowed: estimate.rows <= limit.rows && estimate.bytes <= limit.bytes,
    limit,
    estimate,
  };
}

/** "estimated 1,200,000 rows / 800 MB, the engineer limit is 500,000 rows / 2 GB". */
export function describeLimit(role: string, check: LimitCheck): string {
  const mb = (b: number) => `${Math.round(b / 1_048_576).toLocaleString("en-US")} MB`;
  const n = (x: number) => x.toLocaleString("en-US");
  return `estimated ${n(check.estimate.rows)} rows / ${mb(check.estimate.bytes)}; the ${role} limit is ${n(check.limit.rows)} rows / ${mb(check.limit.bytes)}`;
}
