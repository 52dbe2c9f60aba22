import { type Kysely, sql } from "kysely";

/**
 * A trace walks an in-memory index of the lineage graph (jobs/lineage/graph-index.ts) that a
 * process builds once per graph generation. The generation is a counter every statement writing
 * edges or nodes bumps, in its own transaction: a reader sees the new number exactly when it can
 * see the new rows, so the next trace after any committed write (a scan, an ingested event, a
 * manual edge, a bulk load by hand) rebuilds, in whichever process wrote it.
 *
 * The bump runs BEFORE each statement, so a writer takes the counter's row lock before it locks
 * any edge or node row: concurrent lineage writers queue on the counter rather than deadlock on
 * each other's rows. Frozen once released.
 */
const DDL = /* sql */ `
CREATE TABLE governance.lineage_graph_state (
    singleton BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
    generation BIGINT NOT NULL DEFAULT 1
);
INSERT INTO governance.lineage_graph_state DEFAULT VALUES;

CREATE FUNCTION governance.lineage_graph_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE governance.lineage_graph_state SET generation = generation + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER lineage_edges_generation
    BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON governance.lineage_edges
    FOR EACH STATEMENT EXECUTE FUNCTION governance.lineage_graph_bump();
CREATE TRIGGER lineage_nodes_generation
    BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON governance.lineage_nodes
    FOR EACH STATEMENT EXECUTE FUNCTION governance.lineage_graph_bump();
`;

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen and must not depend on app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(DDL).execute(db);
}
