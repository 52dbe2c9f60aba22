import { type Kysely, sql } from "kysely";

/**
 * Datasets are isolated and owned. Each dataset's database is reached through its own login
 * role (name and OID recorded here, password stored encrypted under a key derived from
 * GOVERN_SECRET, never in clear); govern records the OID of every database it creates, and drops
 * only a database that still has that OID and govern's marker inside. `server_url_enc` holds the
 * (encrypted) admin connection of another server when the dataset was written there
 * (`--target-url`); null means govern's own server. `cancel_requested_*` is the abort flag a
 * running copy or generation checks; `estimate` what was estimated before it was accepted.
 */

const DDL = /* sql */ `
ALTER TABLE governance.datasets
    ADD COLUMN database_oid BIGINT,
    ADD COLUMN role_name VARCHAR(63),
    ADD COLUMN role_oid BIGINT,
    ADD COLUMN password_enc TEXT,
    ADD COLUMN server_url_enc TEXT,
    ADD COLUMN cancel_requested_at TIMESTAMPTZ,
    ADD COLUMN cancel_requested_by VARCHAR(255),
    ADD COLUMN estimate JSONB;
`;

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen and must not depend on app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(DDL).execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen and must not depend on app types
export async function down(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`ALTER TABLE governance.datasets
    DROP COLUMN database_oid, DROP COLUMN role_name, DROP COLUMN role_oid,
    DROP COLUMN password_enc, DROP COLUMN server_url_enc, DROP COLUMN cancel_requested_at,
    DROP COLUMN cancel_requested_by, DROP COLUMN estimate`)
    .execute(db);
}
