import { sql } from "kysely";
import pg from "pg";
import { appendAuditEvent } from "../schema/governance/audit-events.repository.ts";
import type { Logger } from "../schema/logger.ts";
import type { Db } from "../schema/postgres.ts";
import type { JobDefinition, LostContext } from "./job-definition.ts";
import { listUnfinishedRuns, recordRunLost, type UnfinishedRun } from "./job-runs.repository.ts";
import { isQueueName, type JobQueues, type QueueName } from "./queues.ts";

/**
 * Which jobs a live worker is running: a session-level advisory lock per job, taken on one
 * Postgres connection of the worker's own for as long as the handler runs. A worker that dies
 * loses its connection and its locks with it, so a free lock means nobody runs the job — which
 * Redis alone cannot tell once it has lost its data.
 */
export type RunLocks = {
  hold: (queue: string, jobId: string) => Promise<void>;
  release: (queue: string, jobId: string) => Promise<void>;
  close: () => Promise<void>;
};

const lockKey = (queue: string, jobId: string) => `govern.job:${queue}/${jobId}`;

export async function openRunLocks(databaseUrl: string, logger: Logger): Promise<RunLocks> {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on("error", (error) => logger.error("run lock connection lost", { error: error.message }));
  await client.connect();
  const run = async (fn: string, queue: string, jobId: string) => {
    try {
      await client.query(`SELECT ${fn}(hashtextextended($1, 0))`, [lockKey(queue, jobId)]);
    } catch (error) {
      // Without its lock a run may be taken for lost while it runs: its end still wins (the
      // run's update is conditional), and its effects are ledgered.
      logger.error("run lock failed", { fn, queue, jobId, error: (error as Error).message });
    }
  };
  return {
    hold: (queue, jobId) => run("pg_advisory_lock", queue, jobId),
    release: (queue, jobId) => run("pg_advisory_unlock", queue, jobId),
    close: () => client.end().catch(() => undefined),
  };
}

/** Whether a live worker (of any process) holds this job's run lock. */
export async function isRunHeld(db: Db, queue: string, jobId: string): Promise<boolean> {
  // A transaction-level try: free at once when the transaction ends.
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ free: boolean }>`
      SELECT pg_try_advisory_xact_lock(hashtextextended(${lockKey(queue, jobId)}, 0)) AS free`.execute(
      trx,
    );
    return rows[0]?.free === false;
  });
}

/** BullMQ states in which a job will still run (or is running). */
const LIVE_STATES = new Set(["waiting", "active", "delayed", "prioritized", "waiting-children"]);

export type ReconcileDeps = LostContext & {
  queues: JobQueues;
  jobs: Partial<Record<QueueName, JobDefinition>>;
  logger: Logger;
};

export type ReconcileReport = {
  /** False when Redis was unavailable: nothing can be compared then. */
  checked: boolean;
  lost: { runId: string; queue: string; outcome: "resumed" | "abandoned"; jobId?: string }[];
};

/**
 * Compares the unfinished runs with the queue: a run whose job BullMQ no longer has (Redis lost
 * it, or a worker died and the job was then lost) and that no live worker holds becomes
 * `failed` with reason `lost: ...`. Its work is then resumed — the same payload queued again,
 * when the job says its handler is idempotent (ledgered) — or abandoned through the job's
 * cleanup (a dataset moves to failed, so it can be dropped). Queued runs younger than
 * `queuedGraceMs` are left alone: their job may still be on its way to Redis.
 */
export async function reconcileRuns(
  deps: ReconcileDeps,
  options: { queuedGraceMs?: number; now?: Date } = {},
): Promise<ReconcileReport> {
  if (!deps.queues.available()) {
    return { checked: false, lost: [] };
  }
  const grace = options.queuedGraceMs ?? 30_000;
  const now = (options.now ?? new Date()).getTime();
  const report: ReconcileReport = { checked: true, lost: [] };
  for (const run of await listUnfinishedRuns(deps.db)) {
    if (!isQueueName(run.queue)) {
      continue;
    }
    const definition = deps.jobs[run.queue];
    if (!definition) {
      continue; // another process's worker runs this queue
    }
    if (run.status === "queued" && now - run.queuedAt.getTime() < grace) {
      continue;
    }
    if (await isRunHeld(deps.db, run.queue, run.queueJobId)) {
      continue;
    }
    const state = await deps.queues.jobState(run.queue, run.queueJobId);
    if (LIVE_STATES.has(state)) {
      continue;
    }
    const what =
      state !== "missing"
        ? `the job is ${state} in the queue but its run never ended`
        : run.status === "queued"
          ? "the queue lost the job before it started"
          : "the queue lost the job while it ran, and no worker runs it";
    if (!(await recordRunLost(deps.db, run, what))) {
      continue; // a worker took or finished it meanwhile
    }
    report.lost.push({
      runId: run.id,
      queue: run.queue,
      ...(await settleLost(deps, definition, run, what)),
    });
  }
  return report;
}

async function settleLost(
  deps: ReconcileDeps,
  definition: JobDefinition,
  run: UnfinishedRun,
  what: string,
): Promise<{ outcome: "resumed" | "abandoned"; jobId?: string }> {
  const parsed = definition.payload.safeParse(run.payload);
  let outcome: { outcome: "resumed" | "abandoned"; jobId?: string } = { outcome: "abandoned" };
  if (parsed.success && definition.lost?.resume?.(parsed.data)) {
    try {
      const jobId = await deps.queues.enqueue(
        definition.queue,
        run.payload,
        run.triggeredBy ?? "reconcile",
      );
      outcome = { outcome: "resumed", jobId };
    } catch (error) {
      deps.logger.error("a lost run could not be queued again", {
        queue: definition.queue,
        runId: run.id,
        error: (error as Error).message,
      });
    }
  }
  if (outcome.outcome === "abandoned" && parsed.success) {
    await definition.lost?.abandon?.(deps, parsed.data, `lost: ${what}`);
  }
  await appendAuditEvent(deps.db, {
    actor: "worker",
    action: `job.${definition.queue}.failed`,
    target: `job:${definition.queue}/${run.queueJobId}`,
    summary: { runId: run.id, error: `lost: ${what}`, ...outcome },
  });
  deps.logger.warn("lost run", { queue: definition.queue, runId: run.id, ...outcome });
  return outcome;
}

/**
 * Cleans up after a run whose job could not be queued (Redis down): the job's own cleanup, the
 * same as for a lost run that is not resumed (e.g. a dataset registered for it moves to failed).
 */
export async function abandonNotQueued(
  context: LostContext,
  definition: JobDefinition | undefined,
  payload: Record<string, unknown>,
  reason: string,
): Promise<void> {
  const parsed = definition?.payload.safeParse(payload);
  if (definition && parsed?.success) {
    await definition.lost?.abandon?.(context, parsed.data, `not queued: ${reason}`);
  }
}
