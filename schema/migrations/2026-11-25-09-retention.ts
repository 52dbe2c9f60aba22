import { type Kysely, sql } from "kysely";

/**
 * Retention: versioned policies, deletion requests with their frozen key sets, the approval
 * history, legal holds, the investigation flag, the executor's ledger, archives and deletion
 * certificates. Frozen: later changes go into new migrations.
 *
 * Keys (`retention_request_keys.key`, `retention_ledger.key`) are text: the primary key value for
 * tables with a single-column primary key, otherwise the row digest the plan's definition names.
 * Approvals, the ledger and certificates are append-only: the evidence of what was deleted, on
 * whose word, cannot be rewritten afterwards.
 */

const DDL = /* sql */ `
-- Each edit of a policy is a new version; the current policy is the newest active version.
CREATE TABLE governance.retention_policies (
    id VARCHAR(100) NOT NULL,
    version INTEGER NOT NULL CHECK (version > 0),
    definition JSONB NOT NULL,
    definition_sha256 TEXT NOT NULL,
    source VARCHAR(20) NOT NULL CHECK (source IN ('file', 'console')),
    edited_by VARCHAR(255) NOT NULL,
    edited_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    note TEXT,
    active BOOLEAN NOT NULL DEFAULT true,
    PRIMARY KEY (id, version)
);

CREATE TABLE governance.retention_requests (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    kind VARCHAR(20) NOT NULL CHECK (kind IN ('retention', 'erasure')),
    policy_id VARCHAR(100),
    policy_version INTEGER,
    tenant_id UUID NOT NULL,
    -- erasure: {"customer_id": ...}; retention: {}
    subject JSONB NOT NULL DEFAULT '{}',
    cutoff TIMESTAMPTZ,
    -- The stable definition: per table the predicate, action, key column and deletion order.
    definition JSONB NOT NULL DEFAULT '{}',
    -- Rows per table, FK children included: {"customers": 12, "jobs": 30, ...}
    counts JSONB NOT NULL DEFAULT '{}',
    total_rows BIGINT NOT NULL DEFAULT 0,
    key_set_hash TEXT,
    -- sha256 over policy version, cutoff, definition, counts and key-set hash.
    fingerprint TEXT NOT NULL,
    status VARCHAR(20) NOT NULL CHECK (status IN (
        'planning', 'pending_approval', 'approved', 'rejected', 'running', 'done',
        'blocked', 'expired', 'failed')),
    requires_approval BOOLEAN NOT NULL,
    -- Why a person must approve: ["above_threshold", "financial_records", "erasure", ...]
    approval_reasons JSONB NOT NULL DEFAULT '[]',
    requested_by VARCHAR(255) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    approved_by VARCHAR(255),
    approved_at TIMESTAMPTZ,
    approved_fingerprint TEXT,
    approval_expires_at TIMESTAMPTZ,
    decision_reason TEXT,
    executed_by VARCHAR(255),
    started_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    -- Ids of the legal holds (or investigation flags) that block it.
    blocked_by JSONB NOT NULL DEFAULT '[]',
    error TEXT,
    progress JSONB NOT NULL DEFAULT '{}',
    CHECK (kind <> 'retention' OR (policy_id IS NOT NULL AND policy_version IS NOT NULL))
);
CREATE INDEX retention_requests_status ON governance.retention_requests (status, created_at DESC);
CREATE INDEX retention_requests_tenant ON governance.retention_requests (tenant_id, created_at DESC);
-- At most one open request per policy and tenant, and per erased person: a second would plan
-- the same rows twice.
CREATE UNIQUE INDEX retention_requests_one_open_per_policy
    ON governance.retention_requests (policy_id, tenant_id)
    WHERE kind = 'retention' AND status IN ('planning', 'pending_approval', 'approved', 'blocked', 'running');
CREATE UNIQUE INDEX retention_requests_one_open_erasure
    ON governance.retention_requests (tenant_id, (subject->>'customer_id'))
    WHERE kind = 'erasure' AND status IN ('planning', 'pending_approval', 'approved', 'blocked', 'running');

-- The approved plan's key set, frozen at planning: the executor deletes these keys and no others.
CREATE TABLE governance.retention_request_keys (
    request_id UUID NOT NULL REFERENCES governance.retention_requests(id) ON DELETE CASCADE,
    table_name VARCHAR(100) NOT NULL,
    key TEXT NOT NULL,
    -- Deletion order of the table within the request: children (low) before parents (high).
    ord INTEGER NOT NULL,
    PRIMARY KEY (request_id, table_name, key)
);

CREATE TABLE governance.retention_approvals (
    id BIGSERIAL PRIMARY KEY,
    request_id UUID NOT NULL REFERENCES governance.retention_requests(id),
    actor VARCHAR(255) NOT NULL,
    decision VARCHAR(20) NOT NULL CHECK (decision IN ('approve', 'reject', 'policy')),
    reason TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    decided_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ
);
CREATE INDEX retention_approvals_request ON governance.retention_approvals (request_id, decided_at);

-- A hold blocks every deletion in its scope: tenant (NULL: every tenant), optionally narrowed to
-- one customer, one table and/or a date range of the row's date column.
CREATE TABLE governance.legal_holds (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id UUID,
    customer_id UUID,
    table_name VARCHAR(100),
    date_from TIMESTAMPTZ,
    date_to TIMESTAMPTZ,
    reason TEXT NOT NULL,
    owner VARCHAR(255) NOT NULL,
    created_by VARCHAR(255) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    released_at TIMESTAMPTZ,
    released_by VARCHAR(255),
    release_reason TEXT,
    CHECK (date_from IS NULL OR date_to IS NULL OR date_from <= date_to)
);
CREATE INDEX legal_holds_active ON governance.legal_holds (tenant_id) WHERE released_at IS NULL;

-- While a flag is set for a regulation (SOX), records that regulation governs cannot be destroyed.
CREATE TABLE governance.retention_investigations (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    regulation VARCHAR(20) NOT NULL,
    reason TEXT NOT NULL,
    set_by VARCHAR(255) NOT NULL,
    set_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    cleared_by VARCHAR(255),
    cleared_at TIMESTAMPTZ,
    clear_reason TEXT
);
CREATE UNIQUE INDEX retention_investigations_one_active
    ON governance.retention_investigations (regulation) WHERE cleared_at IS NULL;

-- Written by the executor in the same transaction as each delete/anonymize: unique per request
-- and key, so a retried batch can never act on a row twice.
-- No foreign key on request_id: it fired once per ledger row (a third of a batch's time). The
-- executor checks the request once per batch instead, in the batch's own transaction.
CREATE TABLE governance.retention_ledger (
    request_id UUID NOT NULL,
    table_name VARCHAR(100) NOT NULL,
    key TEXT NOT NULL,
    batch INTEGER NOT NULL,
    action VARCHAR(20) NOT NULL CHECK (action IN ('delete', 'anonymize')),
    done_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (request_id, table_name, key)
);

CREATE TABLE governance.retention_archives (
    id BIGSERIAL PRIMARY KEY,
    request_id UUID NOT NULL REFERENCES governance.retention_requests(id),
    table_name VARCHAR(100) NOT NULL,
    batch INTEGER NOT NULL DEFAULT 0,
    path TEXT NOT NULL,
    rows BIGINT NOT NULL,
    bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    detail JSONB NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (request_id, table_name, batch)
);

CREATE TABLE governance.retention_certificates (
    request_id UUID PRIMARY KEY REFERENCES governance.retention_requests(id),
    body JSONB NOT NULL,
    sha256 TEXT NOT NULL,
    issued_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE FUNCTION governance.retention_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER retention_approvals_append_only
  BEFORE UPDATE OR DELETE OR TRUNCATE ON governance.retention_approvals
  FOR EACH STATEMENT EXECUTE FUNCTION governance.retention_append_only();
CREATE TRIGGER retention_ledger_append_only
  BEFORE UPDATE OR DELETE OR TRUNCATE ON governance.retention_ledger
  FOR EACH STATEMENT EXECUTE FUNCTION governance.retention_append_only();
CREATE TRIGGER retention_certificates_append_only
  BEFORE UPDATE OR DELETE OR TRUNCATE ON governance.retention_certificates
  FOR EACH STATEMENT EXECUTE FUNCTION governance.retention_append_only();
`;

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen and must not depend on app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(DDL).execute(db);
}
