import { Worker } from "node:worker_threads";
import type { TablePlan } from "../provision/plan.ts";
import { HashSet64, type HashSet64State } from "./hash-set.ts";
import type { SourceIdentifiers } from "./leak-scan.ts";

/**
 * The leak scan's source side (identifiers.ts) on a thread of its own, with its own connections:
 * reading, normalizing and hashing the source's identifiers is the heaviest JavaScript of a
 * provisioning, and on the main thread it held back the copy streams the main thread moves
 * (their source sessions waited on the client). The sets come back on shared memory.
 */

/** What the thread is given (its workerData). */
export type IdentifiersTask = {
  url: string;
  applicationName: string;
  settings: Record<string, string>;
  plan: TablePlan[];
  schema: string;
  /** The leak-scan key. */
  key: Uint8Array;
  /** The masking key (for the masked images). */
  maskingKey: Uint8Array;
  parallel: number;
};

type Answer =
  | {
      identifiers: HashSet64State;
      short: number[];
      images: HashSet64State;
      heads: string[];
      lineEnds: HashSet64State;
      ms: number;
    }
  | { error: string };

const ENTRY = new URL("./identifiers-worker.mjs", import.meta.url);

/** Starts collecting; `stop` ends the thread (and its sessions) when the result is not wanted. */
export function sourceIdentifiersOnThread(task: IdentifiersTask): {
  result: Promise<SourceIdentifiers>;
  stop: () => Promise<void>;
} {
  const worker = new Worker(ENTRY, { workerData: task });
  const result = new Promise<SourceIdentifiers>((resolve, reject) => {
    worker.once("message", (answer: Answer) => {
      if ("error" in answer) {
        reject(new Error(answer.error));
        return;
      }
      resolve({
        identifiers: HashSet64.of(answer.identifiers),
        short: answer.short,
        images: HashSet64.of(answer.images),
        heads: new Set(answer.heads),
        lineEnds: HashSet64.of(answer.lineEnds),
        ms: answer.ms,
      });
    });
    worker.once("error", reject);
    worker.once("exit", (code) =>
      reject(new Error(`the identifiers thread stopped (exit code ${code})`)),
    );
  });
  return {
    result,
    stop: async () => {
      await worker.terminate();
    },
  };
}
