/**
 * `npm run bench -- tiering [rows]` (default 1,000,000).
 *
 * Moves one business_events partition of `rows` rows hot → cold with the tiering mover (detach,
 * COPY into ClickHouse marked with the move id, count + order-independent checksum on both
 * sides, drop, move ledgered) against the baseline: a plain `COPY … TO STDOUT` of the same rows
 * piped into a ClickHouse INSERT of a table of the same shape, with no verification, in the same
 * run on the same rows (baseline first: it leaves them in place). Prints rows/s of each and, as
 * the last line, the ratio (mover rows/s over baseline rows/s).
 */
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { copyToCold } from "../jobs/tiering/copy.ts";
import { movePartitionToCold } from "../jobs/tiering/mover.ts";
import { currentTieringPolicies } from "../jobs/tiering/policies.ts";
import { coldTable, ensureColdTable } from "../jobs/tiering/stores.ts";
import { tableInfo } from "../jobs/tiering/tables.ts";
import { createAnalyticsStore } from "../schema/analytics/analytics-store.ts";
import { loadConfig, withDatabase } from "../schema/config.ts";
import { migrateToLatest } from "../schema/migrate.ts";
import { createOwnerDb } from "../schema/postgres.ts";

export async function main(args: string[]): Promise<void> {
  const rows = Number(args[0] ?? 1_000_000);
  if (!Number.isInteger(rows) || rows < 1000) {
    console.error("usage: npm run bench -- tiering [rows >= 1000]");
    process.exit(2);
  }
  const base = loadConfig();
  const id = randomBytes(3).toString("hex");
  const name = `govern_bench_tiering_${id}`;
  const dataDir = join(tmpdir(), `govern-bench-tiering-ch-${id}`);
  const config = {
    ...withDatabase(base, name),
    archiveDir: join(tmpdir(), `govern-bench-tiering-archive-${id}`),
    clickhouse: { ...base.clickhouse, url: undefined, dataDir, database: "bench_tiering" },
  };
  const admin = createOwnerDb(withDatabase(base, "postgres"), { max: 1 });
  await sql`CREATE DATABASE ${sql.id(name)}`.execute(admin.db);
  const { db, pool } = createOwnerDb(config, { max: 6 });
  const analytics = await createAnalyticsStore(config);
  try {
    await migrateToLatest(db, config);
    const day = new Date("2020-03-01T00:00:00Z");
    await sql`SELECT governance.ensure_time_partitions('business_events'::regclass, 'day', ${day}, ${new Date(day.getTime() + 1000)})`.execute(
      db,
    );
    console.log(`tiering: loading ${rows} business_events rows into one day partition`);
    await sql`
      INSERT INTO business_events (time, tenant_id, business_id, event_type, event_name, user_id,
                                   customer_id, job_id, properties, session_id)
      SELECT ${day}::timestamptz + (g % 86400000) * interval '1 millisecond',
             ('00000000-0000-4000-8000-' || lpad(to_hex(g % 50), 12, '0'))::uuid,
             ('00000000-0000-4000-9000-' || lpad(to_hex(g % 50), 12, '0'))::uuid,
             (ARRAY['job_created','invoice_sent','payment_received','page_view'])[1 + g % 4],
             CASE WHEN g % 3 = 0 THEN NULL ELSE 'event ' || (g % 1000) END,
             NULL, gen_random_uuid(), NULL,
             jsonb_build_object('n', g, 'source', 'bench', 'amount', (g % 977) * 1.5),
             'sess-' || (g % 20000)
      FROM generate_series(1, ${rows}) g`.execute(db);
    await sql`VACUUM ANALYZE business_events`.execute(db);
    const info = await tableInfo(db, "business_events");
    const policy = (await currentTieringPolicies(db)).find(
      (e) => e.policy.table === "business_events",
    )?.policy;
    if (!info || !policy) {
      throw new Error("business_events or its policy is missing");
    }
    const partition = "business_events_p20200301";
    // Baseline: the same COPY text into a cold-shaped ClickHouse table, nothing else.
    const baselineInfo = { ...info, table: "bench_baseline" };
    await ensureColdTable(analytics, baselineInfo);
    await ensureColdTable(analytics, info);
    const b0 = performance.now();
    await copyToCold(pool, analytics, {
      info: baselineInfo,
      relation: `public.${partition}`,
      where: "true",
      dateColumn: policy.date_column,
      moveId: "baseline",
    });
    const baselineMs = performance.now() - b0;
    const m0 = performance.now();
    const outcome = await movePartitionToCold(
      { db, pool, config, analytics, requestedBy: "bench" },
      info,
      policy,
      partition,
      "hot",
    );
    const moverMs = performance.now() - m0;
    if (outcome.status !== "done" || outcome.rows !== rows) {
      throw new Error(`the move did not complete: ${JSON.stringify(outcome)}`);
    }
    const cold = await analytics.query<{ n: string }>(
      "SELECT toString(count()) AS n FROM {t:Identifier}",
      { t: coldTable("business_events") },
    );
    const baselineRate = rows / (baselineMs / 1000);
    const moverRate = rows / (moverMs / 1000);
    console.log(
      `baseline COPY → ClickHouse INSERT: ${(baselineMs / 1000).toFixed(2)} s, ${Math.round(baselineRate)} rows/s`,
    );
    console.log(
      `tiering move (detach, copy, verify, drop): ${(moverMs / 1000).toFixed(2)} s, ${Math.round(moverRate)} rows/s; cold holds ${cold[0]?.n} rows`,
    );
    console.log(
      `tiering: ratio ${(moverRate / baselineRate).toFixed(2)} (verified move over plain COPY→INSERT), ${Math.round(moverRate)} rows/s`,
    );
  } finally {
    await analytics.close();
    await db.destroy();
    await sql`DROP DATABASE IF EXISTS ${sql.id(name)} WITH (FORCE)`.execute(admin.db);
    await admin.db.destroy();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(config.archiveDir, { recursive: true, force: true });
  }
}
