import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { mkdir, rename, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";

/**
 * The files of an access package and the package itself. Each table is written as it is read
 * (JSON array and CSV side by side, one row at a time: never a whole table in memory), each file
 * hashed; the package is a gzipped POSIX tar (ustar) streamed from those files, so any `tar`
 * opens it and the manifest's sha256 of each file can be checked with `sha256sum`.
 */

export type PackageFile = { path: string; bytes: number; sha256: string };

/** Writes one table's rows as `<base>.json` (an array of objects) and `<base>.csv`. */
export class TableWriter {
  private readonly json: WriteStream;
  private readonly csv: WriteStream;
  private rows = 0;

  private constructor(
    private readonly root: string,
    private readonly base: string,
    private readonly columns: string[],
  ) {
    this.json = createWriteStream(join(root, `${base}.json`));
    this.csv = createWriteStream(join(root, `${base}.csv`));
  }

  static async open(root: string, base: string, columns: string[]): Promise<TableWriter> {
    await mkdir(dirname(join(root, base)), { recursive: true });
    const writer = new TableWriter(root, base, columns);
    await writer.write(writer.json, "[");
    await writer.write(writer.csv, `${columns.map(csvField).join(",")}\r\n`);
    return writer;
  }

  /** Waits for the stream to drain when its buffer is full (backpressure). */
  private write(stream: WriteStream, text: string): Promise<void> {
    return stream.write(text)
      ? Promise.resolve()
      : new Promise((resolve) => stream.once("drain", () => resolve()));
  }

  async add(row: Record<string, unknown>): Promise<void> {
    const ordered = Object.fromEntries(this.columns.map((c) => [c, row[c] ?? null]));
    await this.write(this.json, `${this.rows === 0 ? "\n" : ",\n"}${JSON.stringify(ordered)}`);
    await this.write(this.csv, `${this.columns.map((c) => csvField(row[c])).join(",")}\r\n`);
    this.rows++;
  }

  /** Closes both files and returns them, hashed. */
  async close(): Promise<PackageFile[]> {
    await this.write(this.json, this.rows ? "\n]\n" : "]\n");
    await Promise.all(
      [this.json, this.csv].map((s) => new Promise<void>((resolve) => s.end(() => resolve()))),
    );
    return Promise.all(
      [`${this.base}.json`, `${this.base}.csv`].map((path) => hashFile(this.root, path)),
    );
  }
}

/** A CSV field (RFC 4180): objects as JSON, dates as ISO, quoted when needed. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) {
    return "";
  }
  const text =
    value instanceof Date
      ? value.toISOString()
      : Buffer.isBuffer(value)
        ? `\\x${value.toString("hex")}`
        : typeof value === "object"
          ? JSON.stringify(value)
          : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export async function hashFile(root: string, path: string): Promise<PackageFile> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(join(root, path))) {
    hash.update(chunk as Buffer);
  }
  return { path, bytes: (await stat(join(root, path))).size, sha256: hash.digest("hex") };
}

/** A ustar header block for a regular file. */
function tarHeader(name: string, size: number, mtime: Date): Buffer {
  if (Buffer.byteLength(name) > 100) {
    throw new Error(`package entry name too long: ${name}`);
  }
  const block = Buffer.alloc(512);
  block.write(name, 0, 100, "utf8");
  block.write("0000644\0", 100);
  block.write("0000000\0", 108);
  block.write("0000000\0", 116);
  block.write(`${size.toString(8).padStart(11, "0")}\0`, 124);
  block.write(
    `${Math.floor(mtime.getTime() / 1000)
      .toString(8)
      .padStart(11, "0")}\0`,
    136,
  );
  block.write("        ", 148);
  block.write("0", 156);
  block.write("ustar\0", 257);
  block.write("00", 263);
  let sum = 0;
  for (const byte of block) {
    sum += byte;
  }
  block.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  return block;
}

async function* tarStream(root: string, files: PackageFile[], mtime: Date) {
  for (const file of files) {
    yield tarHeader(file.path, file.bytes, mtime);
    for await (const chunk of createReadStream(join(root, file.path))) {
      yield chunk as Buffer;
    }
    const pad = (512 - (file.bytes % 512)) % 512;
    if (pad) {
      yield Buffer.alloc(pad);
    }
  }
  yield Buffer.alloc(1024);
}

/**
 * Streams `files` (under `root`) into a gzipped tar at `target`, written beside it first and
 * renamed into place, so a half-written package is never the one downloaded.
 */
export async function writeTarGz(
  root: string,
  files: PackageFile[],
  target: string,
  mtime: Date,
): Promise<{ bytes: number; sha256: string }> {
  await mkdir(dirname(target), { recursive: true });
  const hash = createHash("sha256");
  let bytes = 0;
  const tee = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  const partial = `${target}.partial`;
  await pipeline(
    Readable.from(tarStream(root, files, mtime)),
    createGzip(),
    tee,
    createWriteStream(partial),
  );
  await rename(partial, target);
  return { bytes, sha256: hash.digest("hex") };
}
