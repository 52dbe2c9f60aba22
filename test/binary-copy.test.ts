import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { BinaryCopyRewriter } from "../masking/provision/binary-copy.ts";

const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "binary");

/** A binary COPY stream of text tuples (null as null). */
function encode(rows: (string | null)[][]): Buffer {
  const parts = [SIGNATURE, Buffer.alloc(8)];
  for (const row of rows) {
    const count = Buffer.alloc(2);
    count.writeInt16BE(row.length);
    parts.push(count);
    for (const field of row) {
      const len = Buffer.alloc(4);
      if (field === null) {
        len.writeInt32BE(-1);
        parts.push(len);
      } else {
        const bytes = Buffer.from(field, "utf8");
        len.writeInt32BE(bytes.length);
        parts.push(len, bytes);
      }
    }
  }
  const trailer = Buffer.alloc(2);
  trailer.writeInt16BE(-1);
  parts.push(trailer);
  return Buffer.concat(parts);
}

async function rewrite(input: Buffer, chunk: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < input.length; i += chunk) {
    chunks.push(input.subarray(i, i + chunk));
  }
  const upper = new BinaryCopyRewriter(
    new Map([[1, (b: Buffer) => b.toString("utf8").toUpperCase()]]),
  );
  const out: Buffer[] = [];
  for await (const b of Readable.from(chunks).pipe(upper)) {
    out.push(b as Buffer);
  }
  return Buffer.concat(out);
}

describe("binary COPY rewriter", () => {
  const rows = [
    ["1", "héllo wörld", "keep"],
    ["2", null, "x"],
    ["3", "", null],
    ["4", "a".repeat(5000), "tail"],
  ];
  const expected = encode(
    rows.map((r) => [r[0] ?? null, r[1]?.toUpperCase() ?? null, r[2] ?? null]),
  );

  it("rewrites only its fields, whatever the chunk boundaries", async () => {
    for (const size of [1, 3, 7, 64, 4096, 1 << 20]) {
      expect((await rewrite(encode(rows), size)).equals(expected), `chunk ${size}`).toBe(true);
    }
  });

  it("refuses a stream cut mid-tuple", async () => {
    const cut = encode(rows).subarray(0, 40);
    await expect(rewrite(cut, 16)).rejects.toThrow(/mid-tuple/);
  });
});
