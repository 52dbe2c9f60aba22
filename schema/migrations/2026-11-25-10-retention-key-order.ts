import { type Kysely, sql } from "kysely";

/**
 * Retention executor speed: each plan key gets a position (`seq`) and, when the planner wrote
 * it, the row's physical location at planning (`tid`). The planner assigns positions in the
 * table's physical order, so a batch is one range of positions: one index range scan of the
 * plan, rows fetched by location (verified by key, looked up by key when the row has moved)
 * and pages touched in order. The ledger's unique key becomes (request, position): positions
 * come from one sequence, so a position names exactly one planned key of its request (whatever
 * its table) and "never twice" holds as before; new ledger rows append at the index's right edge
 * instead of landing at random text keys, and the index compares no table names.
 *
 * Each plan key also says what is done to its row (`treatment`): the plan's action for its table
 * (`act`: delete, archive, anonymize), or, for a row that only mentions an erased person
 * (another customer's message naming them), `scrub`: their identifiers replaced, the rest kept.
 * The ledger records a scrub as such.
 */

const DDL = /* sql */ `
CREATE SEQUENCE governance.retention_key_seq AS BIGINT CACHE 1000;

ALTER TABLE governance.retention_request_keys ADD COLUMN seq BIGINT, ADD COLUMN tid TID;
UPDATE governance.retention_request_keys SET seq = nextval('governance.retention_key_seq');
ALTER TABLE governance.retention_request_keys
    ALTER COLUMN seq SET DEFAULT nextval('governance.retention_key_seq'),
    ALTER COLUMN seq SET NOT NULL;
CREATE UNIQUE INDEX retention_request_keys_seq
    ON governance.retention_request_keys (request_id, table_name, seq);
ALTER TABLE governance.retention_request_keys
    ADD COLUMN treatment VARCHAR(10) NOT NULL DEFAULT 'act' CHECK (treatment IN ('act', 'scrub'));

-- The ledger is append-only; its rows only gain the position of the key they already name.
ALTER TABLE governance.retention_ledger DISABLE TRIGGER retention_ledger_append_only;
ALTER TABLE governance.retention_ledger ADD COLUMN seq BIGINT;
UPDATE governance.retention_ledger l SET seq = k.seq
FROM governance.retention_request_keys k
WHERE k.request_id = l.request_id AND k.table_name = l.table_name AND k.key = l.key;
-- A ledger row whose plan is gone (its request removed) keeps a position of its own.
UPDATE governance.retention_ledger SET seq = nextval('governance.retention_key_seq') WHERE seq IS NULL;
ALTER TABLE governance.retention_ledger ENABLE TRIGGER retention_ledger_append_only;
ALTER TABLE governance.retention_ledger ALTER COLUMN seq SET NOT NULL;
ALTER TABLE governance.retention_ledger DROP CONSTRAINT retention_ledger_pkey;
ALTER TABLE governance.retention_ledger ADD PRIMARY KEY (request_id, seq);
ALTER TABLE governance.retention_ledger DROP CONSTRAINT retention_ledger_action_check,
    ADD CONSTRAINT retention_ledger_action_check CHECK (action IN ('delete', 'anonymize', 'scrub'));
`;

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen and must not depend on app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(DDL).execute(db);
}
