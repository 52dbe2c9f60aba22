import { sql } from "kysely";
import type { Trace, TraceEdge, TraceNode } from "../../schema/domain/lineage.ts";
import type { Db } from "../../schema/postgres.ts";
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

/** An edge as the trace indexes cover it (expression and note come after, for the few). */
type EdgeRow = {
  id: string;
  from_node: string;
  to_node: string;
  kind: EdgeKind;
  transformation: string | null;
  source: string;
  carries_rows: boolean;
};

/**
 * Breadth-first trace: the adjacency of the whole frontier is loaded per hop with one
 * `= ANY($1)` query answered from the (partial, covering) edge indexes alone, and each node is
 * visited once, so cycles end and diamonds are not walked twice (the seed's recursive CTE walks
 * every path). Expressions and notes, unbounded texts no index holds, are read in one query at
 * the end through the partial index of the edges that have any.
 * A table root starts from the table and all of its columns, so a table's trace is column-level.
 */
export async function traceLineage(db: Db, options: TraceOptions): Promise<Trace> {
  const directions: ("upstream" | "downstream")[] =
    options.direction === "both" ? ["upstream", "downstream"] : [options.direction];
  const depthOf = new Map<string, number>([[options.root, 0]]);
  const edges = new Map<string, TraceEdge>();
  const edgeIds = new Map<string, TraceEdge>();
  const roots = [options.root];
  if (parseNode(options.root).kind === "table") {
    const children = await db
      .selectFrom("governance.lineage_nodes")
      .select("id")
      .where("parent_id", "=", options.root)
      .execute();
    for (const c of children) {
      roots.push(c.id);
      depthOf.set(c.id, 0);
    }
  }
  for (const direction of directions) {
    const visited = new Set<string>(roots);
    let frontier = [...roots];
    for (let hop = 1; hop <= options.depth && frontier.length > 0; hop += 1) {
      const rows = await adjacency(db, frontier, direction, options);
      const next: string[] = [];
      for (const row of rows) {
        const key = `${row.from_node}\u0000${row.to_node}\u0000${row.kind}`;
        if (!edges.has(key)) {
          const edge: TraceEdge = {
            from: row.from_node,
            to: row.to_node,
            kind: row.kind,
            transformation: row.transformation,
            expression: null,
            source: row.source,
            note: null,
            carriesRows: row.carries_rows,
          };
          edges.set(key, edge);
          edgeIds.set(String(row.id), edge);
        }
        const other = direction === "downstream" ? row.to_node : row.from_node;
        if (!visited.has(other)) {
          visited.add(other);
          next.push(other);
          if (!depthOf.has(other)) {
            depthOf.set(other, hop);
          }
        }
      }
      frontier = next;
    }
  }
  await attachDetails(db, edgeIds);
  const catalog = await catalogOf(db, [...depthOf.keys()]);
  const nodes: TraceNode[] = [...depthOf.entries()].map(([id, depth]) => ({
    id,
    kind: parseNode(id).kind,
    pii: catalog.get(id)?.pii ?? null,
    depth,
    catalogId: catalog.get(id)?.catalogId ?? null,
  }));
  return { root: options.root, nodes, edges: [...edges.values()] };
}

async function adjacency(
  db: Db,
  frontier: string[],
  direction: "upstream" | "downstream",
  options: TraceOptions,
): Promise<EdgeRow[]> {
  const near = direction === "downstream" ? sql.ref("from_node") : sql.ref("to_node");
  const kinds = options.kinds && options.kinds.length > 0 ? options.kinds : null;
  // `active` written literally: the partial indexes serve only a predicate that implies theirs.
  const active = options.includeInactive ? sql`true` : sql`active`;
  const kindFilter = kinds ? sql`kind = ANY(${kinds}::text[])` : sql`true`;
  const result = await sql<EdgeRow>`
    SELECT id, from_node, to_node, kind, transformation, source, carries_rows
    FROM governance.lineage_edges
    WHERE ${near} = ANY(${frontier}::text[]) AND ${active} AND ${kindFilter}
  `.execute(db);
  return result.rows;
}

/** Expression and note of the traced edges that have one (the predicate is the index's). */
async function attachDetails(db: Db, edges: Map<string, TraceEdge>): Promise<void> {
  if (edges.size === 0) {
    return;
  }
  const result = await sql<{ id: string; expression: string | null; note: string | null }>`
    SELECT id, expression, note FROM governance.lineage_edges
    WHERE id = ANY(${[...edges.keys()]}::bigint[]) AND (expression IS NOT NULL OR note IS NOT NULL)
  `.execute(db);
  for (const row of result.rows) {
    const edge = edges.get(String(row.id));
    if (edge) {
      edge.expression = row.expression;
      edge.note = row.note;
    }
  }
}

/**
 * For column nodes of the two stores: the catalog entry and the PII category that counts now
 * (a steward's decision, else the scanner's or lineage's proposal).
 */
export async function catalogOf(
  db: Db,
  ids: string[],
): Promise<Map<string, { catalogId: string; pii: string | null }>> {
  const wanted = ids
    .map((id) => parseNode(id))
    .filter((n) => n.kind === "column" && (n.prefix === "postgres" || n.prefix === "clickhouse"));
  const out = new Map<string, { catalogId: string; pii: string | null }>();
  if (wanted.length === 0) {
    return out;
  }
  const rows = await sql<{
    id: string;
    catalog_id: string;
    category: string | null;
    is_pii: boolean;
  }>`
    SELECT w.id, c.id AS catalog_id, c.effective_category AS category, c.is_pii
    FROM unnest(${wanted.map((n) => n.id)}::text[], ${wanted.map((n) => n.prefix)}::text[],
                ${wanted.map((n) => n.parts[0] ?? "")}::text[], ${wanted.map((n) => n.parts[1] ?? "")}::text[],
                ${wanted.map((n) => n.parts.slice(2).join("."))}::text[]) AS w(id, store, s, t, col)
    JOIN governance.catalog_effective_columns c
      ON c.store = w.store AND c.schema_name = w.s AND c.table_name = w.t AND c.column_name = w.col
      AND c.json_path = '' AND c.dropped_at IS NULL
  `.execute(db);
  for (const r of rows.rows) {
    out.set(r.id, { catalogId: r.catalog_id, pii: r.is_pii ? r.category : null });
  }
  return out;
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
