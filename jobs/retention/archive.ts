import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, open, readdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip, constants as zlib } from "node:zlib";
import type pg from "pg";
import { copyOut } from "../../schema/copy-out.ts";

/**
 * The archive store's side of archive-then-delete: gzip CSV files (Postgres's own CSV, a header
 * line of column names, NULL as an unquoted empty field, so `COPY ... FROM ... (FORMAT csv,
 * HEADER)` restores them), one per executed batch, under `<archiveDir>/retention/<request id>/
 * <table>/`, and a manifest listing every file with its row count and sha256, and each table's
 * columns and types.
 *
 * A batch file is streamed straight out of the batch's own `COPY (WITH d AS (DELETE ...
 * RETURNING ...)) TO STDOUT`, written under a temporary name, fsynced, renamed and its folder
 * fsynced before the batch's transaction commits. So a committed batch always has its file on
 * disk; a batch whose transaction never commits (crash) leaves at most a file that the retry of
 * that same batch number overwrites, and that the final manifest ignores.
 */

/** The archive's file format, named in the manifest. */
export const ARCHIVE_FORMAT = "csv+header;gzip";

export type ArchivePart = {
  table: string;
  batch: number;
  /** Relative to the archive directory. */
  path: string;
  rows: number;
  bytes: number;
  sha256: string;
};

/** A table's archived columns in file order, with their Postgres types. */
export type ArchiveColumns = { name: string; type: string }[];

export type ArchiveManifest = {
  requestId: string;
  createdAt: string;
  format: typeof ARCHIVE_FORMAT;
  tables: Record<string, { rows: number; files: number; columns: ArchiveColumns }>;
  files: ArchivePart[];
};

/** Where a request's archive lives. */
export function requestArchiveDir(archiveDir: string, requestId: string): string {
  return join(archiveDir, "retention", requestId);
}

export function batchFilePath(
  archiveDir: string,
  requestId: string,
  table: string,
  batch: number,
): string {
  return join(
    requestArchiveDir(archiveDir, requestId),
    table,
    `batch-${String(batch).padStart(6, "0")}.csv.gz`,
  );
}

class Hasher extends Transform {
  readonly hash = createHash("sha256");
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    done(null, chunk);
  }
}

/**
 * Runs `copySql` (a `COPY (...) TO STDOUT (FORMAT csv, HEADER)` statement) on `client` — inside
 * the caller's open transaction — and streams its output through gzip into `file`, durably (fsync
 * of the file and of its folder). Returns the rows written (header excluded), the compressed
 * size and its sha256.
 */
export async function copyToArchiveFile(
  client: pg.PoolClient,
  copySql: string,
  file: string,
  /** Called when the rows are written, before the fsync (the executor times the two apart). */
  onWritten?: () => void,
): Promise<{ rows: number; bytes: number; sha256: string }> {
  await mkdir(dirname(file), { recursive: true });
  // A name of its own: a second run of the same request never writes into this one's file.
  const tmp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  const hasher = new Hasher();
  const copy = client.query(copyOut(copySql));
  await pipeline(
    copy,
    // Level 1: archiving must keep up with the delete; CSV text still shrinks several times. A
    // 4 KB window (about ten rows back) costs two thirds of the 32 KB window's CPU and still
    // finds the repeats between neighbouring rows (the bench's rows shrink 5.3× instead of
    // 4.8×; text that repeats from further back shrinks less); any gunzip reads it.
    createGzip({ level: zlib.Z_BEST_SPEED, windowBits: 12 }),
    hasher,
    createWriteStream(tmp),
  );
  onWritten?.();
  const handle = await open(tmp, "r+");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
  await fsyncDir(dirname(file));
  return {
    // The server's own count (its `COPY n` reply): the rows written, the header not counted.
    rows: copy.rowCount,
    bytes: hasher.bytes,
    sha256: hasher.hash.digest("hex"),
  };
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes the request's manifest from the archive parts recorded in the database (the committed
 * batches) and removes any file a crashed batch left behind that no committed batch names.
 * Returns the manifest and its sha256.
 */
export async function writeManifest(
  archiveDir: string,
  requestId: string,
  parts: ArchivePart[],
  columns: Record<string, ArchiveColumns>,
): Promise<{ manifest: ArchiveManifest; path: string; sha256: string }> {
  const dir = requestArchiveDir(archiveDir, requestId);
  await mkdir(dir, { recursive: true });
  const tables: ArchiveManifest["tables"] = {};
  for (const part of parts) {
    const entry = tables[part.table] ?? { rows: 0, files: 0, columns: columns[part.table] ?? [] };
    entry.rows += part.rows;
    entry.files += 1;
    tables[part.table] = entry;
  }
  const manifest: ArchiveManifest = {
    requestId,
    createdAt: new Date().toISOString(),
    format: ARCHIVE_FORMAT,
    tables,
    files: parts,
  };
  await removeOrphans(archiveDir, dir, new Set(parts.map((p) => p.path)));
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  const path = join(dir, "manifest.json");
  await writeFile(`${path}.tmp`, text);
  const handle = await open(`${path}.tmp`, "r+");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(`${path}.tmp`, path);
  await fsyncDir(dir);
  return {
    manifest,
    path: relative(archiveDir, path),
    sha256: createHash("sha256").update(text).digest("hex"),
  };
}

async function removeOrphans(archiveDir: string, dir: string, keep: Set<string>): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) {
      continue;
    }
    const full = join(entry.parentPath, entry.name);
    const rel = relative(archiveDir, full);
    if ((rel.endsWith(".csv.gz") || rel.endsWith(".tmp")) && !keep.has(rel)) {
      await rm(full, { force: true });
    }
  }
}

/** sha256 of a file's bytes (to check an archive file against its manifest). */
export async function fileSha256(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
  }
  return hash.digest("hex");
}

/**
 * Reads an archive file back as rows keyed by the header's column names, values as Postgres
 * wrote them in CSV (text; an unquoted empty field is NULL). For tests and restores of small files.
 */
export async function readArchiveRows(file: string): Promise<Record<string, string | null>[]> {
  const chunks: Buffer[] = [];
  await pipeline(createReadStream(file), createGunzip(), async (source) => {
    for await (const chunk of source) {
      chunks.push(chunk as Buffer);
    }
  });
  const [header, ...records] = parseCsv(Buffer.concat(chunks).toString("utf8"));
  const names = (header ?? []).map((name) => name ?? "");
  return records.map((values) =>
    Object.fromEntries(names.map((name, i) => [name, values[i] ?? null])),
  );
}

/** RFC 4180 records as Postgres writes them: an unquoted empty field is null, `""` is "". */
export function parseCsv(text: string): (string | null)[][] {
  const records: (string | null)[][] = [];
  let record: (string | null)[] = [];
  let field = "";
  let quoted = false;
  let wasQuoted = false;
  const endField = () => {
    record.push(field === "" && !wasQuoted ? null : field);
    field = "";
    wasQuoted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
      wasQuoted = true;
    } else if (c === ",") {
      endField();
    } else if (c === "\n") {
      endField();
      records.push(record);
      record = [];
    } else if (c !== "\r" || text[i + 1] !== "\n") {
      field += c;
    }
  }
  if (field !== "" || wasQuoted || record.length > 0) {
    endField();
    records.push(record);
  }
  return records;
}
