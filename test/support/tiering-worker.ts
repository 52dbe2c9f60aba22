import { runTiering } from "../../jobs/tiering/run.ts";
import { createAnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import { loadConfig } from "../../schema/config.ts";
import { createOwnerDb } from "../../schema/postgres.ts";

/**
 * A tiering worker process for test/tiering-crash.test.ts: runs the tiering job's engine
 * (runTiering, what the `tier` job handler calls) against the database, ClickHouse folder and
 * archive the test gives it in the environment, so the test can SIGKILL it mid-move.
 * TIER_AS_OF and TIER_TABLES narrow the run.
 */
const config = loadConfig({ ...process.env, NODE_ENV: "test" });
const { db, pool } = createOwnerDb(config, { max: 6 });
const analytics = await createAnalyticsStore(config);
process.stdout.write("worker ready\n");
const report = await runTiering(
  { db, pool, config, analytics, requestedBy: "crash-test" },
  {
    asOf: process.env.TIER_AS_OF ? new Date(process.env.TIER_AS_OF) : undefined,
    tables: process.env.TIER_TABLES?.split(","),
  },
);
process.stdout.write(`moved ${report.moves.length}\n`);
await analytics.close();
await db.destroy();
process.exit(0);
