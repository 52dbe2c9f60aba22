import { type Kysely, sql } from "kysely";

/**
 * Data-subject access requests (the right of access, next to erasure). Frozen: later changes go
 * into new migrations.
 *
 * An access request is a `governance.retention_requests` row of kind `access`, so it passes the
 * same four-eyes approval gate (retention_approvals) as an erasure. What only an access request
 * has lives beside it: the regulation that sets its deadline (GDPR 30 days, CCPA 45), the due
 * date, and the package the export produced (path, size, sha256 and manifest). Notes on a request
 * are append-only, like approvals: what was said about a request is evidence.
 */

const DDL = /* sql */ `
ALTER TABLE governance.retention_requests DROP CONSTRAINT retention_requests_kind_check,
    ADD CONSTRAINT retention_requests_kind_check CHECK (kind IN ('retention', 'erasure', 'access'));
-- One open access request per person: a second would export the same rows twice.
CREATE UNIQUE INDEX retention_requests_one_open_access
    ON governance.retention_requests (tenant_id, (subject->>'customer_id'))
    WHERE kind = 'access' AND status IN ('planning', 'pending_approval', 'approved', 'blocked', 'running');

CREATE TABLE governance.access_requests (
    request_id UUID PRIMARY KEY REFERENCES governance.retention_requests(id) ON DELETE CASCADE,
    regulation VARCHAR(10) NOT NULL CHECK (regulation IN ('gdpr', 'ccpa')),
    received_at TIMESTAMPTZ NOT NULL,
    due_at TIMESTAMPTZ NOT NULL,
    package_path TEXT,
    package_bytes BIGINT,
    package_sha256 TEXT,
    manifest JSONB,
    produced_at TIMESTAMPTZ,
    CHECK (due_at > received_at)
);

CREATE TABLE governance.access_request_notes (
    id BIGSERIAL PRIMARY KEY,
    request_id UUID NOT NULL REFERENCES governance.retention_requests(id),
    author VARCHAR(255) NOT NULL,
    body TEXT NOT NULL CHECK (length(btrim(body)) > 0),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX access_request_notes_request ON governance.access_request_notes (request_id, id);
CREATE TRIGGER access_request_notes_append_only
  BEFORE UPDATE OR DELETE OR TRUNCATE ON governance.access_request_notes
  FOR EACH STATEMENT EXECUTE FUNCTION governance.retention_append_only();
`;

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen and must not depend on app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(DDL).execute(db);
}
