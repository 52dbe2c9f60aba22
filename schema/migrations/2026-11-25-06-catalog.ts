import { type Kysely, sql } from "kysely";

/**
 * The catalog of every store's columns, classification proposals, steward decisions and drift
 * (issue: catalog and PII classification). Frozen once released.
 *
 * The category and sensitivity lists are copied from schema/domain/classification.ts on
 * purpose: a migration never imports application code.
 */

const CATEGORIES = `'email', 'phone', 'person_name', 'postal_address', 'date_of_birth', 'government_id',
  'payment_card', 'bank_account', 'ip_address', 'geolocation', 'credential', 'free_text_pii', 'none'`;
const SENSITIVITIES = `'public', 'internal', 'confidential', 'restricted'`;

// The effective category: a steward's decision once there is one, else the scanner's proposal.
// Written once here and used by both the view and its expression index, which only serves the
// view's filter when the two expressions are identical.
const EFFECTIVE_CATEGORY = `(CASE WHEN review_status IN ('accepted', 'overridden', 'rejected')
  THEN decided_category ELSE proposed_category END)`;

const DDL = /* sql */ `
CREATE TABLE governance.catalog_scans (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at TIMESTAMPTZ,
    status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
    stores TEXT[] NOT NULL,
    triggered_by TEXT NOT NULL,
    job_run_id UUID REFERENCES governance.job_runs(id) ON DELETE SET NULL,
    stats JSONB NOT NULL DEFAULT '{}',
    error TEXT
);
CREATE INDEX catalog_scans_started ON governance.catalog_scans (started_at DESC);

CREATE TABLE governance.catalog_tables (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    store TEXT NOT NULL CHECK (store IN ('postgres', 'clickhouse')),
    schema_name TEXT NOT NULL,
    table_name TEXT NOT NULL,
    -- table | partitioned_table | view | materialized_view | foreign_table (Postgres);
    -- the engine name for ClickHouse (MergeTree, ReplacingMergeTree, View, ...).
    kind TEXT NOT NULL,
    comment TEXT,
    row_estimate BIGINT,
    constraints JSONB NOT NULL DEFAULT '[]',
    first_seen_scan UUID REFERENCES governance.catalog_scans(id) ON DELETE SET NULL,
    last_seen_scan UUID REFERENCES governance.catalog_scans(id) ON DELETE SET NULL,
    dropped_at TIMESTAMPTZ,
    UNIQUE (store, schema_name, table_name)
);

CREATE TABLE governance.catalog_columns (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    table_id UUID NOT NULL REFERENCES governance.catalog_tables(id) ON DELETE CASCADE,
    store TEXT NOT NULL CHECK (store IN ('postgres', 'clickhouse')),
    schema_name TEXT NOT NULL,
    table_name TEXT NOT NULL,
    column_name TEXT NOT NULL,
    -- '' is the column itself; otherwise a JSON key path found by sampling (address.street,
    -- items[].email), a child of the column's own row.
    json_path TEXT NOT NULL DEFAULT '',
    data_type TEXT NOT NULL,
    is_nullable BOOLEAN NOT NULL DEFAULT true,
    ordinal INTEGER NOT NULL DEFAULT 0,
    comment TEXT,
    is_primary_key BOOLEAN NOT NULL DEFAULT false,
    foreign_key JSONB,
    version INTEGER NOT NULL DEFAULT 1,
    definition_hash TEXT,
    first_seen_scan UUID REFERENCES governance.catalog_scans(id) ON DELETE SET NULL,
    last_seen_scan UUID REFERENCES governance.catalog_scans(id) ON DELETE SET NULL,
    dropped_at TIMESTAMPTZ,

    -- The scanner's latest proposal.
    proposed_category TEXT CHECK (proposed_category IN (${CATEGORIES})),
    proposed_sensitivity TEXT CHECK (proposed_sensitivity IN (${SENSITIVITIES})),
    confidence REAL CHECK (confidence IS NULL OR (confidence >= 0 AND confidence <= 1)),
    evidence JSONB NOT NULL DEFAULT '[]',
    masked_samples JSONB NOT NULL DEFAULT '[]',
    stats JSONB NOT NULL DEFAULT '{}',
    classified_at TIMESTAMPTZ,

    -- The steward's decision; a re-scan never writes these.
    review_status TEXT NOT NULL DEFAULT 'pending'
      CHECK (review_status IN ('pending', 'accepted', 'rejected', 'overridden')),
    decided_category TEXT CHECK (decided_category IN (${CATEGORIES})),
    decided_sensitivity TEXT CHECK (decided_sensitivity IN (${SENSITIVITIES})),
    decided_by TEXT,
    decided_at TIMESTAMPTZ,
    decision_comment TEXT,
    needs_rereview BOOLEAN NOT NULL DEFAULT false,
    rereview_evidence JSONB,
    UNIQUE (store, schema_name, table_name, column_name, json_path)
);
CREATE INDEX catalog_columns_table ON governance.catalog_columns (table_id);
CREATE INDEX catalog_columns_status ON governance.catalog_columns (review_status);
CREATE INDEX catalog_columns_effective_category ON governance.catalog_columns (${EFFECTIVE_CATEGORY});
CREATE INDEX catalog_columns_proposed_category ON governance.catalog_columns (proposed_category, confidence);
CREATE INDEX catalog_columns_confidence ON governance.catalog_columns (confidence);
CREATE INDEX catalog_columns_table_name ON governance.catalog_columns (table_name, column_name);
CREATE INDEX catalog_columns_rereview ON governance.catalog_columns (id) WHERE needs_rereview;

CREATE TABLE governance.catalog_column_versions (
    column_id UUID NOT NULL REFERENCES governance.catalog_columns(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    definition JSONB NOT NULL,
    scan_id UUID REFERENCES governance.catalog_scans(id) ON DELETE SET NULL,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (column_id, version)
);

CREATE TABLE governance.catalog_review_events (
    id BIGSERIAL PRIMARY KEY,
    column_id UUID NOT NULL REFERENCES governance.catalog_columns(id) ON DELETE CASCADE,
    occurred_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor TEXT NOT NULL,
    action TEXT NOT NULL
      CHECK (action IN ('proposed', 'accepted', 'rejected', 'overridden', 'flagged', 'reopened')),
    category TEXT CHECK (category IN (${CATEGORIES})),
    sensitivity TEXT CHECK (sensitivity IN (${SENSITIVITIES})),
    confidence REAL,
    comment TEXT,
    evidence JSONB
);
CREATE INDEX catalog_review_events_column ON governance.catalog_review_events (column_id, occurred_at DESC);

CREATE TABLE governance.catalog_drift_events (
    id BIGSERIAL PRIMARY KEY,
    scan_id UUID REFERENCES governance.catalog_scans(id) ON DELETE SET NULL,
    occurred_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    kind TEXT NOT NULL CHECK (kind IN
      ('table_added', 'table_dropped', 'column_added', 'column_changed', 'column_dropped')),
    store TEXT NOT NULL CHECK (store IN ('postgres', 'clickhouse')),
    schema_name TEXT NOT NULL,
    table_name TEXT NOT NULL,
    column_name TEXT,
    before JSONB,
    after JSONB,
    acknowledged_by TEXT,
    acknowledged_at TIMESTAMPTZ
);
CREATE INDEX catalog_drift_events_occurred ON governance.catalog_drift_events (occurred_at DESC);
CREATE INDEX catalog_drift_events_open ON governance.catalog_drift_events (occurred_at DESC)
  WHERE acknowledged_at IS NULL;
CREATE INDEX catalog_drift_events_scan ON governance.catalog_drift_events (scan_id);

-- What masking (provisioning) and retention erasure read: one row per catalog column with the
-- category that counts now. accept freezes decided_* := proposed_*; reject sets decided_category
-- 'none'; override sets the steward's values. A pending PII proposal or a flagged decision blocks
-- provisioning until a steward looks at it.
CREATE VIEW governance.catalog_effective_columns AS
SELECT c.*,
    ${EFFECTIVE_CATEGORY} AS effective_category,
    (CASE WHEN review_status IN ('accepted', 'overridden', 'rejected')
      THEN coalesce(decided_sensitivity, proposed_sensitivity) ELSE proposed_sensitivity END)
      AS effective_sensitivity,
    (${EFFECTIVE_CATEGORY} IS NOT NULL AND ${EFFECTIVE_CATEGORY} <> 'none') AS is_pii,
    (dropped_at IS NULL AND (needs_rereview OR
      (review_status = 'pending' AND coalesce(proposed_category, 'none') <> 'none')))
      AS blocks_provisioning
FROM governance.catalog_columns c;
`;

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen and must not depend on app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(DDL).execute(db);
}
