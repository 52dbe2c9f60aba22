import type pg from "pg";
import type { AnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import type { Config } from "../../schema/config.ts";
import type { Db } from "../../schema/postgres.ts";
import { frozenTenants } from "./guards.ts";
import {
  type MoveOutcome,
  moveColdToArchive,
  movePartitionToCold,
  movePartitionToWarm,
  moveRowsToCold,
  recoverOpenMoves,
} from "./mover.ts";
import { openMoveIds } from "./moves.ts";
import { planTiering, type TierPlan } from "./planner.ts";
import { currentTieringPolicies } from "./policies.ts";
import { snapshotStatus, tierStatus } from "./read.ts";
import { type RestoreOutcome, type RestoreRange, restoreRange } from "./restore.ts";
import { tableInfo } from "./tables.ts";

export type TieringDeps = {
  db: Db;
  pool: pg.Pool;
  config: Config;
  analytics: AnalyticsStore;
  runId?: string | null;
  requestedBy?: string;
};

export type RunReport = {
  moves: { table: string; from: string; to: string; rows: number; partition: string | null }[];
  rolledBack: { table: string; partition: string | null; reason: string }[];
  recovered: { completed: number; rolledBack: number };
  skipped: TierPlan["skipped"];
  warm: TierPlan["warm"];
};

const LOCK_KEY = 0x7469_6572; // "tier": one mover at a time per database

/**
 * Runs `fn` holding the tiering lock (a session advisory lock on a connection of its own, freed
 * by Postgres if the process dies): the job, a restore and recovery never interleave.
 */
export async function withTieringLock<T>(pool: pg.Pool, fn: () => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [LOCK_KEY]);
    try {
      return await fn();
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    client.release();
  }
}

/**
 * One tiering run: finish or undo what a crash left open, plan, move hot/warm units, then plan
 * and move cold → archive (so a partition old enough goes all the way in one run), and record
 * the storage snapshot for the console's chart.
 */
export async function runTiering(
  deps: TieringDeps,
  options: { asOf?: Date; tables?: string[]; progress?: (percent: number) => Promise<void> } = {},
): Promise<RunReport> {
  return withTieringLock(deps.pool, async () => {
    const recovered = await recoverOpenMoves(deps);
    const plan = await planTiering(deps, options);
    const outcomes: MoveOutcome[] = [];
    const policies = new Map(
      (await currentTieringPolicies(deps.db)).map((e) => [e.policy.table, e.policy]),
    );
    const total = Math.max(1, plan.moves.length);
    let done = 0;
    const report = async () => options.progress?.(Math.min(95, Math.floor((done / total) * 90)));
    for (const planned of plan.moves) {
      const policy = policies.get(planned.table);
      const info = await tableInfo(deps.db, planned.table);
      if (!policy || !info) {
        continue;
      }
      if (planned.partition && planned.to === "warm" && plan.warm.available) {
        outcomes.push(
          await movePartitionToWarm(deps, info, planned.partition, plan.warm.tablespace),
        );
      } else if (planned.partition && planned.to === "cold") {
        outcomes.push(
          await movePartitionToCold(
            deps,
            info,
            policy,
            planned.partition,
            planned.from as "hot" | "warm",
          ),
        );
      } else if (!planned.partition && planned.to === "cold" && planned.before) {
        outcomes.push(
          ...(await moveRowsToCold(deps, info, policy, new Date(planned.before), planned.rows)),
        );
      } else if (planned.to === "archive") {
        const frozen = await frozenTenants(deps.db, info.table);
        if (!frozen.all) {
          outcomes.push(
            await moveColdToArchive(
              deps,
              info,
              planned,
              frozen.tenants,
              await openMoveIds(deps.db, info.table),
            ),
          );
        }
      }
      done += 1;
      await report();
    }
    // Partitions that just went cold may already be old enough for the archive.
    const archivePlan = await planTiering(deps, { ...options, only: "archive" });
    for (const planned of archivePlan.moves.filter((m) => m.to === "archive")) {
      const info = await tableInfo(deps.db, planned.table);
      const frozen = await frozenTenants(deps.db, planned.table);
      if (info && !frozen.all) {
        outcomes.push(
          await moveColdToArchive(
            deps,
            info,
            planned,
            frozen.tenants,
            await openMoveIds(deps.db, planned.table),
          ),
        );
      }
    }
    await snapshotStatus(deps.db, await tierStatus(deps));
    await options.progress?.(100);
    return {
      moves: outcomes
        .filter((o) => o.status === "done")
        .map((o) => ({
          table: o.table,
          from: o.from,
          to: o.to,
          rows: o.rows,
          partition: o.partition,
        })),
      rolledBack: outcomes
        .filter((o) => o.status === "rolled_back")
        .map((o) => ({ table: o.table, partition: o.partition, reason: o.reason ?? "" })),
      recovered,
      skipped: plan.skipped,
      warm: plan.warm,
    };
  });
}

/** A restore, under the same lock as runs. */
export async function runRestore(
  deps: TieringDeps,
  range: RestoreRange,
): Promise<RestoreOutcome[]> {
  return withTieringLock(deps.pool, async () => {
    await recoverOpenMoves(deps);
    return restoreRange(deps, range);
  });
}
