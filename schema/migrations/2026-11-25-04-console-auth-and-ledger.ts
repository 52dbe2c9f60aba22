import { type Kysely, sql } from "kysely";

/**
 * Console sessions and API tokens (both stored as sha256 of the secret, never the secret), and
 * the job ledger that makes a job's effects exactly-once. Frozen: later changes go into new
 * migrations.
 */

const DDL = /* sql */ `
CREATE TABLE governance.sessions (
    token_hash BYTEA PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES governance.console_users(id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    source_ip INET,
    user_agent TEXT
);
CREATE INDEX sessions_user ON governance.sessions (user_id);

CREATE TABLE governance.api_tokens (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL REFERENCES governance.console_users(id) ON DELETE CASCADE,
    name VARCHAR(100) NOT NULL,
    token_hash BYTEA NOT NULL UNIQUE,
    -- The first characters of the token, shown in lists so a person can tell tokens apart.
    token_prefix VARCHAR(16) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at TIMESTAMPTZ,
    expires_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX api_tokens_user ON governance.api_tokens (user_id);

-- One row per effect a job has made, written in the same transaction as the effect: a job that
-- runs again after a crash finds its key and skips the work it already did.
CREATE TABLE governance.job_ledger (
    ledger_key TEXT PRIMARY KEY,
    queue VARCHAR(50) NOT NULL,
    run_id UUID REFERENCES governance.job_runs(id) ON DELETE SET NULL,
    detail JSONB NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

REVOKE UPDATE, DELETE, TRUNCATE ON governance.audit_events FROM PUBLIC;
`;

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen and must not depend on app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(DDL).execute(db);
}
