import { defineJob } from "../../jobs/job-definition.ts";
import { ZRetentionPayload } from "../../jobs/registry.ts";
import { runRetentionExecuteJob } from "../../jobs/retention/execute.handler.ts";
import { startWorker } from "../../jobs/worker.ts";
import { createAnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import { loadConfig } from "../../schema/config.ts";
import { silentLogger } from "../../schema/logger.ts";
import { createOwnerDb } from "../../schema/postgres.ts";
import { connectRedis } from "../../server/runtime.ts";

/**
 * A worker process for test/retention-crash.test.ts: the real retention execute job, slowed by
 * SLOW_MS before each batch so the test can SIGKILL it mid-execution, with a short lock and
 * stall check so a restarted worker takes the dead one's job over within seconds. Configured
 * by the environment the test gives it (DATABASE_URL, QUEUE_PREFIX, CLICKHOUSE_DATA_DIR,
 * ARCHIVE_DIR).
 */

const slowMs = Number(process.env.SLOW_MS ?? "0");
const config = loadConfig({ ...process.env, NODE_ENV: "test" });
const { db, pool } = createOwnerDb(config, { max: 4 });
const redis = connectRedis(config);
const analytics = await createAnalyticsStore(config);

const slowRetention = defineJob({
  queue: "retention",
  payload: ZRetentionPayload,
  run: async ({ db, pool, config, progress }, payload) => {
    if (payload.action !== "execute") {
      throw new Error("this test worker only executes");
    }
    return runRetentionExecuteJob({ db, pool, config, progress }, payload, {
      beforeBatch: () => new Promise((resolve) => setTimeout(resolve, slowMs)),
    });
  },
});

const worker = await startWorker(
  { config, db, pool, analytics, redis, logger: silentLogger },
  { jobs: { retention: slowRetention }, lockDuration: 2_000, stalledInterval: 1_000 },
);
process.once("SIGTERM", () => {
  void worker
    .close()
    .then(() => Promise.all([db.destroy(), analytics.close(), redis.quit()]))
    .then(() => process.exit(0));
});
process.stdout.write("worker ready\n");
