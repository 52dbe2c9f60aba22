import { createHash } from "node:crypto";
import pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, withDatabase } from "../schema/config.ts";
import { copyField, copyOut, eachCopyLine } from "../schema/copy-out.ts";

// Generated rows only: the test reads from the server, it creates nothing.
const config = withDatabase(loadConfig({ ...process.env, NODE_ENV: "test" }), "postgres");
let client: pg.Client;

beforeAll(async () => {
  client = new pg.Client({ connectionString: config.databaseUrl });
  await client.connect();
});

afterAll(async () => {
  await client.end();
});

async function read(
  stream: NodeJS.ReadableStream,
): Promise<{ sha: string; bytes: number; chunks: number[] }> {
  const hash = createHash("sha256");
  const chunks: number[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    chunks.push(chunk.length);
  }
  return { sha: hash.digest("hex"), bytes: chunks.reduce((a, b) => a + b, 0), chunks };
}

describe("COPY TO STDOUT in blocks", () => {
  // Rows of 1 to 60 bytes (a message header of 5 bytes is cut by many of the socket's reads),
  // and a few of 300 KB (longer than a block).
  const rows = `SELECT g, repeat(chr(65 + g % 26), g % 60),
      CASE WHEN g % 50000 = 0 THEN repeat('z', 300000) END
    FROM generate_series(1, 200000) g`;

  for (const format of ["text", "csv, HEADER", "binary"]) {
    it(`gives the same bytes as a row-by-row reader (${format})`, async () => {
      const sql = `COPY (${rows}) TO STDOUT (FORMAT ${format})`;
      const plain = client.query(copyTo(sql));
      const expected = await read(plain);
      const blocks = client.query(copyOut(sql, 65_536));
      const got = await read(blocks);
      expect(got.sha).toBe(expected.sha);
      expect(got.bytes).toBeGreaterThan(2_000_000);
      expect(blocks.rowCount).toBe(200_000);
      // Full blocks but the last.
      expect(got.chunks.slice(0, -1).every((n) => n === 65_536)).toBe(true);
    });
  }

  it("gives nothing for no rows, and the connection goes on", async () => {
    const empty = client.query(copyOut("COPY (SELECT 1 WHERE false) TO STDOUT"));
    expect((await read(empty)).bytes).toBe(0);
    expect(empty.rowCount).toBe(0);
    expect((await client.query("SELECT 42 AS x")).rows).toEqual([{ x: 42 }]);
  });

  it("fails with the server's error midway, and the connection goes on", async () => {
    const failing = client.query(
      copyOut("COPY (SELECT 1 / (g - 150000) FROM generate_series(1, 200000) g) TO STDOUT"),
    );
    await expect(read(failing)).rejects.toThrow(/division by zero/);
    expect((await client.query("SELECT 43 AS x")).rows).toEqual([{ x: 43 }]);
  });

  it("reads text-format lines as the server writes them, rows cut across small blocks too", async () => {
    // Values with every character COPY's text format escapes, a NULL, and non-ASCII text; the
    // same query's ordinary result is what the lines must give back.
    const values = [
      "'plain'",
      "'tab' || chr(9) || 'here'",
      "'new' || chr(10) || 'line'",
      "'back' || chr(92) || 'slash' || chr(92) || 'N'",
      "'cr' || chr(13) || 'x'",
      "NULL",
      "'Müller 12 rue de l''Église'",
    ];
    const query = `SELECT v FROM (VALUES (${values.join("), (")})) s(v)`;
    const expected = (await client.query<{ v: string | null }>(query)).rows.map((r) => r.v);
    for (const blockSize of [3, 262_144]) {
      const got: (string | null)[] = [];
      await eachCopyLine(
        client.query(copyOut(`COPY (${query}) TO STDOUT`, blockSize)) as AsyncIterable<Buffer>,
        (line) => got.push(copyField(line)),
      );
      expect(got).toEqual(expected);
    }
  });
});
