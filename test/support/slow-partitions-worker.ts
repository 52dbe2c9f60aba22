import { defineJob } from "../../jobs/job-definition.ts";
import { runPartitionsJob } from "../../jobs/partitions/partitions.handler.ts";
import { ZPartitionsPayload } from "../../jobs/registry.ts";
import { startWorker } from "../../jobs/worker.ts";
import { createAnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import { loadConfig } from "../../schema/config.ts";
import { silentLogger } from "../../schema/logger.ts";
import { createOwnerDb } from "../../schema/postgres.ts";
import { connectRedis } from "../../server/runtime.ts";

/**
 * A worker process for test/worker-crash.test.ts: the real partitions job, slowed down by
 * SLOW_MS before each partition so the test can SIGKILL it mid-run, with a short lock and stall
 * check so a restarted worker takes the dead one's job over within seconds. Configured by the
 * environment the test gives it (DATABASE_URL, QUEUE_PREFIX, CLICKHOUSE_DATA_DIR).
 */

const slowMs = Number(process.env.SLOW_MS ?? "0");
const config = loadConfig({ ...process.env, NODE_ENV: "test" });
const { db, pool } = createOwnerDb(config, { max: 4 });
const redis = connectRedis(config);
const analytics = await createAnalyticsStore(config);

const slowPartitions = defineJob({
  queue: "partitions",
  payload: ZPartitionsPayload,
  run: async ({ db, runId, progress }, payload) =>
    runPartitionsJob(db, {
      runId,
      window: { daysBack: 1, daysAhead: payload.daysAhead ?? 35 },
      progress,
      beforeEach: () => new Promise((resolve) => setTimeout(resolve, slowMs)),
    }),
});

const worker = await startWorker(
  { config, db, pool, analytics, redis, logger: silentLogger },
  { jobs: { partitions: slowPartitions }, lockDuration: 2_000, stalledInterval: 1_000 },
);
process.once("SIGTERM", () => {
  void worker
    .close()
    .then(() => Promise.all([db.destroy(), analytics.close(), redis.quit()]))
    .then(() => process.exit(0));
});
process.stdout.write("worker ready\n");
