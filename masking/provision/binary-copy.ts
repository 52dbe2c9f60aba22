import { Transform, type TransformCallback } from "node:stream";

/**
 * A transform over PostgreSQL's binary COPY stream that rewrites some fields of every tuple and
 * passes the rest through byte for byte: header, then per tuple an int16 field count and per
 * field an int32 length (-1 for null) and its bytes, then the trailer (count -1). Only the
 * fields with a rewriter are decoded; a tuple is never held beyond the chunk it arrives in.
 */

const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "binary");

/** Rewrites one field's bytes (never called for nulls); returns the new bytes. */
export type FieldRewriter = (bytes: Buffer) => Buffer;

export class BinaryCopyRewriter extends Transform {
  private pending: Buffer = Buffer.alloc(0);
  private headerDone = false;
  private ended = false;

  constructor(private readonly rewriters: ReadonlyMap<number, FieldRewriter>) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: string, done: TransformCallback): void {
    try {
      this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
      this.push(this.drain());
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    if (this.pending.length > 0 || !this.ended) {
      done(new Error("binary COPY stream ended mid-tuple"));
      return;
    }
    done();
  }

  /** Consumes every complete tuple of `pending`; returns their rewritten bytes. */
  private drain(): Buffer {
    const out: Buffer[] = [];
    let buf = this.pending;
    let at = 0;
    if (!this.headerDone) {
      if (buf.length < 19) {
        return Buffer.alloc(0);
      }
      if (!buf.subarray(0, 11).equals(SIGNATURE)) {
        throw new Error("not a binary COPY stream");
      }
      const headerEnd = 19 + buf.readUInt32BE(15);
      if (buf.length < headerEnd) {
        return Buffer.alloc(0);
      }
      out.push(buf.subarray(0, headerEnd));
      at = headerEnd;
      this.headerDone = true;
    }
    while (at + 2 <= buf.length && !this.ended) {
      const count = buf.readInt16BE(at);
      if (count === -1) {
        out.push(buf.subarray(at, at + 2));
        at += 2;
        this.ended = true;
        break;
      }
      // Find the tuple's end first: only complete tuples are rewritten.
      let p = at + 2;
      let complete = true;
      for (let f = 0; f < count; f++) {
        if (p + 4 > buf.length) {
          complete = false;
          break;
        }
        const len = buf.readInt32BE(p);
        p += 4 + Math.max(0, len);
        if (p > buf.length) {
          complete = false;
          break;
        }
      }
      if (!complete) {
        break;
      }
      out.push(this.rewriteTuple(buf, at, count));
      at = p;
    }
    buf = buf.subarray(at);
    this.pending = buf.length ? Buffer.from(buf) : Buffer.alloc(0);
    return out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out);
  }

  private rewriteTuple(buf: Buffer, start: number, count: number): Buffer {
    const parts: Buffer[] = [buf.subarray(start, start + 2)];
    let p = start + 2;
    let runStart = p;
    for (let f = 0; f < count; f++) {
      const len = buf.readInt32BE(p);
      const rewrite = this.rewriters.get(f);
      if (rewrite && len >= 0) {
        parts.push(buf.subarray(runStart, p));
        const bytes = rewrite(buf.subarray(p + 4, p + 4 + len));
        const head = Buffer.allocUnsafe(4);
        head.writeInt32BE(bytes.length);
        parts.push(head, bytes);
        p += 4 + len;
        runStart = p;
      } else {
        p += 4 + Math.max(0, len);
      }
    }
    parts.push(buf.subarray(runStart, p));
    return Buffer.concat(parts);
  }
}
