import { type Kysely, sql } from "kysely";

/**
 * Dataset controls engineers know from Neosync:
 * - a refresh schedule per dataset (`refresh_cron`, five-field cron in UTC; null: none) and what
 *   its last refresh did (`refreshed_at`, `refresh_error`); the BullMQ scheduler is derived from it;
 * - `expiry_extended_*`: who last pushed the expiry back (the audit trail keeps every change);
 * - `dataset_refusals`: requests refused before a dataset existed (over the size limit, the
 *   classification gate closed), listed next to the datasets with their reason.
 */

const DDL = /* sql */ `
ALTER TABLE governance.datasets
    ADD COLUMN refresh_cron VARCHAR(100),
    ADD COLUMN refreshed_at TIMESTAMPTZ,
    ADD COLUMN refresh_error TEXT,
    ADD COLUMN expiry_extended_at TIMESTAMPTZ,
    ADD COLUMN expiry_extended_by VARCHAR(255);

CREATE TABLE governance.dataset_refusals (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name VARCHAR(63) NOT NULL,
    kind VARCHAR(20) NOT NULL,
    requested_by VARCHAR(255) NOT NULL,
    reason VARCHAR(40) NOT NULL,
    message TEXT NOT NULL,
    details JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX dataset_refusals_created ON governance.dataset_refusals (created_at DESC);
`;

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen and must not depend on app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(DDL).execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen and must not depend on app types
export async function down(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`DROP TABLE governance.dataset_refusals;
    ALTER TABLE governance.datasets
    DROP COLUMN refresh_cron, DROP COLUMN refreshed_at, DROP COLUMN refresh_error,
    DROP COLUMN expiry_extended_at, DROP COLUMN expiry_extended_by`)
    .execute(db);
}
