import type { CompiledQuery } from "kysely";
import type pg from "pg";
import Cursor from "pg-cursor";

/**
 * Streams a query's rows in bounded batches through a server-side cursor, as govern_reader in a
 * read-only REPEATABLE READ transaction (the raw-client twin of `withReader`): every tenant's
 * rows, one consistent snapshot, never a whole table in memory. Stopping early (break, throw in
 * the consumer) closes the cursor and rolls back.
 */
export async function* readAsReader<T>(
  pool: pg.Pool,
  query: CompiledQuery,
  batchSize: number,
): AsyncGenerator<T[]> {
  const client = await pool.connect();
  let done = false;
  let broken: Error | undefined;
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    await client.query("SET LOCAL ROLE govern_reader");
    const cursor = client.query(new Cursor<T>(query.sql, [...query.parameters]));
    try {
      for (;;) {
        const rows = await cursor.read(batchSize);
        if (rows.length === 0) {
          break;
        }
        yield rows;
      }
    } finally {
      await cursor.close().catch(() => {});
    }
    await client.query("COMMIT");
    done = true;
  } finally {
    if (!done) {
      await client.query("ROLLBACK").catch((error: Error) => {
        broken = error;
      });
    }
    // A connection whose rollback failed is in an unknown state: destroy it, don't pool it.
    client.release(broken);
  }
}

/**
 * Reads one batch ahead of the consumer, so Postgres fetches the next batch while the analytics
 * store writes the current one (chdb writes on a libuv thread, so the two really overlap).
 */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let pending = iterator.next();
  try {
    for (;;) {
      const current = await pending;
      if (current.done) {
        return;
      }
      pending = iterator.next();
      // A rejection of the read-ahead surfaces at the next await; keep it from being unhandled
      // meanwhile.
      pending.catch(() => {});
      yield current.value;
    }
  } finally {
    // Stopped early: let the in-flight read settle, then close the source (cursor, transaction).
    await pending.catch(() => {});
    await iterator.return?.(undefined);
  }
}
