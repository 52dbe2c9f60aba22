import type { Db } from "../../schema/postgres.ts";
import { cancelRequested } from "../datasets.repository.ts";

/**
 * Stopping a dataset while it is being built. Two ways in: someone cancels it (DELETE
 * /datasets/{id}, `govern datasets drop`), which raises the dataset's abort flag in
 * governance.datasets — from any process — and ends the sessions on its database; or this
 * process shuts down (`cancelInFlightDatasets`). The copy or generation checks between batches
 * (`check`), and a batch in flight dies with its sessions; either way the run drops what it
 * created and ends. A cancelled run is never retried.
 */

export class DatasetCancelled extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatasetCancelled";
  }
}

type Run = { abort: (reason: string) => Promise<void> };
const inFlight = new Map<string, Run>();

export type RunGuard = {
  /** Throws DatasetCancelled once the run is cancelled (reads the flag at most once a second). */
  check: () => Promise<void>;
  /** Why the run was cancelled, if it was (also after a batch died with its sessions). */
  cancelled: () => Promise<string | null>;
  /** Stops the run from inside (a size limit outgrown): as a cancellation, with this reason. */
  stop: (reason: string) => Promise<void>;
  signal: AbortSignal;
  done: () => void;
};

/** The reason a run stopped for outgrowing its limit starts with this. */
export const SIZE_LIMIT_REASON = "size limit exceeded";

/** Registers a run of this process; `onAbort` ends its sessions when it is cancelled here. */
export function guardRun(db: Db, datasetId: string, onAbort: () => Promise<void>): RunGuard {
  const controller = new AbortController();
  let lastRead = 0;
  let flagged: string | null = null;
  const readFlag = async (): Promise<string | null> => {
    if (flagged === null && (await cancelRequested(db, datasetId))) {
      flagged = "cancelled on request";
    }
    return flagged;
  };
  const abort = async (reason: string) => {
    if (!controller.signal.aborted) {
      controller.abort(reason);
      await onAbort().catch(() => {});
    }
  };
  inFlight.set(datasetId, { abort });
  return {
    signal: controller.signal,
    stop: abort,
    check: async () => {
      if (controller.signal.aborted) {
        throw new DatasetCancelled(String(controller.signal.reason));
      }
      const now = Date.now();
      if (now - lastRead >= 1000) {
        lastRead = now;
        const reason = await readFlag();
        if (reason) {
          throw new DatasetCancelled(reason);
        }
      }
    },
    cancelled: async () =>
      controller.signal.aborted ? String(controller.signal.reason) : readFlag().catch(() => null),
    done: () => {
      inFlight.delete(datasetId);
    },
  };
}

/** Cancels every dataset this process is building (graceful shutdown). Returns how many. */
export async function cancelInFlightDatasets(reason = "interrupted by shutdown"): Promise<number> {
  const runs = [...inFlight.values()];
  await Promise.all(runs.map((r) => r.abort(reason)));
  return runs.length;
}
