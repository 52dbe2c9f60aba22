import pg from "pg";
import { type Config, withDatabase } from "../../schema/config.ts";

/**
 * Runs `fn` while holding a session advisory lock on `key`, on a connection of its own. Taken
 * through a pool, the lock would go with the pool's idle connection (closed after 10 s idle) and
 * the next builder would walk in: on a busy machine a template build outlived that, and another
 * test file dropped the half-built database under it.
 */
export async function withSessionLock<T>(
  config: Config,
  key: string,
  fn: () => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabase(config, "postgres").databaseUrl });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock(hashtext($1))", [key]);
    return await fn();
  } finally {
    // Ending the session releases the lock.
    await client.end();
  }
}
