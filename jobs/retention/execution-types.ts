import type pg from "pg";
import type { AnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import type { Config } from "../../schema/config.ts";
import type { Db } from "../../schema/postgres.ts";
import type { StoredCertificate } from "./certificate.ts";
import type { Blocker } from "./requests.ts";

/** The executor's contract: what it needs, what it is asked, what it answers. */

export type ExecutorDeps = {
  db: Db;
  pool: pg.Pool;
  config: Config;
  /** Reaches the rows tiering moved to cold and the archive (jobs/tiering/retention-reach.ts). */
  analytics?: AnalyticsStore;
};

export type ExecutionProgress = {
  table: string;
  done: number;
  total: number;
  percent: number;
  batches: number;
};

export type ExecuteOptions = {
  /** Who executes: the console user (e-mail), or `worker` for a run the job carries out. */
  actor: string;
  onProgress?: (progress: ExecutionProgress) => void | Promise<void>;
  /** Keys per batch (default 5,000). */
  batchSize?: number;
  /** Batches of one table run side by side on this many connections (default 2). */
  parallel?: number;
  /** Called before each batch; the crash test slows the executor down with it. */
  beforeBatch?: () => Promise<void>;
  /**
   * Re-evaluate the plan from the live data before the first batch (default true): a retention
   * request stops on drift beyond its policy's tolerance, an erasure on any change of its
   * fingerprint (the person's rows are not what was approved). Off only in tests of batches.
   */
  checkDrift?: boolean;
  /** Erasure: the identifiers scrubbed from text columns (decrypted by erasure.ts). */
  identifiers?: string[];
  /** Extra certificate body (an erasure's proof), computed once every key is done. */
  finish?: () => Promise<Record<string, unknown>>;
};

/** Why a request was not executed. */
export type ExecutionRefusal =
  /** No such request. */
  | "not_found"
  /** It still waits for a compliance officer (or was sent back for re-approval). */
  | "not_approved"
  /** Rejected, expired or otherwise closed. */
  | "wrong_status"
  /** The approval's time ran out: approve again. */
  | "expired"
  /** The request changed after it was approved. */
  | "fingerprint_mismatch"
  /** The candidates drifted beyond the tolerance since approval: approve again. */
  | "drift"
  /** A legal hold or the SOX investigation flag covers the request (see `blockers`). */
  | "held"
  /** The plan names a table or column the store does not have. */
  | "invalid_plan";

export type ExecutionReport = {
  tables: Record<string, { planned: number; done: number; skipped: number; action: string }>;
  batches: number;
  rows: number;
  durationMs: number;
  rowsPerSecond: number;
  /** The longest time one batch held its row locks (BEGIN to COMMIT), in ms. */
  longestBatchLockMs: number;
  /** Where the batches' time went, in ms summed over the run. */
  phasesMs: BatchPhases;
};

/**
 * A batch's phases, summed over batches that may run side by side: finding the batches' plan
 * position ranges (`walk`, a few dozen batches per query), opening the transaction and locking
 * (`open`), legal holds and the investigation flag (`holds`), the
 * delete or anonymize with its ledger rows and, for archive-then-delete, the rows streamed
 * through gzip into the file (`statement`), the file's fsync (`sync`), progress and commit.
 */
export type BatchPhases = {
  walk: number;
  open: number;
  holds: number;
  statement: number;
  sync: number;
  commit: number;
};

export type ExecutionOutcome =
  | { outcome: "done"; requestId: string; certificate: StoredCertificate; report: ExecutionReport }
  | {
      outcome: "blocked";
      requestId: string;
      heldBy: string[];
      heldKeys: number;
      message: string;
      report: ExecutionReport;
    }
  | {
      outcome: "refused";
      requestId: string;
      reason: ExecutionRefusal;
      message: string;
      blockers?: Blocker[];
    };

/** The plan keys' treatments (retention_request_keys.treatment). */
export type Treatment = "act" | "scrub";

/** One part of a table of the plan (its keys of one treatment) as the executor carries it out. */
export type PlanTable = {
  table: string;
  ord: number;
  planned: number;
  treatment: Treatment;
  /** scrub: only the erased person's identifiers are replaced (in `scrubColumns`). */
  action: "delete" | "archive_then_delete" | "anonymize" | "scrub";
  /** anonymize: column → strategy (null, redact, hash, empty_json). */
  anonymize: Record<string, string>;
  /** anonymize, scrub: replace the erased person's identifiers inside text columns. */
  scrub: boolean;
  /** The text, text[] and JSON columns scrubbed; null: every one the table has. */
  scrubColumns: string[] | null;
  /**
   * The policy re-applied to each row in its batch (SQL over alias `t`, see policyRecheck);
   * null: rows are not checked again (erasures, whose plan is the person's rows).
   */
  recheck: string | null;
};

export class ExecutorError extends Error {}

/** A batch: the plan's keys at positions (after, upto] of one table, in position order. */
export type BatchRange = {
  after: string;
  upto: string;
  count: number;
  /** Every key has the location the planner saw (plans written before positions had none). */
  located: boolean;
};

/** A report with nothing done yet. */
export function emptyReport(): ExecutionReport {
  return {
    tables: {},
    batches: 0,
    rows: 0,
    durationMs: 0,
    rowsPerSecond: 0,
    longestBatchLockMs: 0,
    phasesMs: { walk: 0, open: 0, holds: 0, statement: 0, sync: 0, commit: 0 },
  };
}
