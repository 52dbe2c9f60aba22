import { type Kysely, sql } from "kysely";

/**
 * govern's own state, first tables: console users, connections, job runs, the hash-chained
 * audit trail, settings, and ETL watermarks. Frozen: later changes go into new migrations.
 */

const DDL = /* sql */ `
CREATE TABLE governance.console_users (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    email VARCHAR(255) NOT NULL,
    display_name VARCHAR(255) NOT NULL,
    role VARCHAR(32) NOT NULL CHECK (role IN ('steward', 'compliance_officer', 'engineer', 'admin')),
    password_hash TEXT,
    disabled_at TIMESTAMPTZ,
    last_login_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX console_users_email_key ON governance.console_users (lower(email));

-- Stores govern governs. Credentials are never stored here, only where to find them.
CREATE TABLE governance.connections (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name VARCHAR(100) NOT NULL UNIQUE,
    kind VARCHAR(20) NOT NULL CHECK (kind IN ('postgres', 'clickhouse')),
    description TEXT,
    url_redacted TEXT NOT NULL,
    secret_ref TEXT,
    is_default BOOLEAN NOT NULL DEFAULT false,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX connections_one_default_per_kind ON governance.connections (kind) WHERE is_default;

CREATE TABLE governance.job_runs (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    queue VARCHAR(50) NOT NULL,
    job_name VARCHAR(100) NOT NULL,
    queue_job_id VARCHAR(255),
    status VARCHAR(20) NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    attempt INTEGER NOT NULL DEFAULT 1,
    payload JSONB NOT NULL DEFAULT '{}',
    counts JSONB NOT NULL DEFAULT '{}',
    error TEXT,
    triggered_by VARCHAR(255),
    queued_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    duration_ms INTEGER
);
CREATE INDEX job_runs_queue_started ON governance.job_runs (queue, queued_at DESC);

-- Append-only and hash-chained: each row's hash covers its content and the previous row's hash,
-- computed here under a lock so concurrent writers still form one chain.
CREATE TABLE governance.audit_events (
    id BIGSERIAL PRIMARY KEY,
    occurred_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor VARCHAR(255) NOT NULL,
    actor_role VARCHAR(32),
    action VARCHAR(100) NOT NULL,
    target TEXT,
    summary JSONB NOT NULL DEFAULT '{}',
    request_id VARCHAR(100),
    source_ip INET,
    prev_hash BYTEA NOT NULL,
    hash BYTEA NOT NULL
);
CREATE INDEX audit_events_occurred ON governance.audit_events (occurred_at DESC);

CREATE FUNCTION governance.audit_event_content(e governance.audit_events) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
  SELECT convert_to(jsonb_build_array(
    e.id, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    e.actor, e.actor_role, e.action, e.target, e.summary, e.request_id, host(e.source_ip)
  )::text, 'UTF8')
$$;

CREATE FUNCTION governance.audit_events_chain() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('governance.audit_events'));
  -- Numbered under the lock, so id order is chain order even with concurrent writers.
  NEW.id := nextval(pg_get_serial_sequence('governance.audit_events', 'id'));
  NEW.prev_hash := coalesce(
    (SELECT hash FROM governance.audit_events ORDER BY id DESC LIMIT 1),
    '\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);
  NEW.hash := digest(NEW.prev_hash || governance.audit_event_content(NEW), 'sha256');
  RETURN NEW;
END $$;
CREATE TRIGGER audit_events_chain BEFORE INSERT ON governance.audit_events
  FOR EACH ROW EXECUTE FUNCTION governance.audit_events_chain();

CREATE FUNCTION governance.audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'governance.audit_events is append-only (% refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON governance.audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION governance.audit_events_append_only();

CREATE TABLE governance.settings (
    key VARCHAR(200) PRIMARY KEY,
    value JSONB NOT NULL,
    updated_by VARCHAR(255),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- How far each analytics load has read its source; advanced in the same step that records a load.
CREATE TABLE governance.etl_watermarks (
    target VARCHAR(100) PRIMARY KEY,
    watermark TIMESTAMPTZ NOT NULL,
    rows_loaded BIGINT NOT NULL DEFAULT 0,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
`;

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen and must not depend on app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(DDL).execute(db);
}
