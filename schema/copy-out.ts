import type { ReadableOptions } from "node:stream";
import { type CopyToStreamQuery, to as copyTo } from "pg-copy-streams";

/**
 * `COPY ... TO STDOUT` as a stream of large blocks (256 KB by default).
 *
 * pg-copy-streams' reader takes every CopyData message (one per row) out of the socket's data as
 * a Buffer of its own and joins them again per socket read: a million rows make a million small
 * objects for the garbage collector and copy every byte twice. This reader keeps pg-copy-streams'
 * hand-over of the connection (attach, detach, errors, row count) and replaces only the message
 * loop: payload bytes are copied once, straight into the block being filled, and a block is
 * handed on when it is full or the COPY ends. Consumers see the same bytes, cut elsewhere.
 */
export function copyOut(text: string, blockSize = 262_144): CopyToStreamQuery {
  return new BlockCopyOut(text, blockSize);
}

/** The pg-copy-streams internals this reader relies on (pg-copy-streams 7). */
type CopyToInternals = CopyToStreamQuery & {
  _buffer: { push(chunk: Buffer): void };
  _detach(): void;
  _cleanup(): void;
};

const CopyToBase = Object.getPrototypeOf(copyTo("")).constructor as new (
  text: string,
  options?: ReadableOptions,
) => CopyToInternals;

const COPY_DATA = 0x64; // 'd'
const ERROR_RESPONSE = 0x45; // 'E'
/** Messages that may come between CopyOutResponse and CopyDone; anything else ends the COPY. */
const IN_COPY = new Set([
  0x48, // CopyOutResponse 'H'
  COPY_DATA,
  0x53, // ParameterStatus 'S'
  0x4e, // NoticeResponse 'N'
  0x41, // NotificationResponse 'A'
]);

class BlockCopyOut extends CopyToBase {
  private block: Buffer;
  private filled = 0;
  /** Bytes of the current message not read yet, and whether they are row data. */
  private left = 0;
  private data = false;
  /** The message being read ends the COPY (CopyDone). */
  private ending = false;
  /** The start of a message header cut by the end of a socket read. */
  private head: Buffer | undefined;

  constructor(
    text: string,
    private readonly blockSize: number,
  ) {
    super(text);
    this.block = Buffer.allocUnsafe(blockSize);
  }

  /** Called by pg-copy-streams with each socket read; returns false to stop reading. */
  _parse(chunk: Buffer): boolean {
    const buf = this.head ? Buffer.concat([this.head, chunk]) : chunk;
    this.head = undefined;
    let drained = true;
    let pos = 0;
    for (;;) {
      if (this.left > 0) {
        const n = Math.min(this.left, buf.length - pos);
        if (this.data) {
          drained = this.append(buf, pos, n) && drained;
        }
        pos += n;
        this.left -= n;
        if (this.left > 0) {
          return drained;
        }
      }
      if (this.ending) {
        // After CopyDone: the rest (CommandComplete, ReadyForQuery) goes back to pg.
        if (this.filled > 0) {
          this.push(this.block.subarray(0, this.filled));
        }
        this._buffer.push(buf.subarray(pos));
        this._detach();
        this.push(null);
        this._cleanup();
        return false;
      }
      if (buf.length - pos < 5) {
        if (pos < buf.length) {
          this.head = Buffer.from(buf.subarray(pos));
        }
        return drained;
      }
      const code = buf[pos] as number;
      if (code === ERROR_RESPONSE) {
        // pg parses the error from here on and fails the query (handleError).
        this._buffer.push(buf.subarray(pos));
        this._detach();
        return false;
      }
      this.left = buf.readUInt32BE(pos + 1) - 4;
      this.data = code === COPY_DATA;
      this.ending = !IN_COPY.has(code);
      pos += 5;
    }
  }

  /** Copies row bytes into the block, handing on every block that fills up. */
  private append(buf: Buffer, start: number, length: number): boolean {
    let drained = true;
    let pos = start;
    const end = start + length;
    while (pos < end) {
      const n = Math.min(end - pos, this.blockSize - this.filled);
      buf.copy(this.block, this.filled, pos, pos + n);
      this.filled += n;
      pos += n;
      if (this.filled === this.blockSize) {
        drained = this.push(this.block) && drained;
        this.block = Buffer.allocUnsafe(this.blockSize);
        this.filled = 0;
      }
    }
    return drained;
  }
}

/**
 * Hands `take` each line of a `COPY ... TO STDOUT` in text format (no newline). Lines are cut
 * out of whole blocks decoded at once: readline decodes and splits the same text at twice the
 * cost, and hands each line on through an event and a promise.
 */
export async function eachCopyLine(
  copy: AsyncIterable<Buffer>,
  take: (line: string) => void,
): Promise<void> {
  let rest: Buffer | undefined;
  for await (const chunk of copy) {
    const data = rest ? Buffer.concat([rest, chunk]) : chunk;
    const end = data.lastIndexOf(10);
    // The bytes after the last newline (a row cut by the block's end) wait for the next block.
    rest = end + 1 < data.length ? Buffer.from(data.subarray(end + 1)) : undefined;
    if (end < 0) {
      continue;
    }
    const text = data.toString("utf8", 0, end);
    for (let at = 0; at <= text.length; ) {
      const nl = text.indexOf("\n", at);
      const stop = nl < 0 ? text.length : nl;
      take(text.slice(at, stop));
      at = stop + 1;
    }
  }
  if (rest !== undefined) {
    take(rest.toString("utf8"));
  }
}

const UNESCAPE: Record<string, string> = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v" };

/** One field of a line of COPY's text format: `\N` is null, backslash escapes undone. */
export function copyField(raw: string): string | null {
  if (raw === "\\N") {
    return null;
  }
  return raw.includes("\\") ? raw.replace(/\\(.)/g, (_, c: string) => UNESCAPE[c] ?? c) : raw;
}
