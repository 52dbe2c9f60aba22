import { parentPort, workerData } from "node:worker_threads";
import { AddressLineSet } from "../address-line-set.ts";
import { hash64, imageCandidates } from "../leak-scan/candidates.ts";
import { HashSet64 } from "../leak-scan/hash-set.ts";
import { StreamProbe, StreamScan } from "../leak-scan/stream-scan.ts";
import { LeakCheck, TableScan } from "../leak-scan/table-scan.ts";
import { BinaryCopyRewrite } from "../provision/binary-copy.ts";
import { nodeRewriters } from "../provision/node-masks.ts";
import { recordFormatKept } from "../strategies/images.ts";
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
// One check for the thread's life.
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
    ? {
        first: new Set(setup.names.first),
        last: new Set(setup.names.last),
        lines: setup.names.lines && AddressLineSet.of(setup.names.lines, key),
      }
    : undefined;

// What masking makes in this thread that keeps its original's format, as the leak scan cuts
// it: the hashes the scan must take for masking's own (images.ts), handed over job by job.
const images = new HashSet64();
// Recent masked values already imaged: a customer's substitute address or phone comes back in
// every job, invoice and message that quotes it, and cutting it again only finds hashes
// `images` holds (already sent with an earlier job's). At 4 x 25,000 about half the calls.
const IMAGED = 65_536;
const imaged = new Set<string>();
let fresh: number[] = [];
if (setup.mode === "rewrite") {
  const leakKey = Buffer.from(setup.leakKey);
  recordFormatKept((masked) => {
    if (imaged.has(masked)) {
      return;
    }
    if (imaged.size >= IMAGED) {
      imaged.clear();
    }
    imaged.add(masked);
    for (const form of imageCandidates(masked)) {
      const [hi, lo] = hash64(leakKey, form);
      if (images.add(hi, lo)) {
        fresh.push(hi, lo);
      }
    }
  });
}

// The stream scan of everything this thread's connection writes (stream-scan.ts).
const probe =
  setup.mode === "rewrite"
    ? new StreamProbe(Buffer.from(setup.leakKey), new Set(setup.heads), names?.lines?.ends)
    : undefined;
const streamFields = (fields: (string | null)[]) =>
  fields.map((f) => f ?? undefined) as ConstructorParameters<typeof StreamScan>[0];

type Job = { id: number; chunk: (bytes: Buffer) => FromThread; end: () => FromThread };
let job: Job | undefined;

function startJob(message: ToThread): Job {
  const id = message.job;
  if (message.type === "rewrite" && names && probe) {
    const rewrite = new BinaryCopyRewrite(nodeRewriters(message.table, key, names));
    // The scan reads what is written: the rewritten bytes.
    const scan = new StreamScan(streamFields(message.fields), probe);
    return {
      id,
      chunk: (bytes) => {
        const out = rewrite.rewrite(bytes);
        scan.push(out);
        return { job: id, type: "bytes", bytes: new Uint8Array(out) };
      },
      end: () => {
        rewrite.end();
        scan.end();
        const pairs = Uint32Array.from(fresh);
        fresh = [];
        return { job: id, type: "done", images: pairs };
      },
    };
  }
  if (message.type === "watch" && probe) {
    const scan = new StreamScan(streamFields(message.fields), probe);
    return {
      id,
      chunk: (bytes) => {
        scan.push(bytes);
        return { job: id, type: "ack" };
      },
      end: () => {
        scan.end();
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
    if (message.type === "identifiers") {
      probe?.takeIdentifiers(message.identifiers);
      return;
    }
    if (message.type === "collect") {
      if (!probe) {
        throw new Error(`a ${setup.mode} thread has no stream scan`);
      }
      post({
        job: message.job,
        type: "done",
        found: probe.found(),
        short: probe.shortHits(),
        values: probe.values,
      });
      return;
    }
    if (message.type === "rewrite" || message.type === "scan" || message.type === "watch") {
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
