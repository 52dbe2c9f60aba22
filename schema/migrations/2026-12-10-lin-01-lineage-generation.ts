import { type Kysely, sql } from "kysely";

/**
 * A trace walks an in-memory index of the lineage graph (jobs/lineage/graph-index.ts) that a
 * process keeps per graph generation. The generation is a counter every statement writing edges
 * or nodes bumps in its own transaction, so a reader sees the new number exactly when it can see
 * the new rows: the next trace after any committed write (a scan, an ingested event, a manual
 * edge, a bulk load by hand, in any process) notices it.
 *
 * Each edge and node row records the generation of its last change that a trace can see (ends,
 * kind, transformation, expression, note, source, carries_rows, active; a node's parent), so a
 * process brings its index up to date by reading only the rows changed since its generation.
 * Deleting rows sets `reset_generation`: an index older than that is read again whole.
 *
 * The bump runs BEFORE each statement, so a writer takes the counter's row lock before it locks
 * any edge or node row, and holds it to commit: writers queue on the counter (no deadlock on each
 * other's rows), generations commit in order, and no row can later appear with a generation a
 * reader has already seen. Frozen once released.
 */
const DDL = /* sql */ `
CREATE TABLE governance.lineage_graph_state (
    singleton BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
    generation BIGINT NOT NULL DEFAULT 1,
    reset_generation BIGINT NOT NULL DEFAULT 1
);
INSERT INTO governance.lineage_graph_state DEFAULT VALUES;

CREATE FUNCTION governance.lineage_graph_bump() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    next BIGINT;
BEGIN
    UPDATE governance.lineage_graph_state
    SET generation = generation + 1,
        reset_generation = CASE WHEN TG_OP IN ('DELETE', 'TRUNCATE')
            THEN generation + 1 ELSE reset_generation END
    RETURNING generation INTO next;
    PERFORM set_config('govern.lineage_generation', next::text, true);
    RETURN NULL;
END
$$;

-- Inserted rows take the statement's generation as their default; updated rows in this trigger
-- when something a trace shows changed (a re-asserted, unchanged edge keeps its generation).
CREATE FUNCTION governance.lineage_edge_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.from_node, NEW.to_node, NEW.kind, NEW.transformation, NEW.expression, NEW.note,
        NEW.source, NEW.carries_rows, NEW.active)
       IS DISTINCT FROM (OLD.from_node, OLD.to_node, OLD.kind, OLD.transformation, OLD.expression,
        OLD.note, OLD.source, OLD.carries_rows, OLD.active) THEN
        NEW.generation := current_setting('govern.lineage_generation')::bigint;
    END IF;
    RETURN NEW;
END
$$;
CREATE FUNCTION governance.lineage_node_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.id, NEW.parent_id) IS DISTINCT FROM (OLD.id, OLD.parent_id) THEN
        NEW.generation := current_setting('govern.lineage_generation')::bigint;
    END IF;
    RETURN NEW;
END
$$;

ALTER TABLE governance.lineage_edges ADD COLUMN generation BIGINT NOT NULL DEFAULT 0;
ALTER TABLE governance.lineage_edges ALTER COLUMN generation
    SET DEFAULT current_setting('govern.lineage_generation')::bigint;
CREATE INDEX lineage_edges_generation ON governance.lineage_edges (generation);
ALTER TABLE governance.lineage_nodes ADD COLUMN generation BIGINT NOT NULL DEFAULT 0;
ALTER TABLE governance.lineage_nodes ALTER COLUMN generation
    SET DEFAULT current_setting('govern.lineage_generation')::bigint;
CREATE INDEX lineage_nodes_generation ON governance.lineage_nodes (generation);

CREATE TRIGGER lineage_edges_generation
    BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON governance.lineage_edges
    FOR EACH STATEMENT EXECUTE FUNCTION governance.lineage_graph_bump();
CREATE TRIGGER lineage_nodes_generation
    BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON governance.lineage_nodes
    FOR EACH STATEMENT EXECUTE FUNCTION governance.lineage_graph_bump();
CREATE TRIGGER lineage_edges_changed BEFORE UPDATE ON governance.lineage_edges
    FOR EACH ROW EXECUTE FUNCTION governance.lineage_edge_changed();
CREATE TRIGGER lineage_nodes_changed BEFORE UPDATE ON governance.lineage_nodes
    FOR EACH ROW EXECUTE FUNCTION governance.lineage_node_changed();
`;

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen and must not depend on app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(DDL).execute(db);
}
