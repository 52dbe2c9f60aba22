import { sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";
import { type EdgeChunk, type GraphIndex, GraphIndexBuilder } from "./graph-index.ts";
import { EDGE_SOURCES, TRANSFORMATIONS } from "./types.ts";

/**
 * One in-memory lineage index per database handle, shared by everything in the process that
 * traces through that handle (API routes, CLI commands, jobs). It is valid for one graph
 * generation: every statement that writes edges or nodes bumps the generation in its own
 * transaction (migration 2026-12-10-lin-01), and a trace compares the generation it reads with
 * its answer against the index's, rebuilding when they differ. So a write committed anywhere,
 * by any process, is seen by the next trace.
 */
type CacheState = { graph?: GraphIndex; building?: Promise<GraphIndex> };

const caches = new WeakMap<Db, CacheState>();

/** Edges per read: one statement returns one JSON value of parallel arrays per chunk. */
const CHUNK = 200_000;

function stateOf(db: Db): CacheState {
  let state = caches.get(db);
  if (!state) {
    state = {};
    caches.set(db, state);
  }
  return state;
}

/**
 * An index at least as new as `generation` (0: whatever is built, building it on first use).
 * Concurrent callers share one build; a build that turns out older than asked starts another.
 */
export async function graphAtLeast(db: Db, generation: number): Promise<GraphIndex> {
  const state = stateOf(db);
  for (;;) {
    if (state.graph && state.graph.generation >= generation) {
      return state.graph;
    }
    if (!state.building) {
      state.building = readGraph(db)
        .then((graph) => {
          if (!state.graph || state.graph.generation < graph.generation) {
            state.graph = graph;
          }
          return graph;
        })
        .finally(() => {
          state.building = undefined;
        });
    }
    const graph = await state.building;
    if (graph.generation >= generation) {
      return graph;
    }
  }
}

/** Drops a handle's index (its next trace reads the graph again). */
export function forgetGraph(db: Db): void {
  caches.delete(db);
}

/**
 * The packed bounded fields of an edge (see EdgeChunk): positions in the shared vocabularies,
 * so the console, the CHECK constraints and the index agree on one list each.
 */
const edgeCodeSql = sql`(
  active::int
  | (CASE WHEN kind = 'reference' THEN 2 ELSE 0 END)
  | (carries_rows::int << 2)
  | (coalesce(array_position(${[...TRANSFORMATIONS]}::text[], transformation), 0) << 3)
  | (array_position(${[...EDGE_SOURCES]}::text[], source) << 6))`;

/**
 * Reads the whole graph in one repeatable-read snapshot: its generation first, then the edges
 * in id order by chunks, each chunk one row of parallel JSON arrays (parsed natively, no object
 * per edge), the column → table pairs, and the expressions and notes of the edges that have one.
 */
async function readGraph(db: Db): Promise<GraphIndex> {
  return db
    .transaction()
    .setIsolationLevel("repeatable read")
    .execute(async (trx) => {
      await sql`SET TRANSACTION READ ONLY`.execute(trx);
      const state = await sql<{ generation: number }>`
        SELECT generation FROM governance.lineage_graph_state`.execute(trx);
      const builder = new GraphIndexBuilder(Number(state.rows[0]?.generation ?? 0));
      let after = 0;
      for (;;) {
        const result = await sql<{ chunk: EdgeChunk & { last: number | null } }>`
          SELECT json_build_object(
            'id', coalesce(array_agg(id), '{}'), 'from', coalesce(array_agg(from_node), '{}'),
            'to', coalesce(array_agg(to_node), '{}'), 'code', coalesce(array_agg(code), '{}'),
            'last', max(id)) AS chunk
          FROM (
            SELECT id, from_node, to_node, ${edgeCodeSql} AS code
            FROM governance.lineage_edges WHERE id > ${after} ORDER BY id LIMIT ${CHUNK}
          ) e`.execute(trx);
        const chunk = result.rows[0]?.chunk;
        if (!chunk || chunk.last === null) {
          break;
        }
        builder.addEdges(chunk);
        after = chunk.last;
        if (chunk.id.length < CHUNK) {
          break;
        }
      }
      const children = await sql<{ pairs: { ids: string[]; parents: string[] } }>`
        SELECT json_build_object('ids', coalesce(array_agg(id), '{}'),
          'parents', coalesce(array_agg(parent_id), '{}')) AS pairs
        FROM governance.lineage_nodes WHERE parent_id IS NOT NULL`.execute(trx);
      const pairs = children.rows[0]?.pairs;
      builder.addChildren(pairs?.ids ?? [], pairs?.parents ?? []);
      const details = await sql<{ id: number; expression: string | null; note: string | null }>`
        SELECT id, expression, note FROM governance.lineage_edges
        WHERE expression IS NOT NULL OR note IS NOT NULL`.execute(trx);
      builder.addDetails(details.rows.map((r) => ({ ...r, id: Number(r.id) })));
      return builder.build();
    });
}
