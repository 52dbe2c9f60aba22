import { parentPort, workerData } from "node:worker_threads";
import { createPool } from "../../schema/postgres.ts";
import type { IdentifiersTask } from "./identifiers-thread.ts";
import { sourceIdentifiers } from "./leak-scan.ts";

/**
 * The identifiers thread (identifiers-thread.ts): reads and hashes the source's identifiers on
 * connections of its own, and answers with the sets' shared arrays.
 */

const task = workerData as IdentifiersTask;
const port = parentPort;
if (!port) {
  throw new Error("identifiers-worker.ts runs as a worker thread");
}
const pool = createPool(task.url, {
  max: task.parallel,
  applicationName: task.applicationName,
  settings: task.settings,
});
try {
  const ids = await sourceIdentifiers({
    source: pool,
    plan: task.plan,
    key: Buffer.from(task.key),
    maskingKey: Buffer.from(task.maskingKey),
    schema: task.schema,
    parallel: task.parallel,
  });
  port.postMessage({
    identifiers: ids.identifiers.state(),
    short: ids.short,
    images: ids.images.state(),
    heads: [...ids.heads],
    lineEnds: ids.lineEnds.state(),
    ms: ids.ms,
  });
} catch (error) {
  port.postMessage({ error: (error as Error).message });
} finally {
  await pool.end().catch(() => {});
}
