import { sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";
import { withLedger } from "../ledger.ts";
import { DEFAULT_WINDOW, PARTITIONED_TABLES, type PartitionWindow } from "./partitions.ts";

export type PartitionsJobOptions = {
  runId: string;
  window?: PartitionWindow;
  now?: Date;
  progress?: (percent: number) => Promise<void>;
  /** Called before each partition; tests use it to make the job slow enough to kill. */
  beforeEach?: () => Promise<void>;
};

/**
 * The partitions job: one ledgered transaction per partition in the window (key
 * `partitions:<partition name>`), so a run killed half-way and run again creates each partition
 * once and records it once. `ensurePartitions` stays the one-shot variant for `govern migrate`.
 */
export async function runPartitionsJob(
  db: Db,
  options: PartitionsJobOptions,
): Promise<Record<string, number>> {
  const now = options.now ?? new Date();
  const window = options.window ?? DEFAULT_WINDOW;
  const from = new Date(now.getTime() - window.daysBack * 86_400_000);
  const to = new Date(now.getTime() + window.daysAhead * 86_400_000);
  const slots: { table: string; step: string; lower: Date; name: string }[] = [];
  for (const { table, step } of PARTITIONED_TABLES) {
    // The same bounds governance.ensure_time_partitions walks (UTC, weeks from Monday).
    const bounds = await sql<{ lower: Date; suffix: string }>`
      SELECT b AS lower, to_char(b AT TIME ZONE 'UTC', 'YYYYMMDD') AS suffix
      FROM generate_series(date_trunc(${step}, ${from}::timestamptz, 'UTC'), ${to}::timestamptz,
                           ('1 ' || ${step})::interval) AS b
      WHERE b < ${to}::timestamptz`.execute(db);
    for (const { lower, suffix } of bounds.rows) {
      slots.push({ table, step, lower, name: `${table}_p${suffix}` });
    }
  }
  const counts: Record<string, number> = { created: 0, skipped: 0 };
  let done = 0;
  for (const slot of slots) {
    await options.beforeEach?.();
    const outcome = await withLedger(
      db,
      {
        key: `partitions:${slot.name}`,
        queue: "partitions",
        runId: options.runId,
        detail: { table: slot.table, partition: slot.name, from: slot.lower.toISOString() },
      },
      async (trx) => {
        // A window of one microsecond covers exactly this partition's lower bound.
        const result = await sql<{ created: number }>`
          SELECT governance.ensure_time_partitions(${slot.table}::regclass, ${slot.step},
            ${slot.lower}::timestamptz, ${slot.lower}::timestamptz + interval '1 microsecond')
            AS created`.execute(trx);
        return result.rows[0]?.created ?? 0;
      },
    );
    if (outcome.applied) {
      counts[slot.table] = (counts[slot.table] ?? 0) + outcome.result;
      counts.created = (counts.created ?? 0) + outcome.result;
    } else {
      counts.skipped = (counts.skipped ?? 0) + 1;
    }
    done += 1;
    await options.progress?.(Math.floor((done / slots.length) * 99));
  }
  return counts;
}
