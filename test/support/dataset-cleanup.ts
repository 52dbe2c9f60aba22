import pg from "pg";
import { type Config, withDatabase } from "../../schema/config.ts";

/**
 * Test cleanup only: drops a dataset database and its login role by name, whatever state a
 * failed test left them in. The test made both under a unique name; govern itself never drops
 * by name (masking/provision/dataset-database.ts).
 */
export async function dropDatasetByName(config: Config, databaseName: string): Promise<void> {
  const admin = new pg.Client({ connectionString: withDatabase(config, "postgres").databaseUrl });
  await admin.connect();
  try {
    const id = `"${databaseName.replace(/"/g, '""')}"`;
    await admin.query(`DROP DATABASE IF EXISTS ${id} WITH (FORCE)`);
    await admin.query(`DROP ROLE IF EXISTS ${id}`);
  } finally {
    await admin.end();
  }
}
