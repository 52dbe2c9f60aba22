import { type Kysely, sql } from "kysely";

/**
 * Separation of duties for console accounts: who created each account, who changed its role and
 * who re-enabled it, and when. The approval gate refuses a decision on a request by anyone whose
 * account such a person made or raised (directly or through accounts they made), since whoever
 * set an account's password or role can act through it. Append-only, like the audit trail:
 * provenance rewritten afterwards would prove nothing. Accounts made before this migration
 * have no rows (nobody is known to have made them). Frozen: later changes go into new
 * migrations.
 */

const DDL = /* sql */ `
CREATE TABLE governance.console_user_provenance (
    id BIGSERIAL PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES governance.console_users (id) ON DELETE CASCADE,
    event VARCHAR(20) NOT NULL CHECK (event IN ('created', 'role_changed', 'enabled')),
    -- The account's role after the event.
    role VARCHAR(40) NOT NULL,
    -- Who did it: a console user's e-mail, or local-operator (the CLI without a token).
    by_actor VARCHAR(255) NOT NULL,
    by_user_id UUID REFERENCES governance.console_users (id) ON DELETE SET NULL,
    at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX console_user_provenance_user ON governance.console_user_provenance (user_id, at);

CREATE FUNCTION governance.console_user_provenance_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'governance.console_user_provenance is append-only';
END $$;
CREATE TRIGGER console_user_provenance_append_only
    BEFORE UPDATE ON governance.console_user_provenance
    FOR EACH ROW EXECUTE FUNCTION governance.console_user_provenance_append_only();
`;

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen and must not depend on app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(DDL).execute(db);
}
