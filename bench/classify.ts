/**
 * `npm run bench -- classify [tenants] [customersPerTenant] [no-demo]` (default 4 × 5000).
 *
 * Measures a full catalog scan (introspect, sample, classify every column and JSON path, write
 * the catalog) against just reading the same samples: the same introspection and the same
 * sampling queries, results discarded. Both run in the same process on the same seeded
 * database, alternated (read, scan, read, re-scan) so caches and load affect both alike, and
 * with the same number of sampling queries in flight (the scan reads ahead). The
 * ratio is what classifying and cataloguing add on top of reading; 1.0 would mean they are free.
 * Unless `no-demo` is given (or the sizes already are the demo's), it also seeds the `npm start`
 * demo (3 × 2000) and times one scan of it.
 */
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { introspectClickhouse } from "../jobs/classify/introspect-clickhouse.ts";
import { introspectPostgres } from "../jobs/classify/introspect-postgres.ts";
import { DEFAULT_SAMPLE_LIMITS } from "../jobs/classify/sample-postgres.ts";
import { READ_AHEAD, runCatalogScan, sample } from "../jobs/classify/scan.ts";
import { seedDemoPlatform } from "../masking/demo-platform/index.ts";
import {
  type AnalyticsStore,
  createAnalyticsStore,
  migrateAnalytics,
} from "../schema/analytics/analytics-store.ts";
import { type Config, loadConfig, withDatabase } from "../schema/config.ts";
import { migrateToLatest } from "../schema/migrate.ts";
import { createOwnerDb, type Db } from "../schema/postgres.ts";

const DEMO = { tenants: 3, customersPerTenant: 2_000 };

export async function main(args: string[]): Promise<void> {
  const tenants = Number(args[0] ?? 4);
  const customersPerTenant = Number(args[1] ?? 5_000);
  const withDemo =
    !args.includes("no-demo") &&
    !(tenants === DEMO.tenants && customersPerTenant === DEMO.customersPerTenant);
  const config = loadConfig();
  const suffix = randomBytes(3).toString("hex");
  const dataDir = join(tmpdir(), `govern-bench-classify-${suffix}`);
  const created: string[] = [];
  const admin = createOwnerDb(withDatabase(config, "postgres"), { max: 1 });
  const analytics = await createAnalyticsStore({
    ...config,
    clickhouse: { ...config.clickhouse, dataDir, database: "govern_bench_classify" },
  });
  try {
    await migrateAnalytics(analytics);
    const name = `govern_bench_classify_${suffix}`;
    created.push(name);
    console.log(`classify: seeding ${tenants} tenants x ${customersPerTenant} customers`);
    const { db, rows } = await seeded(admin.db, config, name, { tenants, customersPerTenant });
    console.log(`classify: ${rows.toLocaleString("en-US")} rows seeded`);
    try {
      const reads: number[] = [];
      const scans: { ms: number; values: number; columns: number; paths: number }[] = [];
      await readSamples(db, analytics); // warm the catalog caches for both sides
      for (let round = 0; round < 2; round++) {
        reads.push(await readSamples(db, analytics));
        const started = Date.now();
        const report = await runCatalogScan({ db, analytics }, { triggeredBy: "bench" });
        scans.push({
          ms: Date.now() - started,
          values: report.valuesClassified,
          columns: report.columns,
          paths: report.paths,
        });
        console.log(
          `classify: round ${round + 1} (${round === 0 ? "first scan" : "re-scan"}): ` +
            `sample read ${reads[round]} ms, full scan ${scans[round]?.ms} ms ` +
            `(${report.tables} tables, ${report.columns} columns, ${report.paths} JSON paths, ` +
            `${report.valuesClassified.toLocaleString("en-US")} values, max ${report.maxRowsPerTable} rows/table; ` +
            `introspect ${report.timings.introspectMs}, waiting for samples ${report.timings.sampleMs}, ` +
            `classify ${report.timings.classifyMs}, write ${report.timings.writeMs} ms)`,
        );
      }
      if (withDemo) {
        const demoName = `govern_bench_classify_${suffix}_demo`;
        created.push(demoName);
        console.log(
          `classify: seeding the npm start demo (${DEMO.tenants} x ${DEMO.customersPerTenant})`,
        );
        const demo = await seeded(admin.db, config, demoName, DEMO);
        try {
          const started = Date.now();
          const report = await runCatalogScan({ db: demo.db }, { triggeredBy: "bench" });
          console.log(
            `classify: the demo (${demo.rows.toLocaleString("en-US")} rows, ${report.columns} Postgres columns) ` +
              `scans in ${((Date.now() - started) / 1000).toFixed(1)} s`,
          );
        } finally {
          await demo.db.destroy();
        }
      } else if (tenants === DEMO.tenants && customersPerTenant === DEMO.customersPerTenant) {
        console.log(
          `classify: these sizes are the npm start demo's: it scans in ${((scans[0]?.ms ?? 0) / 1000).toFixed(1)} s (first scan)`,
        );
      }
      const readMs = reads.reduce((a, b) => a + b, 0);
      const scanMs = scans.reduce((a, b) => a + b.ms, 0);
      const values = scans.reduce((a, b) => a + b.values, 0);
      const perSecond = Math.round(values / (scanMs / 1000));
      console.log(
        `classify: ratio ${(scanMs / readMs).toFixed(2)} (full scan over sample read), ${perSecond} values/s`,
      );
    } finally {
      await db.destroy();
    }
  } finally {
    await analytics.close();
    for (const name of created) {
      await sql`DROP DATABASE IF EXISTS ${sql.id(name)} WITH (FORCE)`.execute(admin.db);
    }
    await admin.db.destroy();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function seeded(
  admin: Db,
  config: Config,
  name: string,
  size: { tenants: number; customersPerTenant: number },
): Promise<{ db: Db; rows: number }> {
  await sql`CREATE DATABASE ${sql.id(name)}`.execute(admin);
  const target = withDatabase(config, name);
  const { db, pool } = createOwnerDb(target, { max: 4 });
  await migrateToLatest(db, target);
  const report = await seedDemoPlatform(pool, { ...size, seed: 42 });
  return { db, rows: report.totalRows };
}

/**
 * The scan's reading alone: the same introspection and sampling queries, results discarded,
 * with as many queries in flight as the scan keeps (it reads READ_AHEAD tables ahead).
 */
async function readSamples(db: Db, analytics: AnalyticsStore): Promise<number> {
  const started = Date.now();
  const tables = [...(await introspectPostgres(db)), ...(await introspectClickhouse(analytics))];
  let next = 0;
  const lane = async () => {
    while (next < tables.length) {
      const table = tables[next++];
      if (table) {
        await sample({ db, analytics }, table, DEFAULT_SAMPLE_LIMITS);
      }
    }
  };
  await Promise.all(Array.from({ length: READ_AHEAD + 1 }, lane));
  return Date.now() - started;
}
