import type { AnalyticsTable } from "../../schema/analytics/ddl.ts";

/**
 * The daily aggregates the ETL maintains, one definition per analytics table. SQL fragments are
 * code constants over the source row `r` and the key `k` (tenant_id, day); days are UTC.
 *
 * A source row can move between days (paid_at corrected), leave an aggregate (status no longer
 * completed), or disappear (deleted): the affected days are found from the rows changed since
 * the watermark *and* from the platform's audit trail (old and new row images), so the day it
 * left is recomputed as well as the day it joined.
 */
export type AggregateTarget = {
  table: AnalyticsTable;
  /** Operational table the aggregate is computed from (has tenant_id, created_at, updated_at). */
  source: "payments" | "jobs" | "customers";
  /** The UTC day a source row `r` counts toward; NULL when it counts toward none. */
  day: string;
  /** Joins key `k` to the source rows of its day (written so an index can serve it). */
  dayJoin: string;
  /** Which source rows count. */
  counts: string;
  /** Dimension columns (besides tenant_id, day): ClickHouse column name → SQL over `r`. */
  dims: { column: string; expr: string }[];
  /** Measures: ClickHouse column name → aggregate SQL over `r`, and its value for no rows. */
  measures: { column: string; expr: string; zero: string | number }[];
  /** The measure that is 0 exactly when a (tenant, day, dims) has no rows. */
  countColumn: string;
};

const PAYMENT_DAY = "(r.paid_at AT TIME ZONE 'UTC')::date";
const PAYMENT_DAY_JOIN =
  "r.paid_at >= (k.day::timestamp AT TIME ZONE 'UTC') AND r.paid_at < ((k.day + 1)::timestamp AT TIME ZONE 'UTC')";
// A completed job's day is when it ended; without actual_end, when it was last touched.
const JOB_DAY = "(coalesce(r.actual_end, r.updated_at, r.created_at) AT TIME ZONE 'UTC')::date";
const CUSTOMER_DAY = "coalesce(r.customer_since, (r.created_at AT TIME ZONE 'UTC')::date)";

export const AGGREGATE_TARGETS: AggregateTarget[] = [
  {
    table: "revenue_daily",
    source: "payments",
    day: PAYMENT_DAY,
    dayJoin: PAYMENT_DAY_JOIN,
    counts: "r.status = 'completed'",
    dims: [],
    measures: [
      { column: "revenue", expr: "coalesce(sum(r.amount), 0)::text", zero: "0" },
      { column: "payments", expr: "count(r.tenant_id)::int", zero: 0 },
    ],
    countColumn: "payments",
  },
  {
    table: "payment_mix_daily",
    source: "payments",
    day: PAYMENT_DAY,
    dayJoin: PAYMENT_DAY_JOIN,
    counts: "r.status = 'completed'",
    dims: [{ column: "payment_method", expr: "coalesce(nullif(r.payment_method, ''), 'unknown')" }],
    measures: [
      { column: "payments", expr: "count(r.tenant_id)::int", zero: 0 },
      { column: "amount", expr: "coalesce(sum(r.amount), 0)::text", zero: "0" },
    ],
    countColumn: "payments",
  },
  {
    table: "jobs_completed_daily",
    source: "jobs",
    day: JOB_DAY,
    dayJoin: `${JOB_DAY} = k.day`,
    counts: "r.status = 'completed'",
    dims: [{ column: "job_type", expr: "coalesce(nullif(r.job_type, ''), 'unspecified')" }],
    measures: [
      { column: "jobs", expr: "count(r.tenant_id)::int", zero: 0 },
      // What the job brought in: the final amount, else the quote.
      {
        column: "value",
        expr: "coalesce(sum(coalesce(r.final_amount, r.quoted_amount)), 0)::text",
        zero: "0",
      },
    ],
    countColumn: "jobs",
  },
  {
    table: "customer_acquisition_daily",
    source: "customers",
    day: CUSTOMER_DAY,
    dayJoin: `${CUSTOMER_DAY} = k.day`,
    counts: "true",
    dims: [
      { column: "source", expr: "coalesce(nullif(r.source, ''), 'unknown')" },
      { column: "customer_type", expr: "coalesce(nullif(r.customer_type, ''), 'unknown')" },
    ],
    measures: [{ column: "customers", expr: "count(r.tenant_id)::int", zero: 0 }],
    countColumn: "customers",
  },
];
