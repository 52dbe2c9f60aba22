import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { BinaryCopyRewriter } from "../masking/provision/binary-copy.ts";
import { encodeBinaryCopy as encode } from "./support/binary-copy.ts";

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
