import { type Kysely, sql } from "kysely";

/**
 * A retention request's planned rows in the storage tiers, per table: `{table: {cold, archive}}`
 * (rows tiering moved out of Postgres fall under the same request as the hot ones).
 */
const DDL = /* sql */ `
ALTER TABLE governance.retention_requests
  ADD COLUMN IF NOT EXISTS tier_counts JSONB NOT NULL DEFAULT '{}'::jsonb;
`;

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen and must not depend on app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(DDL).execute(db);
}
