import { type Kysely, sql } from "kysely";

/**
 * The audit chain's head (last id and hash), kept beside the chain by the same insert trigger.
 * A deleted row in the middle breaks the next row's link; a deleted newest row leaves the chain
 * itself intact, but no longer ends where the head says it does. Frozen.
 */

const DDL = /* sql */ `
CREATE TABLE governance.audit_chain_head (
    singleton BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
    last_id BIGINT NOT NULL,
    last_hash BYTEA NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO governance.audit_chain_head (last_id, last_hash)
SELECT id, hash FROM governance.audit_events ORDER BY id DESC LIMIT 1;
REVOKE ALL ON governance.audit_chain_head FROM PUBLIC;

CREATE OR REPLACE FUNCTION governance.audit_events_chain() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('governance.audit_events'));
  -- Numbered under the lock, so id order is chain order even with concurrent writers.
  NEW.id := nextval(pg_get_serial_sequence('governance.audit_events', 'id'));
  NEW.prev_hash := coalesce(
    (SELECT hash FROM governance.audit_events ORDER BY id DESC LIMIT 1),
    '\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);
  NEW.hash := digest(NEW.prev_hash || governance.audit_event_content(NEW), 'sha256');
  INSERT INTO governance.audit_chain_head AS h (singleton, last_id, last_hash)
  VALUES (true, NEW.id, NEW.hash)
  ON CONFLICT (singleton) DO UPDATE
    SET last_id = EXCLUDED.last_id, last_hash = EXCLUDED.last_hash, updated_at = now();
  RETURN NEW;
END $$;
`;

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen and must not depend on app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(DDL).execute(db);
}
