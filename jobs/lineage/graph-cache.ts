import { type Kysely, sql } from "kysely";
import type { DB } from "../../schema/database.ts";
import type { Db } from "../../schema/postgres.ts";
import { type EdgeRows, LineageGraph } from "./graph-index.ts";
import { EDGE_SOURCES, TRANSFORMATIONS } from "./types.ts";

/**
 * One in-memory lineage index per database handle, shared by everything in the process that
 * traces through that handle (API routes, CLI commands, jobs). It reflects one graph generation:
 * every statement that writes edges or nodes bumps the generation in its own transaction and
 * stamps the rows it changed with it (migration 2026-12-10-lin-01). A trace compares the
 * generation read with its answer against the index's; when it moved, the index reads the rows
 * changed since (or, after a deletion or a large change, the whole graph) before answering. So a
 * write committed anywhere, by any process, is seen by the next trace.
 */
type CacheState = { graph?: LineageGraph; refreshing?: Promise<LineageGraph> };

const caches = new WeakMap<Db, CacheState>();

/** Edges per statement of a full read: one JSON value of parallel arrays per chunk. */
const CHUNK = 200_000;
/** Changed edges above which a delta is not worth it: the graph is read whole. */
const MAX_DELTA = 50_000;

function stateOf(db: Db): CacheState {
  let state = caches.get(db);
  if (!state) {
    state = {};
    caches.set(db, state);
  }
  return state;
}

/**
 * The index, at least as new as `generation` (0: whatever is held, read on first use).
 * Concurrent callers share one refresh; a refresh that ends older than asked starts another.
 */
export async function graphAtLeast(db: Db, generation: number): Promise<LineageGraph> {
  const state = stateOf(db);
  for (;;) {
    if (state.graph && state.graph.generation >= generation) {
      return state.graph;
    }
    if (!state.refreshing) {
      state.refreshing = refresh(db, state.graph)
        .then((graph) => {
          state.graph = graph;
          return graph;
        })
        .finally(() => {
          state.refreshing = undefined;
        });
    }
    const graph = await state.refreshing;
    if (graph.generation >= generation) {
      return graph;
    }
  }
}

/** The packed bounded fields of an edge (EdgeRows.code), positions in the shared vocabularies. */
const edgeCode = sql`(
  active::int
  | (CASE WHEN kind = 'reference' THEN 2 ELSE 0 END)
  | (carries_rows::int << 2)
  | (coalesce(array_position(${[...TRANSFORMATIONS]}::text[], transformation), 0) << 3)
  | (array_position(${[...EDGE_SOURCES]}::text[], source) << 6))`;

/**
 * Brings `current` up to the generation of one repeatable-read snapshot: the rows changed since
 * its generation when that is possible and small, else the whole graph.
 */
async function refresh(db: Db, current: LineageGraph | undefined): Promise<LineageGraph> {
  return db
    .transaction()
    .setIsolationLevel("repeatable read")
    .execute(async (trx) => {
      await sql`SET TRANSACTION READ ONLY`.execute(trx);
      const state = await sql<{ generation: number; reset_generation: number }>`
        SELECT generation, reset_generation FROM governance.lineage_graph_state`.execute(trx);
      const generation = Number(state.rows[0]?.generation ?? 0);
      const reset = Number(state.rows[0]?.reset_generation ?? 0);
      if (current && current.generation >= reset && current.generation <= generation) {
        if (await applyDelta(trx, current)) {
          current.generation = generation;
          return current;
        }
      }
      return readWhole(trx, generation);
    });
}

/** Reads the edges and nodes changed after `graph.generation`; false when a full read is due. */
async function applyDelta(trx: Kysely<DB>, graph: LineageGraph): Promise<boolean> {
  const since = graph.generation;
  const edges = await sql<{ rows: EdgeRows }>`
    SELECT json_build_object(
      'id', coalesce(array_agg(id), '{}'), 'from', coalesce(array_agg(from_node), '{}'),
      'to', coalesce(array_agg(to_node), '{}'), 'code', coalesce(array_agg(code), '{}'),
      'expression', coalesce(array_agg(expression), '{}'), 'note', coalesce(array_agg(note), '{}'))
      AS rows
    FROM (
      SELECT id, from_node, to_node, ${edgeCode} AS code, expression, note
      FROM governance.lineage_edges WHERE generation > ${since} LIMIT ${MAX_DELTA + 1}
    ) e`.execute(trx);
  const rows = edges.rows[0]?.rows;
  if (!rows || rows.id.length > MAX_DELTA) {
    return false;
  }
  const children = await childrenSince(trx, since);
  if (!graph.applyEdges(rows)) {
    return false;
  }
  graph.addChildren(children.ids, children.parents);
  return true;
}

/**
 * The whole graph: edges in id order by chunks, each chunk one row of parallel JSON arrays
 * (parsed natively, no object per edge), then the column → table pairs and the expressions and
 * notes of the edges that have one (a partial index holds those).
 */
async function readWhole(trx: Kysely<DB>, generation: number): Promise<LineageGraph> {
  const graph = new LineageGraph(generation);
  let after = 0;
  for (;;) {
    const result = await sql<{ rows: EdgeRows & { last: number | null } }>`
      SELECT json_build_object(
        'id', coalesce(array_agg(id), '{}'), 'from', coalesce(array_agg(from_node), '{}'),
        'to', coalesce(array_agg(to_node), '{}'), 'code', coalesce(array_agg(code), '{}'),
        'last', max(id)) AS rows
      FROM (
        SELECT id, from_node, to_node, ${edgeCode} AS code
        FROM governance.lineage_edges WHERE id > ${after} ORDER BY id LIMIT ${CHUNK}
      ) e`.execute(trx);
    const rows = result.rows[0]?.rows;
    if (!rows || rows.last === null) {
      break;
    }
    graph.appendEdges(rows);
    after = rows.last;
    if (rows.id.length < CHUNK) {
      break;
    }
  }
  graph.index();
  const details = await sql<{ id: number; expression: string | null; note: string | null }>`
    SELECT id, expression, note FROM governance.lineage_edges
    WHERE expression IS NOT NULL OR note IS NOT NULL`.execute(trx);
  graph.setDetails(details.rows);
  const children = await childrenSince(trx, -1);
  graph.addChildren(children.ids, children.parents);
  return graph;
}

async function childrenSince(
  trx: Kysely<DB>,
  since: number,
): Promise<{ ids: string[]; parents: string[] }> {
  const result = await sql<{ pairs: { ids: string[]; parents: string[] } }>`
    SELECT json_build_object('ids', coalesce(array_agg(id), '{}'),
      'parents', coalesce(array_agg(parent_id), '{}')) AS pairs
    FROM governance.lineage_nodes WHERE parent_id IS NOT NULL AND generation > ${since}`.execute(
    trx,
  );
  return result.rows[0]?.pairs ?? { ids: [], parents: [] };
}
