import { Transform, type TransformCallback, Writable } from "node:stream";
import { Worker } from "node:worker_threads";
import type { ShortHits } from "../leak-scan/chance.ts";
import type { HashSet64State } from "../leak-scan/hash-set.ts";
import type { FieldKind, TableScanResult } from "../leak-scan/table-scan.ts";
import type { TablePlan } from "../provision/plan.ts";
import type { FromThread, StreamFields, ThreadSetup, ToThread } from "./protocol.ts";

/**
 * Masking threads: the per-value work of provisioning (rewriting free text and JSON on the COPY
 * stream, cutting and hashing the target's values in the leak scan) runs on threads of its own,
 * one per copy or scan connection, so it uses every core instead of queueing on the main
 * thread, which only moves the streams' bytes. A thread never loads embedded ClickHouse (it
 * imports masking modules only).
 */

/** Chunks a stream may have on its thread at once: enough to keep the thread busy. */
const IN_FLIGHT = 4;
/** COPY's chunks are gathered to about this size before they go: fewer, larger messages. */
const BATCH_BYTES = 256 * 1024;

const ENTRY = new URL("./worker.mjs", import.meta.url);

export class MaskingThread {
  private jobs = 0;
  private current: ThreadJob | undefined;
  private failure: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on("message", (message: FromThread) => {
      if (this.current && message.job === this.current.id) {
        this.current.answer(message);
      }
    });
    const fail = (error: Error) => {
      this.failure ??= error;
      this.current?.fail(error);
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`masking thread stopped (exit code ${code})`)));
  }

  /** Starts a thread; resolves once it runs. */
  static start(setup: ThreadSetup): Promise<MaskingThread> {
    const worker = new Worker(ENTRY, { workerData: setup });
    return new Promise((resolve, reject) => {
      worker.once("online", () => resolve(new MaskingThread(worker)));
      worker.once("error", reject);
    });
  }

  /**
   * A transform that rewrites a table's binary COPY stream on this thread; at its end,
   * `images` gets the hashes of the format-kept values it made (see images.ts).
   */
  rewriter(
    table: TablePlan,
    images: (pairs: Uint32Array) => void,
    fields: StreamFields,
  ): Transform {
    const job = this.begin({ type: "rewrite", table, fields });
    const stream = new Transform({
      transform(chunk: Buffer, _encoding, done: TransformCallback) {
        job.send(chunk).then(() => done(), done);
      },
      flush(done: TransformCallback) {
        job.end().then((result) => {
          images(result.images ?? new Uint32Array(0));
          done();
        }, done);
      },
    });
    job.onBytes = (bytes) => stream.push(bytes);
    return stream;
  }

  /**
   * A pass-through for a table's binary COPY stream that needs no rewriting: each chunk goes on
   * unchanged at once, and a copy of it to this thread's stream scan (stream-scan.ts), which
   * holds the stream back when it falls behind.
   */
  watcher(fields: StreamFields): Transform {
    const job = this.begin({ type: "watch", fields });
    return new Transform({
      transform(chunk: Buffer, _encoding, done: TransformCallback) {
        this.push(chunk);
        job.send(chunk).then(() => done(), done);
      },
      flush(done: TransformCallback) {
        job.end().then(() => done(), done);
      },
    });
  }

  /** Hands the source's complete identifiers to this thread's stream scan. */
  sendIdentifiers(identifiers: HashSet64State): void {
    this.post({ job: 0, type: "identifiers", identifiers });
  }

  /** What this thread's stream scan found (after useIdentifiers), and how many values it read. */
  async collect(): Promise<{ found: Uint32Array; short: ShortHits[]; values: number }> {
    const job = this.begin({ type: "collect" });
    const answer = await job.result();
    return {
      found: answer.found ?? new Uint32Array(0),
      short: answer.short ?? [],
      values: answer.values ?? 0,
    };
  }

  /** A sink that scans a table's binary COPY stream on this thread, and its result. */
  scanner(kinds: FieldKind[]): { sink: Writable; result: () => TableScanResult } {
    const job = this.begin({ type: "scan", kinds });
    let result: TableScanResult | undefined;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        job.send(chunk).then(() => done(), done);
      },
      final(done) {
        job.end().then((answer) => {
          result = answer.scan;
          done();
        }, done);
      },
    });
    return {
      sink,
      result: () => {
        if (!result) {
          throw new Error("the scan has not finished");
        }
        return result;
      },
    };
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners("exit");
    await this.worker.terminate();
  }

  private begin(
    start:
      | { type: "rewrite"; table: TablePlan; fields: StreamFields }
      | { type: "watch"; fields: StreamFields }
      | { type: "collect" }
      | { type: "scan"; kinds: FieldKind[] },
  ): ThreadJob {
    this.current?.fail(new Error("a new job started on this thread"));
    const job = new ThreadJob(++this.jobs, (message) => this.post(message));
    this.current = job;
    if (this.failure) {
      job.fail(this.failure);
    } else {
      this.post({ job: job.id, ...start } as ToThread);
    }
    return job;
  }

  private post(message: ToThread): void {
    if (message.type === "chunk") {
      this.worker.postMessage(message, [message.bytes.buffer as ArrayBuffer]);
    } else {
      this.worker.postMessage(message);
    }
  }
}

/** What a thread answers at a job's end. */
type JobResult = {
  scan?: TableScanResult;
  images?: Uint32Array;
  found?: Uint32Array;
  short?: ShortHits[];
  values?: number;
};

/** One stream's job on a thread: chunks in flight, the answers, the end. */
class ThreadJob {
  onBytes: (bytes: Buffer) => void = () => {};
  private inFlight = 0;
  private batch: Buffer[] = [];
  private batched = 0;
  private wake: (() => void) | undefined;
  private finished:
    | { resolve: (result: JobResult) => void; reject: (e: Error) => void }
    | undefined;
  private error: Error | undefined;

  constructor(
    readonly id: number,
    private readonly post: (message: ToThread) => void,
  ) {}

  /**
   * Adds a chunk; a batch of BATCH_BYTES goes to the thread (copied: the thread takes the
   * copy's memory), then waits while IN_FLIGHT batches are out.
   */
  async send(chunk: Buffer): Promise<void> {
    if (this.error) {
      throw this.error;
    }
    this.batch.push(chunk);
    this.batched += chunk.length;
    if (this.batched < BATCH_BYTES) {
      return;
    }
    this.flushBatch();
    while (this.inFlight >= IN_FLIGHT && !this.error) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    if (this.error) {
      throw this.error;
    }
  }

  /** Ends the stream; resolves with the thread's result once every chunk is answered. */
  end(): Promise<JobResult> {
    if (this.error) {
      return Promise.reject(this.error);
    }
    if (this.batched > 0) {
      this.flushBatch();
    }
    return new Promise((resolve, reject) => {
      this.finished = { resolve, reject };
      this.post({ job: this.id, type: "end" });
    });
  }

  /** Resolves with the job's `done` answer (a job posted whole, with nothing to stream). */
  result(): Promise<JobResult> {
    if (this.error) {
      return Promise.reject(this.error);
    }
    return new Promise((resolve, reject) => {
      this.finished = { resolve, reject };
    });
  }

  answer(message: FromThread): void {
    switch (message.type) {
      case "bytes":
        this.onBytes(
          Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength),
        );
        this.answered();
        return;
      case "ack":
        this.answered();
        return;
      case "done":
        this.finished?.resolve(message);
        return;
      case "error":
        this.fail(new Error(message.message));
        return;
    }
  }

  fail(error: Error): void {
    this.error ??= error;
    this.wake?.();
    this.finished?.reject(this.error);
  }

  private flushBatch(): void {
    const bytes = new Uint8Array(this.batched);
    let at = 0;
    for (const chunk of this.batch) {
      bytes.set(chunk, at);
      at += chunk.length;
    }
    this.batch = [];
    this.batched = 0;
    this.post({ job: this.id, type: "chunk", bytes });
    this.inFlight++;
  }

  private answered(): void {
    this.inFlight--;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
