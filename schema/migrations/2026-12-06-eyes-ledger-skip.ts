import { type Kysely, sql } from "kysely";

/**
 * An approved plan's row that no longer qualifies when its batch runs (a customer reactivated
 * after planning) is skipped, not deleted: its ledger row says `skip`, so the key is accounted
 * for (a retry never looks at it again) and the certificate reports it apart from the rows
 * acted on.
 */

const DDL = /* sql */ `
ALTER TABLE governance.retention_ledger
    DROP CONSTRAINT retention_ledger_action_check,
    ADD CONSTRAINT retention_ledger_action_check
        CHECK (action IN ('delete', 'anonymize', 'scrub', 'skip'));
`;

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen and must not depend on app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(DDL).execute(db);
}
