import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";

/**
 * Lines are joined into chunks of about this size before they are handed to the socket. Each
 * chunk is made in one go on the event loop, which the API shares: small chunks, and a turn of
 * the loop after each, keep its answers prompt while a large dataset is generated.
 */
const CHUNK_CHARS = 64 * 1024;

/**
 * Loads one table of a freshly created database with one COPY (text format) fed by a generator
 * of lines, in batches, with backpressure (pipeline). The load runs in one transaction that also
 * lifts FORCE ROW LEVEL SECURITY and the platform's audit trigger for its duration: COPY FROM is
 * refused under forced RLS for a non-superuser owner, and the audit trigger would log every
 * generated row as a change. Foreign keys stay checked. A failure rolls everything back, table
 * settings included.
 */
export async function copyTable(
  pool: pg.Pool,
  table: string,
  columns: readonly string[],
  lines: () => Iterable<string>,
  onRows?: (rows: number) => void,
): Promise<number> {
  if (!/^[a-z_][a-z0-9_]*$/.test(table) || !columns.every((c) => /^[a-z_][a-z0-9_]*$/.test(c))) {
    throw new Error(`not a plain identifier: ${table}(${columns.join(", ")})`);
  }
  const client = await pool.connect();
  let rows = 0;
  try {
    await client.query("BEGIN");
    await client.query(`ALTER TABLE "${table}" NO FORCE ROW LEVEL SECURITY`);
    await client.query(`ALTER TABLE "${table}" DISABLE TRIGGER USER`);
    const chunks = async function* (): AsyncGenerator<string> {
      let chunk = "";
      for (const line of lines()) {
        chunk += line;
        rows++;
        if (chunk.length >= CHUNK_CHARS) {
          onRows?.(rows);
          yield chunk;
          chunk = "";
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
      if (chunk) {
        yield chunk;
      }
    };
    const cols = columns.map((c) => `"${c}"`).join(", ");
    await pipeline(
      Readable.from(chunks(), { objectMode: false }),
      client.query(copyFrom(`COPY "${table}" (${cols}) FROM STDIN`)),
    );
    await client.query(`ALTER TABLE "${table}" ENABLE TRIGGER USER`);
    await client.query(`ALTER TABLE "${table}" FORCE ROW LEVEL SECURITY`);
    await client.query("COMMIT");
    onRows?.(rows);
    return rows;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
