import { sql } from "kysely";
import type { Trace, TraceEdge, TraceNode } from "../../schema/domain/lineage.ts";
import type { Db } from "../../schema/postgres.ts";
import { graphAtLeast } from "./graph-cache.ts";
import { parseNode } from "./node-ids.ts";
import type { EdgeKind, NodeKind } from "./types.ts";

export type TraceDirection = "upstream" | "downstream" | "both";

export type TraceOptions = {
  root: string;
  direction: TraceDirection;
  /** Hops from the root (1..50). */
  depth: number;
  /** Only edges of these kinds (default: all). */
  kinds?: EdgeKind[];
  /** Include inactive (vanished) edges too. */
  includeInactive?: boolean;
};

export type { Trace, TraceEdge, TraceNode };

/**
 * Breadth-first trace over the process's in-memory index of the graph (graph-index.ts): each
 * node visited once, so cycles end and diamonds are not walked twice (the seed's recursive CTE
 * walks every path), with no query per hop. One statement then reads the reached columns' catalog
 * entries (PII, click-through) together with the graph's current generation; if an edge was
 * written since the index was built, the index is rebuilt and the walk done again, so the answer
 * always includes every write committed before the trace began.
 * A table root starts from the table and all of its columns, so a table's trace is column-level.
 */
export async function traceLineage(db: Db, options: TraceOptions): Promise<Trace> {
  const walkOptions = {
    root: options.root,
    directions: (options.direction === "both"
      ? ["upstream", "downstream"]
      : [options.direction]) as ("upstream" | "downstream")[],
    depth: options.depth,
    kinds: options.kinds,
    includeInactive: options.includeInactive,
    rootIsTable: parseNode(options.root).kind === "table",
  };
  let graph = await graphAtLeast(db, 0);
  for (;;) {
    const walk = graph.walk(walkOptions);
    const { generation, catalog } = await catalogAt(
      db,
      walk.nodes.map((n) => n.id),
    );
    if (generation > graph.generation) {
      graph = await graphAtLeast(db, generation);
      continue;
    }
    const nodes: TraceNode[] = walk.nodes.map(({ id, depth }) => ({
      id,
      kind: parseNode(id).kind,
      pii: catalog.get(id)?.pii ?? null,
      depth,
      catalogId: catalog.get(id)?.catalogId ?? null,
    }));
    return { root: options.root, nodes, edges: walk.edges.map((e) => graph.edge(e)) };
  }
}

/**
 * For column nodes of the two stores: the catalog entry and the PII category that counts now
 * (a steward's decision, else the scanner's or lineage's proposal); and, in the same snapshot,
 * the graph generation the answer is valid for.
 */
async function catalogAt(
  db: Db,
  ids: string[],
): Promise<{
  generation: number;
  catalog: Map<string, { catalogId: string; pii: string | null }>;
}> {
  const wanted = ids
    .map((id) => parseNode(id))
    .filter((n) => n.kind === "column" && (n.prefix === "postgres" || n.prefix === "clickhouse"));
  const rows = await sql<{
    id: string | null;
    catalog_id: string | null;
    category: string | null;
    is_pii: boolean | null;
    generation: number | null;
  }>`
    SELECT NULL AS id, NULL::uuid AS catalog_id, NULL AS category, NULL::boolean AS is_pii,
      generation
    FROM governance.lineage_graph_state
    UNION ALL
    SELECT w.id, c.id, c.effective_category, c.is_pii, NULL
    FROM unnest(${wanted.map((n) => n.id)}::text[], ${wanted.map((n) => n.prefix)}::text[],
                ${wanted.map((n) => n.parts[0] ?? "")}::text[], ${wanted.map((n) => n.parts[1] ?? "")}::text[],
                ${wanted.map((n) => n.parts.slice(2).join("."))}::text[]) AS w(id, store, s, t, col)
    JOIN governance.catalog_effective_columns c
      ON c.store = w.store AND c.schema_name = w.s AND c.table_name = w.t AND c.column_name = w.col
      AND c.json_path = '' AND c.dropped_at IS NULL
  `.execute(db);
  let generation = 0;
  const catalog = new Map<string, { catalogId: string; pii: string | null }>();
  for (const r of rows.rows) {
    if (r.id === null) {
      generation = Number(r.generation ?? 0);
    } else if (r.catalog_id !== null) {
      catalog.set(r.id, { catalogId: r.catalog_id, pii: r.is_pii ? r.category : null });
    }
  }
  return { generation, catalog };
}

/** The trace in the CLI contract's shape (issue 18): only the fields automation relies on. */
export function contractTrace(trace: Trace): {
  root: string;
  nodes: { id: string; kind: NodeKind; pii: string | null }[];
  edges: { from: string; to: string; kind: EdgeKind; transformation: string | null }[];
} {
  return {
    root: trace.root,
    nodes: trace.nodes.map((n) => ({ id: n.id, kind: n.kind, pii: n.pii })),
    edges: trace.edges.map((e) => ({
      from: e.from,
      to: e.to,
      kind: e.kind,
      transformation: e.transformation,
    })),
  };
}
