import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { LOAD_ORDER, TABLES, type TableName } from "./tables.ts";

/**
 * Streams generated rows into PostgreSQL with COPY ... FROM STDIN (text format).
 *
 * Generators append finished lines to per-table buffers; full buffers are appended to the
 * current *segment*: one spool file per table in a temporary directory. When a segment holds
 * `segmentBytes` it is closed and its files are loaded, each with one COPY, by a few loader
 * connections while the generator fills the next segment. The generator waits in `pace()` while
 * a whole segment is still waiting to load, so memory holds only the buffers (a few MiB per
 * table) and the disk at most about two segments, however many rows are generated.
 *
 * Why segments rather than streaming every buffer straight into its own COPY: the tables' keys
 * are random UUIDs, and loading 27 tables in small interleaved chunks makes every chunk start
 * with cold index pages. Measured on this 2-core machine (shared_buffers 128 MB, run-to-run
 * noise about ±20%): at 400k customers interleaved 4 MiB COPYs ran at 0.48x a table-at-a-time
 * raw COPY of the same rows, segments at 0.84x; 1M customers took 19 min instead of 20.5 and a
 * third less memory.
 *
 * As superuser the loaders run with session_replication_role = replica (what pg_restore
 * --disable-triggers does): foreign-key triggers and the per-row audit trigger are skipped, which
 * is only acceptable because the generators' output is FK-correct by construction (the tests
 * check every constraint in pg_constraint). Files may then load in any order and in parallel.
 * Without superuser (a BYPASSRLS role is still needed: PostgreSQL refuses COPY FROM under forced
 * row-level security) the loader falls back to one connection with constraints and triggers
 * active, loading each segment's files in foreign-key order so parents commit before children.
 */

export type CopyProgress = { table: string; rows: number; done: boolean };

export type CopyLoaderOptions = {
  /** Loader connections when triggers can be disabled (more than the cores only adds contention). */
  connections?: number;
  /** In-memory buffer per table before it is appended to the segment's spool file. */
  chunkBytes?: number;
  /** Spooled bytes after which a segment is closed and loaded. */
  segmentBytes?: number;
  /** Skip FK and audit triggers when the role may (default true); false forces checked loading. */
  disableTriggers?: boolean;
  onProgress?: (p: CopyProgress) => void;
};

type Chunk = { table: TableName; parts: Buffer[]; bytes: number; rows: number };

/** One table's spool file within a segment. */
type SpoolFile = { table: TableName; path: string; fd: number; bytes: number; rows: number };

const DEFAULT_CHUNK_BYTES = 1 << 20;
/**
 * About 17k customers' rows: tens of thousands of rows of each big table per COPY, so that its
 * index pages stay warm during the statement. The disk holds at most about two segments.
 */
const DEFAULT_SEGMENT_BYTES = 512 << 20;
/** The first segment, doubled for each next one up to `segmentBytes`. */
const FIRST_SEGMENT_BYTES = 32 << 20;

/**
 * Rows for one table, waiting to be spooled. Lines are encoded into a byte buffer
 * as they arrive instead of being kept as strings: a string kept until its chunk is flushed
 * survives several young-generation collections and gets promoted, and with hundreds of
 * thousands of them garbage collection dominated the generator's CPU time; bytes written at
 * once leave only short-lived garbage and need no join or re-encoding later.
 */
export class TableBuffer {
  private filled: Buffer[] = [];
  private buf: Buffer;
  private pos = 0;
  /** Bytes waiting (filled buffers and the current one). */
  bytes = 0;
  rows = 0;

  constructor(
    readonly table: TableName,
    private readonly capacity = DEFAULT_CHUNK_BYTES,
  ) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /** Appends one finished COPY line (fields joined by TAB, ending with "\n"). */
  add(line: string): void {
    // A UTF-16 code unit never takes more than 3 bytes in UTF-8.
    if (this.pos + line.length * 3 > this.buf.length) {
      this.spill(line.length * 3);
    }
    const written = this.buf.write(line, this.pos);
    this.pos += written;
    this.bytes += written;
    this.rows++;
  }

  private spill(need: number): void {
    if (this.pos > 0) {
      this.filled.push(this.buf.subarray(0, this.pos));
    }
    this.buf = Buffer.allocUnsafe(Math.max(this.capacity, need));
    this.pos = 0;
  }

  take(): Chunk {
    if (this.pos > 0) {
      this.filled.push(this.buf.subarray(0, this.pos));
      // The rest of the current buffer stays in use for the next lines.
      this.buf = this.buf.subarray(this.pos);
      this.pos = 0;
      if (this.buf.length < 64 * 1024) {
        this.buf = Buffer.allocUnsafe(this.capacity);
      }
    }
    const chunk = { table: this.table, parts: this.filled, bytes: this.bytes, rows: this.rows };
    this.filled = [];
    this.bytes = 0;
    this.rows = 0;
    return chunk;
  }
}

export type Sinks = { [K in TableName]: TableBuffer };

export class CopyLoader {
  readonly sinks: Sinks;
  /** Rows committed per table. */
  readonly loaded: Record<string, number> = {};
  private readonly dir: string;
  private segment = new Map<TableName, SpoolFile>();
  private segmentCount = 0;
  private spooledBytes = 0;
  /**
   * Segments start small and double up to `segmentBytes`, so that loading starts early (small
   * seeds like npm start's overlap generation and loading too) and big seeds get big segments.
   */
  private segmentLimit: number;
  /** Closed segment files waiting for a loader, in the order they must be loaded. */
  private readonly queue: SpoolFile[] = [];
  /** Bytes closed but not yet committed. */
  private pendingBytes = 0;
  private failure: unknown;
  private waitingWorkers: (() => void)[] = [];
  private waitingGenerator: (() => void) | undefined;
  private readonly workers: Promise<void>[] = [];
  private closing = false;

  private constructor(
    clients: pg.PoolClient[],
    /** True when FK and audit triggers are off on the loader connections. */
    readonly triggersDisabled: boolean,
    private readonly chunkBytes: number,
    private readonly segmentBytes: number,
    private readonly onProgress?: (p: CopyProgress) => void,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), "govern-seed-"));
    this.segmentLimit = Math.min(segmentBytes, FIRST_SEGMENT_BYTES);
    this.sinks = Object.fromEntries(
      LOAD_ORDER.map((t) => [t, new TableBuffer(t, chunkBytes)]),
    ) as Sinks;
    for (const t of LOAD_ORDER) {
      this.loaded[t] = 0;
    }
    for (const client of clients) {
      this.workers.push(this.work(client));
    }
  }

  /** Checks out loader connections from `pool` and prepares them for bulk loading. */
  static async open(pool: pg.Pool, options: CopyLoaderOptions = {}): Promise<CopyLoader> {
    const poolMax = (pool as unknown as { options?: { max?: number } }).options?.max ?? 10;
    const wanted = Math.max(1, Math.min(options.connections ?? 2, poolMax));
    const first = await pool.connect();
    let triggersDisabled: boolean;
    try {
      const role = await first.query<{ rolsuper: boolean; rolbypassrls: boolean }>(
        "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user",
      );
      const { rolsuper = false, rolbypassrls = false } = role.rows[0] ?? {};
      if (!rolsuper && !rolbypassrls) {
        throw new Error(
          "bulk loading needs a superuser or BYPASSRLS role: PostgreSQL refuses COPY FROM into tables with forced row-level security",
        );
      }
      triggersDisabled = await prepare(first, rolsuper && options.disableTriggers !== false);
    } catch (error) {
      first.release(true);
      throw error;
    }
    const clients = [first];
    try {
      // With triggers on, files must commit in FK order: one connection only.
      for (let i = 1; triggersDisabled && i < wanted; i++) {
        const client = await pool.connect();
        clients.push(client);
        await prepare(client, true);
      }
    } catch (error) {
      for (const client of clients) {
        client.release(true);
      }
      throw error;
    }
    return new CopyLoader(
      clients,
      triggersDisabled,
      options.chunkBytes ?? DEFAULT_CHUNK_BYTES,
      options.segmentBytes ?? DEFAULT_SEGMENT_BYTES,
      options.onProgress,
    );
  }

  /**
   * Called by generators between batches: spools full buffers, closes the segment when it is
   * big enough, and waits while a whole segment is still waiting to load. Always yields to the
   * event loop so the loaders' sockets make progress.
   */
  async pace(): Promise<void> {
    this.throwIfFailed();
    for (const t of LOAD_ORDER) {
      if (this.sinks[t].bytes >= this.chunkBytes) {
        this.spool(this.sinks[t].take());
      }
    }
    if (this.spooledBytes >= this.segmentLimit) {
      this.closeSegment();
      this.segmentLimit = Math.min(this.segmentBytes, this.segmentLimit * 2);
    }
    while (this.pendingBytes > this.segmentBytes && this.failure === undefined) {
      await new Promise<void>((resolve) => {
        this.waitingGenerator = resolve;
      });
    }
    this.throwIfFailed();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Spools and loads everything left, waits for the last COPY to commit, returns connections. */
  async finish(): Promise<void> {
    try {
      this.throwIfFailed();
      this.closeSegment();
      this.close();
      await Promise.all(this.workers);
      this.throwIfFailed();
    } finally {
      this.removeSpool();
    }
    for (const t of LOAD_ORDER) {
      this.onProgress?.({ table: t, rows: this.loaded[t] ?? 0, done: true });
    }
  }

  /** Stops loading after a failure elsewhere: queued files are dropped, connections returned. */
  async abort(reason: unknown): Promise<void> {
    if (this.failure === undefined) {
      this.failure = reason;
    }
    this.queue.length = 0;
    this.close();
    await Promise.allSettled(this.workers);
    this.removeSpool();
  }

  private spool(chunk: Chunk): void {
    let file = this.segment.get(chunk.table);
    if (!file) {
      const path = join(this.dir, `${this.segmentCount}-${chunk.table}.tsv`);
      file = { table: chunk.table, path, fd: openSync(path, "w"), bytes: 0, rows: 0 };
      this.segment.set(chunk.table, file);
    }
    for (const part of chunk.parts) {
      for (let offset = 0; offset < part.length; ) {
        offset += writeSync(file.fd, part, offset);
      }
    }
    file.bytes += chunk.bytes;
    file.rows += chunk.rows;
    this.spooledBytes += chunk.bytes;
  }

  /** Spools what is buffered, closes the segment's files and queues them for loading. */
  private closeSegment(): void {
    for (const t of LOAD_ORDER) {
      if (this.sinks[t].rows > 0) {
        this.spool(this.sinks[t].take());
      }
    }
    // FK order when checks are on; otherwise biggest first, so the last file to finish is small.
    const files = LOAD_ORDER.map((t) => this.segment.get(t)).filter((f) => f !== undefined);
    if (this.triggersDisabled) {
      files.sort((a, b) => b.bytes - a.bytes);
    }
    for (const file of files) {
      closeSync(file.fd);
      this.queue.push(file);
      this.pendingBytes += file.bytes;
    }
    this.segment = new Map();
    this.segmentCount++;
    this.spooledBytes = 0;
    for (const wake of this.waitingWorkers.splice(0)) {
      wake();
    }
  }

  private close(): void {
    this.closing = true;
    for (const wake of this.waitingWorkers.splice(0)) {
      wake();
    }
  }

  private removeSpool(): void {
    for (const file of this.segment.values()) {
      closeSync(file.fd);
    }
    this.segment.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) {
      throw this.failure;
    }
  }

  private wakeGenerator(): void {
    const wake = this.waitingGenerator;
    this.waitingGenerator = undefined;
    wake?.();
  }

  private async work(client: pg.PoolClient): Promise<void> {
    let broken = false;
    try {
      for (;;) {
        const file = this.queue.shift();
        if (file === undefined) {
          if (this.closing || this.failure !== undefined) {
            break;
          }
          await new Promise<void>((resolve) => {
            this.waitingWorkers.push(resolve);
          });
          continue;
        }
        try {
          await copyFile(client, file);
        } finally {
          this.pendingBytes -= file.bytes;
          rmSync(file.path, { force: true });
        }
        this.loaded[file.table] = (this.loaded[file.table] ?? 0) + file.rows;
        this.onProgress?.({ table: file.table, rows: this.loaded[file.table] ?? 0, done: false });
        if (this.pendingBytes <= this.segmentBytes) {
          this.wakeGenerator();
        }
      }
    } catch (error) {
      broken = true;
      if (this.failure === undefined) {
        this.failure = error;
      }
      this.queue.length = 0;
      this.close();
      this.wakeGenerator();
    } finally {
      if (!broken) {
        await restore(client).catch(() => {
          broken = true;
        });
      }
      client.release(broken);
    }
  }
}

/**
 * Session settings for bulk loading. synchronous_commit = off: every file commits, and waiting
 * for each WAL flush buys nothing here; a crash can only lose the last files, never corrupt.
 * Returns whether triggers could be disabled (superuser only).
 */
async function prepare(client: pg.PoolClient, disableTriggers: boolean): Promise<boolean> {
  await client.query("SET synchronous_commit = off");
  if (!disableTriggers) {
    return false;
  }
  try {
    await client.query("SET session_replication_role = replica");
    return true;
  } catch {
    return false;
  }
}

/** The pool is shared with the application: leave its connections as we found them. */
async function restore(client: pg.PoolClient): Promise<void> {
  await client.query("RESET session_replication_role; RESET synchronous_commit");
}

/** One COPY statement per spool file, streamed from disk (pipeline handles backpressure). */
async function copyFile(client: pg.PoolClient, file: SpoolFile): Promise<void> {
  const columns = TABLES[file.table].join(", ");
  const sink = client.query(copyFrom(`COPY ${file.table} (${columns}) FROM STDIN`));
  await pipeline(createReadStream(file.path, { highWaterMark: 256 * 1024 }), sink);
}
