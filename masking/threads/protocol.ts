import type { ShortHits } from "../leak-scan/chance.ts";
import type { HashSet64State } from "../leak-scan/hash-set.ts";
import type { StreamField } from "../leak-scan/stream-fields.ts";
import type { FieldKind, TableScanResult } from "../leak-scan/table-scan.ts";
import type { TablePlan } from "../provision/plan.ts";

/**
 * Messages between provisioning and its masking threads. A thread does one job at a time: a
 * table's COPY stream arrives in chunks, each answered (rewritten bytes, or an acknowledgement)
 * so the sender keeps a few in flight, then `end` is answered with `done`. Every message names
 * its job: answers to a job given up (its stream failed) are recognized and dropped.
 */

/** What a thread is started for (its workerData). */
export type ThreadSetup =
  | {
      mode: "rewrite";
      /** The masking key. */
      key: Uint8Array;
      /** The source's names, and its address lines (address-line-set.ts, masking key). */
      names: { first: string[]; last: string[]; lines?: HashSet64State };
      /** The leak-scan key: the format-kept values masking makes are hashed with it. */
      leakKey: Uint8Array;
      /** Every word of the source's names: the stream scan's pair heads (stream-scan.ts). */
      heads: string[];
    }
  | {
      mode: "scan";
      /** The leak-scan key. */
      key: Uint8Array;
      identifiers: HashSet64State;
      images: HashSet64State;
      heads: string[];
      keepLeaks: boolean;
    };

/** How the stream scan reads each field of a table (null: the post-pass reads it). */
export type StreamFields = (StreamField | null)[];

export type ToThread =
  | { job: number; type: "rewrite"; table: TablePlan; fields: StreamFields }
  /** The stream scan only: the bytes go to the target unchanged, a copy comes here. */
  | { job: number; type: "watch"; fields: StreamFields }
  /** The source's identifiers are complete (stream-scan.ts): not part of any job. */
  | { job: number; type: "identifiers"; identifiers: HashSet64State }
  /** What the stream scan found: answered with `done`. */
  | { job: number; type: "collect" }
  | { job: number; type: "scan"; kinds: FieldKind[] }
  | { job: number; type: "chunk"; bytes: Uint8Array }
  | { job: number; type: "end" };

export type FromThread =
  | { job: number; type: "bytes"; bytes: Uint8Array }
  | { job: number; type: "ack" }
  | {
      job: number;
      type: "done";
      scan?: TableScanResult;
      /** Rewrite: hashes of the job's new format-kept masked values, as (hi, lo) pairs. */
      images?: Uint32Array;
      /** Collect: the stream scan's hits and validated numbers, as (hi, lo) pairs. */
      found?: Uint32Array;
      /** Collect: the tallies of streamed columns with short-number hits (chance.ts). */
      short?: ShortHits[];
      /** Collect: values the stream scan read. */
      values?: number;
    }
  | { job: number; type: "error"; message: string };
