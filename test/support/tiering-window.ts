import type pg from "pg";
import { saveTieringPolicy } from "../../jobs/tiering/policies.ts";
import { partitionsOf } from "../../jobs/tiering/tables.ts";
import type { Db } from "../../schema/postgres.ts";

const DAY = 86_400_000;

/** Tier ages of the narrowed policies, in days (hot < warm < cold). */
export const NARROW = { hot: 5, warm: 10, cold: 20, ciWarm: 10 } as const;

/**
 * Narrows a seeded demo platform to a tiering run that still reaches every tier but moves a few
 * dozen daily partitions instead of four hundred, which is what made the tiering tests take
 * minutes: the shipped business_events policy sends every partition between 90 days and a year
 * old to cold (275 moves whatever `asOf` is), and the demo has 730 days of them.
 *
 * - business_events partitions that end more than `keepDays` before `runAsOf` are dropped with
 *   their rows, before the test takes its reference snapshot (smaller data, same kinds of rows).
 * - business_events and customer_interactions get a console-edited policy version (the
 *   product's own audited override of the files) with ages of days, so that a run as of
 *   `runAsOf` moves ~5 partitions to warm, ~30 to cold, at least a month of cold rows to the
 *   archive, and the interactions older than 10 days (of customers not active) to cold.
 */
export async function narrowTieringDemo(
  db: Db,
  pool: pg.Pool,
  runAsOf: Date,
  keepDays = 40,
): Promise<{ dropped: number }> {
  const keepFrom = runAsOf.getTime() - keepDays * DAY;
  let dropped = 0;
  for (const part of await partitionsOf(db, "business_events")) {
    if (part.to.getTime() <= keepFrom) {
      await pool.query(`DROP TABLE public.${part.name}`);
      dropped += 1;
    }
  }
  await saveTieringPolicy(db, {
    table: "business_events",
    actor: "tiering-test",
    body: `table: business_events
date_column: time
tiers:
  hot: ${NARROW.hot} days
  warm: ${NARROW.warm} days
  cold: ${NARROW.cold} days
  archive: 2 years
business_rules:
  retain_active_customers: false
  comply_with_regulations: []
  preserve_audit_trail: true
`,
  });
  await saveTieringPolicy(db, {
    table: "customer_interactions",
    actor: "tiering-test",
    body: `table: customer_interactions
date_column: created_at
tiers:
  hot: ${NARROW.hot} days
  warm: ${NARROW.ciWarm} days
  cold: 2 years
  archive: 7 years
business_rules:
  retain_active_customers: true
  active_customer_days: 90
  comply_with_regulations: [GDPR, CCPA]
  preserve_audit_trail: true
batch_rows: 100
`,
  });
  return { dropped };
}
