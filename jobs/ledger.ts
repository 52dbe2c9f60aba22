import type { Transaction } from "kysely";
import type { DB } from "../schema/database.ts";
import type { Db } from "../schema/postgres.ts";

export type LedgerEntry = {
  /** Names one effect, e.g. `partitions:business_events_p20260309`; unique forever. */
  key: string;
  queue: string;
  /** The governance.job_runs row doing the work (kept for the history; may be absent). */
  runId?: string;
  detail?: Record<string, unknown>;
};

export type LedgerOutcome<T> = { applied: true; result: T } | { applied: false };

/**
 * Makes one effect of a job exactly-once. BullMQ delivers at least once (a killed or stalled
 * worker's job runs again), so every engine wraps each unit of work that changes state in
 * `withLedger`:
 *
 *   await withLedger(db, { key: `retention:${planId}:${batch}`, queue: "retention", runId },
 *     (trx) => deleteBatch(trx, ...));
 *
 * The ledger row and the effect commit in the same transaction: either both exist or neither.
 * Inserting the key first also serializes concurrent attempts (the second waits on the unique
 * index, then finds the key and skips). Effects must therefore write through `trx`, and be
 * small enough to commit one by one — a crash then loses only the unit in flight.
 */
export async function withLedger<T>(
  db: Db,
  entry: LedgerEntry,
  effect: (trx: Transaction<DB>) => Promise<T>,
): Promise<LedgerOutcome<T>> {
  return db.transaction().execute(async (trx) => {
    const claimed = await trx
      .insertInto("governance.job_ledger")
      .values({
        ledger_key: entry.key,
        queue: entry.queue,
        run_id: entry.runId ?? null,
        detail: JSON.stringify(entry.detail ?? {}),
      })
      .onConflict((oc) => oc.column("ledger_key").doNothing())
      .returning("ledger_key")
      .executeTakeFirst();
    if (!claimed) {
      return { applied: false } as const;
    }
    return { applied: true, result: await effect(trx) } as const;
  });
}
