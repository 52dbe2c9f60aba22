import { type Kysely, sql } from "kysely";

/**
 * Data quality (issue 17): rules stored as audited versions, runs, results per run/rule/tenant,
 * incidents with their workflow events, and suggested rules. Plus `govern_quality`, the role
 * user-authored SQL runs as: SELECT only on the platform's tenant tables, and only the rows of
 * the tenant in `app.tenant_id` (a policy of its own; views and tables without tenant_id are
 * not granted, so RLS cannot be side-stepped through a view owned by a superuser).
 * Frozen: later changes go into new migrations.
 */

const DDL = /* sql */ `
CREATE TABLE governance.quality_rules (
    id TEXT PRIMARY KEY CHECK (id ~ '^[a-z0-9_]{1,100}$'),
    version INTEGER NOT NULL DEFAULT 1,
    definition JSONB NOT NULL,
    source VARCHAR(16) NOT NULL CHECK (source IN ('console', 'cli', 'api', 'suggestion')),
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE governance.quality_rule_versions (
    rule_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    definition JSONB NOT NULL,
    changed_by TEXT NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (rule_id, version)
);

CREATE TABLE governance.quality_runs (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    triggered_by TEXT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at TIMESTAMPTZ,
    status VARCHAR(16) NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
    rules INTEGER NOT NULL DEFAULT 0,
    error TEXT
);

CREATE TABLE governance.quality_results (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    run_id UUID NOT NULL REFERENCES governance.quality_runs (id) ON DELETE CASCADE,
    rule_id TEXT NOT NULL,
    rule_version INTEGER NOT NULL DEFAULT 0,
    table_name TEXT NOT NULL,
    column_name TEXT,
    tenant_id UUID,
    kind VARCHAR(20) NOT NULL,
    severity VARCHAR(10) NOT NULL,
    threshold DOUBLE PRECISION NOT NULL,
    score DOUBLE PRECISION,
    passed BOOLEAN,
    failing BIGINT NOT NULL DEFAULT 0,
    total BIGINT NOT NULL DEFAULT 0,
    sample_keys JSONB NOT NULL DEFAULT '[]',
    detail JSONB NOT NULL DEFAULT '{}',
    error TEXT,
    evaluated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX quality_results_rule_idx ON governance.quality_results (rule_id, evaluated_at DESC);
CREATE INDEX quality_results_run_idx ON governance.quality_results (run_id);
CREATE INDEX quality_results_table_idx ON governance.quality_results (table_name, evaluated_at DESC);

CREATE TABLE governance.quality_incidents (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    rule_id TEXT NOT NULL,
    tenant_id UUID,
    table_name TEXT NOT NULL,
    severity VARCHAR(10) NOT NULL,
    status VARCHAR(16) NOT NULL DEFAULT 'new'
        CHECK (status IN ('new', 'acknowledged', 'assigned', 'resolved')),
    title TEXT NOT NULL,
    assignee TEXT,
    opened_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    acknowledged_at TIMESTAMPTZ,
    resolved_at TIMESTAMPTZ,
    resolved_by TEXT,
    opened_result_id UUID,
    last_result_id UUID,
    last_score DOUBLE PRECISION
);
-- De-duplication: at most one open incident per rule and tenant, whatever races.
CREATE UNIQUE INDEX quality_incidents_open_idx ON governance.quality_incidents
    (rule_id, COALESCE(tenant_id, '00000000-0000-0000-0000-000000000000'::uuid))
    WHERE status <> 'resolved';

CREATE TABLE governance.quality_incident_events (
    id BIGSERIAL PRIMARY KEY,
    incident_id UUID NOT NULL REFERENCES governance.quality_incidents (id) ON DELETE CASCADE,
    at TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor TEXT NOT NULL,
    action VARCHAR(20) NOT NULL,
    comment TEXT,
    assignee TEXT
);

CREATE TABLE governance.quality_suggestions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    rule_id TEXT NOT NULL UNIQUE,
    definition JSONB NOT NULL,
    reason TEXT NOT NULL,
    origin VARCHAR(16) NOT NULL CHECK (origin IN ('catalog', 'profile')),
    status VARCHAR(16) NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'accepted', 'rejected')),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    decided_by TEXT,
    decided_at TIMESTAMPTZ
);

DO $$ BEGIN CREATE ROLE govern_quality NOLOGIN NOINHERIT;
EXCEPTION WHEN duplicate_object THEN NULL; END $$;
GRANT USAGE ON SCHEMA public TO govern_quality;
DO $$
DECLARE t regclass;
BEGIN
  FOR t IN
    SELECT c.oid::regclass FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND c.relrowsecurity
      AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                  AND a.attname = 'tenant_id' AND NOT a.attisdropped)
  LOOP
    EXECUTE format('GRANT SELECT ON %s TO govern_quality', t);
    EXECUTE format(
      'CREATE POLICY quality_tenant_read ON %s FOR SELECT TO govern_quality '
      'USING (tenant_id = NULLIF(current_setting(''app.tenant_id'', true), '''')::uuid)', t);
  END LOOP;
END $$;
`;

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen and must not depend on app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(DDL).execute(db);
}
