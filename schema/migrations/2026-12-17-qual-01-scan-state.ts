import { type Kysely, sql } from "kysely";

/**
 * The last one-scan result per operational table and set of rules (jobs/quality/scan-state.ts;
 * rules on different schedules make different sets): the aggregate rows of those rules, with what proves them still current (the snapshot's xmin
 * horizon, the row count, the relation's file node). A later run that finds the table unchanged
 * since that snapshot reuses them instead of evaluating every rule on every row again.
 */
const DDL = /* sql */ `
CREATE TABLE governance.quality_scan_state (
    table_name TEXT NOT NULL,
    signature TEXT NOT NULL,
    filenode BIGINT NOT NULL,
    horizon TEXT NOT NULL,
    row_count BIGINT NOT NULL,
    changes BIGINT NOT NULL,
    groups JSONB NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (table_name, signature)
);
`;

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen and must not depend on app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(DDL).execute(db);
}
