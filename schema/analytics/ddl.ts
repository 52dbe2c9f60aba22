import type { AnalyticsStore } from "./analytics-store.ts";

/**
 * ClickHouse DDL for the analytics store, as versioned migrations that `migrateAnalytics` applies
 * once each, in order. Like the Postgres migrations they are frozen: a change is a new entry.
 * Every statement is idempotent (`IF NOT EXISTS`), so a migration interrupted half-way simply
 * runs again.
 *
 * The daily aggregates are ReplacingMergeTree(version) keyed by what the ETL recomputes: a re-run
 * inserts the same keys with a higher version and replaces rather than duplicates. Read them with
 * FINAL (or argMax(x, version)). Days are UTC calendar days.
 */

/** Every table `AnalyticsStore.insert` accepts (unqualified). */
export const ANALYTICS_TABLES = [
  "revenue_daily",
  "jobs_completed_daily",
  "customer_acquisition_daily",
  "payment_mix_daily",
  "business_events_cold",
] as const;

export type AnalyticsTable = (typeof ANALYTICS_TABLES)[number];

export type AnalyticsMigration = { version: string; statements: string[] };

export const ANALYTICS_MIGRATIONS: AnalyticsMigration[] = [
  {
    version: "2026-11-25-01-daily-aggregates",
    statements: [
      /* sql */ `
      CREATE TABLE IF NOT EXISTS revenue_daily (
        tenant_id UUID,
        day Date,
        revenue Decimal(18, 2),
        payments UInt32,
        version UInt64
      ) ENGINE = ReplacingMergeTree(version)
      PARTITION BY toYear(day)
      ORDER BY (tenant_id, day)`,
      /* sql */ `
      CREATE TABLE IF NOT EXISTS jobs_completed_daily (
        tenant_id UUID,
        day Date,
        job_type LowCardinality(String),
        jobs UInt32,
        value Decimal(18, 2),
        version UInt64
      ) ENGINE = ReplacingMergeTree(version)
      PARTITION BY toYear(day)
      ORDER BY (tenant_id, day, job_type)`,
      /* sql */ `
      CREATE TABLE IF NOT EXISTS customer_acquisition_daily (
        tenant_id UUID,
        day Date,
        source LowCardinality(String),
        customer_type LowCardinality(String),
        customers UInt32,
        version UInt64
      ) ENGINE = ReplacingMergeTree(version)
      PARTITION BY toYear(day)
      ORDER BY (tenant_id, day, source, customer_type)`,
      /* sql */ `
      CREATE TABLE IF NOT EXISTS payment_mix_daily (
        tenant_id UUID,
        day Date,
        payment_method LowCardinality(String),
        payments UInt32,
        amount Decimal(18, 2),
        version UInt64
      ) ENGINE = ReplacingMergeTree(version)
      PARTITION BY toYear(day)
      ORDER BY (tenant_id, day, payment_method)`,
    ],
  },
  {
    version: "2026-11-25-02-business-events-cold",
    statements: [
      // The cold tier of business_events. event_key hashes the whole row (its text form, so NULL
      // and '' differ), computed by ClickHouse on insert: loading an overlapping window again
      // produces the same keys and collapses. properties is the jsonb text, which Postgres
      // prints canonically, so the same event always hashes the same.
      /* sql */ `
      CREATE TABLE IF NOT EXISTS business_events_cold (
        time DateTime64(6, 'UTC'),
        tenant_id UUID,
        business_id UUID,
        event_type LowCardinality(String),
        event_name Nullable(String),
        user_id Nullable(UUID),
        customer_id Nullable(UUID),
        job_id Nullable(UUID),
        properties Nullable(String),
        session_id Nullable(String),
        event_key UInt64 DEFAULT cityHash64(toString(tuple(
          tenant_id, time, business_id, event_type, event_name,
          user_id, customer_id, job_id, properties, session_id))),
        loaded_at DateTime('UTC') DEFAULT now()
      ) ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(time)
      ORDER BY (tenant_id, time, event_key)`,
    ],
  },
];

const LEDGER = /* sql */ `
CREATE TABLE IF NOT EXISTS analytics_migrations (
  version String,
  applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree
ORDER BY version`;

/**
 * Applies the analytics migrations not yet recorded in `analytics_migrations`, in order, and
 * returns their versions. Safe to call on every start and from several processes at once.
 */
export async function migrateAnalytics(store: AnalyticsStore): Promise<{ applied: string[] }> {
  await store.command(LEDGER);
  const done = new Set(
    (await store.query<{ version: string }>("SELECT version FROM analytics_migrations FINAL")).map(
      (row) => row.version,
    ),
  );
  const applied: string[] = [];
  for (const migration of ANALYTICS_MIGRATIONS) {
    if (done.has(migration.version)) {
      continue;
    }
    for (const statement of migration.statements) {
      await store.command(statement);
    }
    await store.command("INSERT INTO analytics_migrations (version) SELECT {version:String}", {
      version: migration.version,
    });
    applied.push(migration.version);
  }
  return { applied };
}
