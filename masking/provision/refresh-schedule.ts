import type { Queue } from "bullmq";
import { CronExpressionParser } from "cron-parser";
import type { Db } from "../../schema/postgres.ts";

/**
 * A dataset's refresh schedule: a five-field cron (UTC) on the dataset row, turned into one
 * BullMQ job scheduler on the `masking` queue per dataset (`dataset-refresh-<id>`), whose jobs
 * are `{action: "refresh", datasetId}` (refresh.ts). The row is the truth: the worker re-applies
 * the schedulers from it after Redis lost them (syncRefreshSchedulers).
 */

/** Refreshing re-provisions the whole copy: not more often than this. */
export const MIN_REFRESH_INTERVAL_MS = 60 * 60_000;

export function refreshSchedulerId(datasetId: string): string {
  return `dataset-refresh-${datasetId}`;
}

/** Why a refresh cron is not acceptable (five fields, valid, at most hourly), or undefined. */
export function refreshCronProblem(cron: string): string | undefined {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) {
    return `expected 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`;
  }
  try {
    const it = CronExpressionParser.parse(cron, { tz: "UTC", currentDate: new Date() });
    // The shortest gap among the next few runs: a refresh rebuilds the whole copy.
    let previous = it.next().getTime();
    for (let i = 0; i < 24; i++) {
      const next = it.next().getTime();
      if (next - previous < MIN_REFRESH_INTERVAL_MS) {
        return "a dataset is refreshed at most once an hour (it is provisioned again each time)";
      }
      previous = next;
    }
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The next time a cron fires after `from` (UTC), or null when it cannot be parsed. */
export function nextRun(cron: string, from = new Date()): Date | null {
  try {
    return CronExpressionParser.parse(cron, { tz: "UTC", currentDate: from }).next().toDate();
  } catch {
    return null;
  }
}

/** Makes the dataset's BullMQ scheduler match its schedule (upsert, or remove when null). */
export async function applyRefreshSchedule(
  queue: Queue,
  datasetId: string,
  cron: string | null,
): Promise<void> {
  if (!cron) {
    await queue.removeJobScheduler(refreshSchedulerId(datasetId));
    return;
  }
  await queue.upsertJobScheduler(
    refreshSchedulerId(datasetId),
    { pattern: cron, tz: "UTC" },
    { name: "masking", data: { action: "refresh", datasetId, triggeredBy: "schedule" } },
  );
}

/**
 * Re-applies every dataset's refresh scheduler from the rows (after Redis restarted empty) and
 * removes the schedulers of datasets that no longer have a schedule or are gone.
 */
export async function syncRefreshSchedulers(db: Db, queue: Queue): Promise<number> {
  const rows = await db
    .selectFrom("governance.datasets")
    .select(["id", "refresh_cron"])
    .where("refresh_cron", "is not", null)
    .where("status", "not in", ["dropped", "expired"])
    .execute();
  const wanted = new Map(rows.map((r) => [refreshSchedulerId(r.id), r]));
  let changed = 0;
  for (const s of await queue.getJobSchedulers(0, -1)) {
    const id = s.key ?? s.id ?? "";
    if (id.startsWith("dataset-refresh-") && !wanted.has(id)) {
      await queue.removeJobScheduler(id);
      changed++;
    } else if (wanted.has(id) && s.pattern === wanted.get(id)?.refresh_cron) {
      wanted.delete(id);
    }
  }
  for (const r of wanted.values()) {
    await applyRefreshSchedule(queue, r.id, r.refresh_cron);
    changed++;
  }
  return changed;
}
