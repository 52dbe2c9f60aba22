import { parentPort, workerData } from "node:worker_threads";
import { HashSet64 } from "../leak-scan/hash-set.ts";
import { LeakCheck, TableScan } from "../leak-scan/table-scan.ts";
import { BinaryCopyRewrite } from "../provision/binary-copy.ts";
import { nodeRewriters } from "../provision/node-masks.ts";
import type { FromThread, ThreadSetup, ToThread } from "./protocol.ts";

/**
 * A masking thread (see masking-threads.ts): rewrites tables' binary COPY streams with their
 * Node masks, or scans them for leaks, one job at a time, in step with the messages it gets.
 */

const setup = workerData as ThreadSetup;
const port = parentPort;
if (!port) {
  throw new Error("worker.ts runs as a worker thread");
}
// One key buffer for the thread's life: hmac() remembers its recent results per key buffer.
const key = Buffer.from(setup.key);
// One check for the thread's life: it remembers the verdicts of short values.
const check =
  setup.mode === "scan"
    ? new LeakCheck(
        key,
        HashSet64.of(setup.identifiers),
        new Set(setup.heads),
        HashSet64.of(setup.images),
      )
    : undefined;
const names =
  setup.mode === "rewrite"
    ? { first: new Set(setup.names.first), last: new Set(setup.names.last) }
    : undefined;

type Job = { id: number; chunk: (bytes: Buffer) => FromThread; end: () => FromThread };
let job: Job | undefined;

function startJob(message: ToThread): Job {
  const id = message.job;
  if (message.type === "rewrite" && names) {
    const rewrite = new BinaryCopyRewrite(nodeRewriters(message.table, key, names));
    return {
      id,
      chunk: (bytes) => ({ job: id, type: "bytes", bytes: new Uint8Array(rewrite.rewrite(bytes)) }),
      end: () => {
        rewrite.end();
        return { job: id, type: "done" };
      },
    };
  }
  if (message.type === "scan" && check) {
    const scan = new TableScan(message.kinds, check, setup.mode === "scan" && setup.keepLeaks);
    return {
      id,
      chunk: (bytes) => {
        scan.push(bytes);
        return { job: id, type: "ack" };
      },
      end: () => ({ job: id, type: "done", scan: scan.end() }),
    };
  }
  throw new Error(`a ${setup.mode} thread cannot ${message.type}`);
}

function post(message: FromThread): void {
  if (message.type === "bytes") {
    port?.postMessage(message, [message.bytes.buffer as ArrayBuffer]);
  } else {
    port?.postMessage(message);
  }
}

port.on("message", (message: ToThread) => {
  try {
    if (message.type === "rewrite" || message.type === "scan") {
      job = startJob(message);
      return;
    }
    if (!job || job.id !== message.job) {
      return;
    }
    if (message.type === "chunk") {
      post(
        job.chunk(
          Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength),
        ),
      );
    } else {
      post(job.end());
      job = undefined;
    }
  } catch (error) {
    job = undefined;
    post({ job: message.job, type: "error", message: (error as Error).message });
  }
});
