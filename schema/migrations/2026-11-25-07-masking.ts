import { type Kysely, sql } from "kysely";

/**
 * Masking rules (per column and per JSONB path, versioned) and the datasets govern provisions
 * (masked clones here, synthetic platforms reuse the same table with kind 'synthetic').
 * Frozen once released: later changes go into new migrations.
 */

const DDL = /* sql */ `
-- The rule in force for one column or one JSONB path. A row exists only where a steward set one:
-- otherwise the column's effective category gives the default. strategy 'allow' = copied as is.
CREATE TABLE governance.masking_rules (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    store VARCHAR(20) NOT NULL DEFAULT 'postgres' CHECK (store IN ('postgres', 'clickhouse')),
    schema_name VARCHAR(100) NOT NULL DEFAULT 'public',
    table_name VARCHAR(100) NOT NULL,
    column_name VARCHAR(100) NOT NULL,
    -- '' = the column itself, else a JSONB key path such as address.street or items[].email.
    json_path VARCHAR(300) NOT NULL DEFAULT '',
    strategy VARCHAR(20) NOT NULL CHECK (strategy IN ('substitute', 'scramble', 'tokenize',
        'encrypt', 'hash', 'partial', 'nullify', 'date_shift', 'noise', 'scrub', 'allow')),
    params JSONB NOT NULL DEFAULT '{}',
    version INTEGER NOT NULL DEFAULT 1,
    set_by VARCHAR(255) NOT NULL,
    set_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    reason TEXT,
    UNIQUE (store, schema_name, table_name, column_name, json_path)
);

-- Every version ever set, append-only: the current row above is always the newest version here.
CREATE TABLE governance.masking_rule_versions (
    id BIGSERIAL PRIMARY KEY,
    rule_id UUID NOT NULL REFERENCES governance.masking_rules(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    store VARCHAR(20) NOT NULL,
    schema_name VARCHAR(100) NOT NULL,
    table_name VARCHAR(100) NOT NULL,
    column_name VARCHAR(100) NOT NULL,
    json_path VARCHAR(300) NOT NULL,
    strategy VARCHAR(20) NOT NULL,
    params JSONB NOT NULL,
    set_by VARCHAR(255) NOT NULL,
    set_at TIMESTAMPTZ NOT NULL,
    reason TEXT,
    UNIQUE (rule_id, version)
);

-- Datasets handed to engineers: masked clones of production and synthetic platforms.
CREATE TABLE governance.datasets (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name VARCHAR(63) NOT NULL UNIQUE,
    kind VARCHAR(20) NOT NULL CHECK (kind IN ('masked', 'synthetic')),
    status VARCHAR(20) NOT NULL CHECK (status IN ('requested', 'running', 'verifying', 'ready',
        'failed', 'refused', 'dropped', 'expired')),
    owner VARCHAR(255) NOT NULL,
    database_name VARCHAR(63),
    -- Never with a password: where to connect, not how to authenticate.
    database_url TEXT,
    tenants UUID[],
    percent NUMERIC(5, 2),
    -- sha256 prefix of the masking key, so a reader can tell which key produced a dataset.
    key_fingerprint VARCHAR(64),
    -- { "<table>": { "status": "pending|copying|done", "rows": n, "ms": n } }
    progress JSONB NOT NULL DEFAULT '{}',
    report JSONB,
    size_bytes BIGINT,
    expires_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    error TEXT
);
CREATE INDEX datasets_created ON governance.datasets (created_at DESC);
CREATE INDEX datasets_expiry ON governance.datasets (expires_at)
    WHERE status IN ('ready', 'failed', 'refused');
`;

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen and must not depend on app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(DDL).execute(db);
}
