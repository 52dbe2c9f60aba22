import { type Kysely, sql } from "kysely";

/**
 * Storage tiering (issue 19): where each moved unit of rows is, and the audited versions of the
 * tiering policies edited in the console.
 *
 * A move is one unit (a whole partition, a batch of row keys, or a set of cold rows bound for
 * one archive file) going from one tier to another. Its `state` is the crash-safety protocol:
 * `copying` (the source is untouched; the destination may hold a partial copy, which the next
 * run removes before copying again), `verified` (the destination holds exactly the source's
 * rows: count and checksum equal; the next run finishes by removing the source), `done`,
 * `rolled_back` (the copy was removed; the source stays). `spec` holds what identifies the unit
 * (keys, partition name, cold move ids, excluded tenants) so a resumed move acts on exactly the
 * same rows.
 */

const DDL = /* sql */ `
CREATE TABLE governance.tier_moves (
    id uuid PRIMARY KEY,
    table_name text NOT NULL,
    from_tier text NOT NULL CHECK (from_tier IN ('hot', 'warm', 'cold', 'archive')),
    to_tier text NOT NULL CHECK (to_tier IN ('hot', 'warm', 'cold', 'archive')),
    partition_name text,
    state text NOT NULL CHECK (state IN ('copying', 'verified', 'done', 'rolled_back')),
    spec jsonb NOT NULL DEFAULT '{}'::jsonb,
    rows bigint,
    checksum text,
    location text,
    error text,
    run_id uuid,
    requested_by text NOT NULL DEFAULT 'schedule',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tier_moves_open ON governance.tier_moves (created_at)
    WHERE state IN ('copying', 'verified');
CREATE INDEX tier_moves_table ON governance.tier_moves (table_name, to_tier, state);

CREATE TABLE governance.tiering_policy_versions (
    table_name text NOT NULL,
    version integer NOT NULL,
    body text NOT NULL,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (table_name, version)
);

CREATE TABLE governance.tier_snapshots (
    taken_at timestamptz NOT NULL,
    table_name text NOT NULL,
    tier text NOT NULL,
    rows bigint NOT NULL,
    bytes bigint NOT NULL,
    PRIMARY KEY (taken_at, table_name, tier)
);
`;

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen and must not depend on app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(DDL).execute(db);
}
