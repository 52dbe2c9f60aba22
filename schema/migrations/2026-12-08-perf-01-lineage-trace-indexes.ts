import { type Kysely, sql } from "kysely";

/**
 * A trace walks the graph one hop at a time over the active edges of a frontier. The first
 * indexes covered only (to_node, kind), so every edge a trace returned cost a heap visit for its
 * transformation, source and carries_rows: ~5,000 random heap reads for a 10-hop trace of a
 * 1M-edge graph. These cover every bounded field a trace returns (index-only scans), and the
 * unbounded texts (expression, note — too long for a btree tuple) are fetched in one extra
 * query through a partial index of the few edges that have them. They replace the first two.
 */
const DDL = `
CREATE INDEX lineage_edges_from_trace ON governance.lineage_edges (from_node)
  INCLUDE (to_node, kind, transformation, source, carries_rows, id) WHERE active;
CREATE INDEX lineage_edges_to_trace ON governance.lineage_edges (to_node)
  INCLUDE (from_node, kind, transformation, source, carries_rows, id) WHERE active;
DROP INDEX governance.lineage_edges_from;
DROP INDEX governance.lineage_edges_to;
CREATE INDEX lineage_edges_detail ON governance.lineage_edges (id)
  WHERE expression IS NOT NULL OR note IS NOT NULL;
`;

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen and must not depend on app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(DDL).execute(db);
}
