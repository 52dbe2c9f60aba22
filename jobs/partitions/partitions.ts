import { sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";

/** The time-partitioned tables and the width of their partitions (the seed's chunk intervals). */
export const PARTITIONED_TABLES = [
  { table: "business_events", step: "day" },
  { table: "business_metrics", step: "week" },
] as const;

export type PartitionWindow = { daysBack: number; daysAhead: number };

export const DEFAULT_WINDOW: PartitionWindow = { daysBack: 1, daysAhead: 35 };

export type PartitionReport = { created: Record<string, number>; from: string; to: string };

/**
 * Creates every missing partition covering [now - daysBack, now + daysAhead) so that writes
 * never find their partition missing. Idempotent: existing partitions are left alone; new ones
 * get the same forced tenant RLS as their parent (governance.ensure_time_partitions).
 */
export async function ensurePartitions(
  db: Db,
  options: { now?: Date; window?: PartitionWindow; from?: Date; to?: Date } = {},
): Promise<PartitionReport> {
  const now = options.now ?? new Date();
  const window = options.window ?? DEFAULT_WINDOW;
  const from = options.from ?? new Date(now.getTime() - window.daysBack * 86_400_000);
  const to = options.to ?? new Date(now.getTime() + window.daysAhead * 86_400_000);
  const created: Record<string, number> = {};
  for (const { table, step } of PARTITIONED_TABLES) {
    const result = await sql<{ created: number }>`
      SELECT governance.ensure_time_partitions(${table}::regclass, ${step}, ${from}, ${to}) AS created`.execute(
      db,
    );
    created[table] = result.rows[0]?.created ?? 0;
  }
  return { created, from: from.toISOString(), to: to.toISOString() };
}
