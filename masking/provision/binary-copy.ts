import { Transform, type TransformCallback } from "node:stream";

/**
 * PostgreSQL's binary COPY stream, tuple by tuple: header, then per tuple an int16 field count
 * and per field an int32 length (-1 for null) and its bytes, then the trailer (count -1).
 * BinaryTuples cuts a stream arriving in arbitrary chunks into complete tuples; BinaryCopyRewrite
 * rewrites some fields of every tuple and passes the rest through byte for byte. Only the fields
 * with a rewriter are decoded; a tuple is never held beyond the chunk it completes in.
 */

const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "binary");

/**
 * Rewrites one field's bytes (never called for nulls); returns the new value: a string is
 * written as UTF-8, a Buffer as it is (a binary form, such as an array's).
 */
export type FieldRewriter = (bytes: Buffer) => string | Buffer;

/**
 * A binary array's header (array_send: dimensions, null flag, element type, then each
 * dimension's size and lower bound) at `at`: how many elements follow, and where the first one's
 * length word is.
 */
export function arrayHeader(buf: Buffer, at: number): { count: number; first: number } {
  const ndim = buf.readInt32BE(at);
  let p = at + 12;
  let count = ndim === 0 ? 0 : 1;
  for (let d = 0; d < ndim; d++) {
    count *= buf.readInt32BE(p);
    p += 8;
  }
  return { count, first: p };
}

/**
 * Receives the parts of a binary COPY stream in order: the header's bytes, each complete tuple
 * (`buf` from `start` to `end`, `count` fields after the count), and the trailer's bytes. The
 * buffers are the chunk pushed or one made for that push, never written to afterwards.
 */
export type TupleSink = {
  header: (bytes: Buffer) => void;
  tuple: (buf: Buffer, start: number, count: number, end: number) => void;
  trailer: (bytes: Buffer) => void;
};

export class BinaryTuples {
  private pending: Buffer = Buffer.alloc(0);
  private headerDone = false;
  private ended = false;

  constructor(private readonly sink: TupleSink) {}

  /** Hands every tuple this chunk completes to the sink. */
  push(chunk: Buffer): void {
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let at = 0;
    if (!this.headerDone) {
      if (buf.length < 19) {
        this.pending = Buffer.from(buf);
        return;
      }
      if (!buf.subarray(0, 11).equals(SIGNATURE)) {
        throw new Error("not a binary COPY stream");
      }
      const headerEnd = 19 + buf.readUInt32BE(15);
      if (buf.length < headerEnd) {
        this.pending = Buffer.from(buf);
        return;
      }
      this.sink.header(buf.subarray(0, headerEnd));
      at = headerEnd;
      this.headerDone = true;
    }
    while (at + 2 <= buf.length && !this.ended) {
      const count = buf.readInt16BE(at);
      if (count === -1) {
        this.sink.trailer(buf.subarray(at, at + 2));
        at += 2;
        this.ended = true;
        break;
      }
      // Find the tuple's end first: only complete tuples go to the sink.
      let p = at + 2;
      let complete = true;
      for (let f = 0; f < count; f++) {
        if (p + 4 > buf.length) {
          complete = false;
          break;
        }
        p += 4 + Math.max(0, buf.readInt32BE(p));
        if (p > buf.length) {
          complete = false;
          break;
        }
      }
      if (!complete) {
        break;
      }
      this.sink.tuple(buf, at, count, p);
      at = p;
    }
    buf = buf.subarray(at);
    this.pending = buf.length ? Buffer.from(buf) : Buffer.alloc(0);
  }

  /** Throws when the stream stopped before its trailer. */
  end(): void {
    if (this.pending.length > 0 || !this.ended) {
      throw new Error("binary COPY stream ended mid-tuple");
    }
  }
}

/**
 * Rewrites the fields that have a rewriter (by position) in every tuple of a stream. Each chunk's
 * output is written into one buffer of its own (it may be handed to another thread): the kept
 * runs of bytes copied once, the new fields encoded straight into it.
 */
export class BinaryCopyRewrite {
  private out: Buffer = Buffer.alloc(0);
  private at = 0;
  private readonly tuples: BinaryTuples;

  constructor(private readonly rewriters: ReadonlyMap<number, FieldRewriter>) {
    const keep = (bytes: Buffer) => {
      this.copy(bytes, 0, bytes.length);
    };
    this.tuples = new BinaryTuples({
      header: keep,
      trailer: keep,
      tuple: (buf, start, count, end) => {
        this.rewriteTuple(buf, start, count, end);
      },
    });
  }

  /** The bytes to write for this chunk: every tuple it completes, rewritten. */
  rewrite(chunk: Buffer): Buffer {
    this.out = Buffer.allocUnsafeSlow(chunk.length + (chunk.length >> 2) + 1024);
    this.at = 0;
    this.tuples.push(chunk);
    return this.out.subarray(0, this.at);
  }

  end(): void {
    this.tuples.end();
  }

  private reserve(bytes: number): void {
    if (this.at + bytes > this.out.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(2 * this.out.length, this.at + bytes));
      this.out.copy(grown, 0, 0, this.at);
      this.out = grown;
    }
  }

  private copy(buf: Buffer, start: number, end: number): void {
    this.reserve(end - start);
    this.at += buf.copy(this.out, this.at, start, end);
  }

  private rewriteTuple(buf: Buffer, start: number, count: number, end: number): void {
    let p = start + 2;
    let runStart = start;
    for (let f = 0; f < count; f++) {
      const len = buf.readInt32BE(p);
      const rewrite = this.rewriters.get(f);
      if (rewrite && len >= 0) {
        this.copy(buf, runStart, p);
        const value = rewrite(buf.subarray(p + 4, p + 4 + len));
        // At most three UTF-8 bytes per UTF-16 unit.
        this.reserve(4 + (typeof value === "string" ? 3 * value.length : value.length));
        const written =
          typeof value === "string"
            ? this.out.write(value, this.at + 4, "utf8")
            : value.copy(this.out, this.at + 4);
        this.out.writeInt32BE(written, this.at);
        this.at += 4 + written;
        p += 4 + len;
        runStart = p;
      } else {
        p += 4 + Math.max(0, len);
      }
    }
    this.copy(buf, runStart, end);
  }
}

/** BinaryCopyRewrite as a stream transform, in this thread. */
export class BinaryCopyRewriter extends Transform {
  private readonly rewrite: BinaryCopyRewrite;

  constructor(rewriters: ReadonlyMap<number, FieldRewriter>) {
    super();
    this.rewrite = new BinaryCopyRewrite(rewriters);
  }

  override _transform(chunk: Buffer, _encoding: string, done: TransformCallback): void {
    try {
      this.push(this.rewrite.rewrite(chunk));
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      this.rewrite.end();
      done();
    } catch (error) {
      done(error as Error);
    }
  }
}
