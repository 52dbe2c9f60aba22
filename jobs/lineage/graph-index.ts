import { EDGE_KINDS, EDGE_SOURCES, type EdgeKind, TRANSFORMATIONS } from "./types.ts";

/**
 * The lineage graph of one generation as compressed adjacency arrays: every node id interned to
 * an int, every edge (active or not) a slot in typed arrays ordered by its database id, and the
 * out- and in-edges of each node contiguous (CSR). A trace is then a breadth-first walk over
 * ints that touches each reached node once, with no query per hop.
 */
export type GraphIndex = {
  /** The graph generation (governance.lineage_graph_state) the arrays were read at. */
  generation: number;
  nodeIds: string[];
  nodeOf: Map<string, number>;
  /** Per edge slot. */
  edgeFrom: Int32Array;
  edgeTo: Int32Array;
  /** FLAG_* bits. */
  edgeFlags: Uint8Array;
  /** Index into TRANSFORMATIONS, or NO_TRANSFORMATION. */
  edgeTransformation: Uint8Array;
  /** Index into EDGE_SOURCES. */
  edgeSource: Uint8Array;
  /** The edge's database id (ascending with the slot). */
  edgeDbId: Float64Array;
  /** Expression and note of the few edges that have one, by slot. */
  details: Map<number, { expression: string | null; note: string | null }>;
  outStart: Int32Array;
  outEdges: Int32Array;
  inStart: Int32Array;
  inEdges: Int32Array;
  /** A table node's column nodes (lineage_nodes.parent_id), for a trace rooted at a table. */
  children: Map<number, number[]>;
};

export const FLAG_ACTIVE = 1;
export const FLAG_REFERENCE = 2;
export const FLAG_CARRIES_ROWS = 4;
export const NO_TRANSFORMATION = 255;

/**
 * One chunk of edges as read (parallel arrays, rows in ascending id). `code` packs the bounded
 * fields: bit 0 active, bit 1 reference, bit 2 carries rows, bits 3-5 the transformation's
 * 1-based position in TRANSFORMATIONS (0: none), bits 6+ the source's 1-based position in
 * EDGE_SOURCES. The SQL that writes it is `edgeCodeSql` in graph-cache.ts.
 */
export type EdgeChunk = { id: number[]; from: string[]; to: string[]; code: number[] };

/** Accumulates chunks of edges and nodes, then freezes them into a GraphIndex. */
export class GraphIndexBuilder {
  private readonly nodeIds: string[] = [];
  private readonly nodeOf = new Map<string, number>();
  private readonly chunks: { from: Int32Array; to: Int32Array; code: number[]; id: number[] }[] =
    [];
  private edgeCount = 0;
  private readonly parents: [number, number][] = [];
  private readonly details: { id: number; expression: string | null; note: string | null }[] = [];

  constructor(private readonly generation: number) {}

  private intern(id: string): number {
    let n = this.nodeOf.get(id);
    if (n === undefined) {
      n = this.nodeIds.length;
      this.nodeIds.push(id);
      this.nodeOf.set(id, n);
    }
    return n;
  }

  addEdges(chunk: EdgeChunk): void {
    const count = chunk.id.length;
    const from = new Int32Array(count);
    const to = new Int32Array(count);
    // Rows come ordered by id, so runs of one source node are common: skip the map for those.
    let lastFrom = "";
    let lastFromN = -1;
    for (let i = 0; i < count; i += 1) {
      const f = chunk.from[i] as string;
      if (f !== lastFrom || lastFromN < 0) {
        lastFrom = f;
        lastFromN = this.intern(f);
      }
      from[i] = lastFromN;
      to[i] = this.intern(chunk.to[i] as string);
    }
    this.chunks.push({ from, to, code: chunk.code, id: chunk.id });
    this.edgeCount += count;
  }

  /** Column → table pairs (lineage_nodes), so a table root starts from its columns. */
  addChildren(ids: string[], parents: string[]): void {
    for (let i = 0; i < ids.length; i += 1) {
      this.parents.push([this.intern(parents[i] as string), this.intern(ids[i] as string)]);
    }
  }

  addDetails(rows: { id: number; expression: string | null; note: string | null }[]): void {
    this.details.push(...rows);
  }

  build(): GraphIndex {
    const m = this.edgeCount;
    const n = this.nodeIds.length;
    const edgeFrom = new Int32Array(m);
    const edgeTo = new Int32Array(m);
    const edgeFlags = new Uint8Array(m);
    const edgeTransformation = new Uint8Array(m);
    const edgeSource = new Uint8Array(m);
    const edgeDbId = new Float64Array(m);
    let slot = 0;
    for (const c of this.chunks) {
      edgeFrom.set(c.from, slot);
      edgeTo.set(c.to, slot);
      for (let i = 0; i < c.code.length; i += 1) {
        const code = c.code[i] as number;
        edgeFlags[slot + i] = code & 7;
        const t = (code >> 3) & 7;
        edgeTransformation[slot + i] = t === 0 ? NO_TRANSFORMATION : t - 1;
        edgeSource[slot + i] = (code >> 6) - 1;
        edgeDbId[slot + i] = c.id[i] as number;
      }
      slot += c.code.length;
    }
    this.chunks.length = 0;
    sortBySlotId(edgeDbId, [edgeFrom, edgeTo, edgeFlags, edgeTransformation, edgeSource]);
    const [outStart, outEdges] = csr(n, edgeFrom);
    const [inStart, inEdges] = csr(n, edgeTo);
    const details = new Map<number, { expression: string | null; note: string | null }>();
    for (const d of this.details) {
      const at = findSlot(edgeDbId, d.id);
      if (at >= 0) {
        details.set(at, { expression: d.expression, note: d.note });
      }
    }
    const children = new Map<number, number[]>();
    for (const [parent, child] of this.parents) {
      const list = children.get(parent);
      if (list) {
        list.push(child);
      } else {
        children.set(parent, [child]);
      }
    }
    return {
      generation: this.generation,
      nodeIds: this.nodeIds,
      nodeOf: this.nodeOf,
      edgeFrom,
      edgeTo,
      edgeFlags,
      edgeTransformation,
      edgeSource,
      edgeDbId,
      details,
      outStart,
      outEdges,
      inStart,
      inEdges,
      children,
    };
  }
}

/** Counting sort of edge slots by one endpoint: offsets per node, slots in ascending order. */
function csr(n: number, endpoint: Int32Array): [Int32Array, Int32Array] {
  const start = new Int32Array(n + 1);
  for (let i = 0; i < endpoint.length; i += 1) {
    const at = (endpoint[i] as number) + 1;
    start[at] = (start[at] as number) + 1;
  }
  for (let v = 0; v < n; v += 1) {
    start[v + 1] = (start[v + 1] as number) + (start[v] as number);
  }
  const fill = start.slice(0, n);
  const slots = new Int32Array(endpoint.length);
  for (let i = 0; i < endpoint.length; i += 1) {
    const v = endpoint[i] as number;
    const at = fill[v] as number;
    slots[at] = i;
    fill[v] = at + 1;
  }
  return [start, slots];
}

/**
 * The chunks arrive in id order (each chunk's rows ordered by id); should a chunk ever not be,
 * the slots are put in id order here, since the first of two edges with the same ends and kind
 * (the lowest id) is the one a trace reports.
 */
function sortBySlotId(ids: Float64Array, columns: (Int32Array | Uint8Array)[]): void {
  let sorted = true;
  for (let i = 1; i < ids.length && sorted; i += 1) {
    sorted = (ids[i - 1] as number) < (ids[i] as number);
  }
  if (sorted) {
    return;
  }
  const order = Array.from({ length: ids.length }, (_, i) => i).sort(
    (a, b) => (ids[a] as number) - (ids[b] as number),
  );
  const idsCopy = ids.slice();
  for (let i = 0; i < order.length; i += 1) {
    ids[i] = idsCopy[order[i] as number] as number;
  }
  for (const column of columns) {
    const copy = column.slice();
    for (let i = 0; i < order.length; i += 1) {
      column[i] = copy[order[i] as number] as number;
    }
  }
}

function findSlot(ids: Float64Array, id: number): number {
  let lo = 0;
  let hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = ids[mid] as number;
    if (v === id) {
      return mid;
    }
    if (v < id) {
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return -1;
}

export type WalkOptions = {
  root: string;
  directions: ("upstream" | "downstream")[];
  depth: number;
  kinds?: EdgeKind[];
  includeInactive?: boolean;
  /** Whether the root is a table (its columns are roots too). */
  rootIsTable: boolean;
};

/** What a walk reached: node ids with their hop count (root first), and edge slots. */
export type Walk = { nodes: { id: string; depth: number }[]; edges: number[] };

/**
 * Breadth-first from the root (and, for a table, its columns) in each direction, each node
 * visited once per direction, so cycles end and diamonds are not walked twice. Among edges with
 * the same ends and kind (asserted by several sources) the one with the lowest id is reported.
 * A node's depth is the hop at which it was first reached.
 */
export function walkGraph(graph: GraphIndex, options: WalkOptions): Walk {
  const rootN = graph.nodeOf.get(options.root);
  if (rootN === undefined) {
    return { nodes: [{ id: options.root, depth: 0 }], edges: [] };
  }
  const n = graph.nodeIds.length;
  const depthOf = new Map<number, number>([[rootN, 0]]);
  const roots = [rootN];
  if (options.rootIsTable) {
    for (const c of graph.children.get(rootN) ?? []) {
      if (!depthOf.has(c)) {
        roots.push(c);
        depthOf.set(c, 0);
      }
    }
  }
  let kindMask = 3; // bit 0: flow allowed, bit 1: reference allowed
  if (options.kinds && options.kinds.length > 0) {
    kindMask = 0;
    for (const k of options.kinds) {
      kindMask |= k === "reference" ? 2 : 1;
    }
  }
  const needActive = options.includeInactive ? 0 : FLAG_ACTIVE;
  const seenEdge = new Set<number>();
  const edges: number[] = [];
  const visited = new Uint8Array(n);
  for (const direction of options.directions) {
    const down = direction === "downstream";
    const start = down ? graph.outStart : graph.inStart;
    const slots = down ? graph.outEdges : graph.inEdges;
    const other = down ? graph.edgeTo : graph.edgeFrom;
    visited.fill(0);
    for (const r of roots) {
      visited[r] = 1;
    }
    let frontier = roots;
    for (let hop = 1; hop <= options.depth && frontier.length > 0; hop += 1) {
      const next: number[] = [];
      for (const v of frontier) {
        const end = start[v + 1] as number;
        for (let p = start[v] as number; p < end; p += 1) {
          const e = slots[p] as number;
          const flags = graph.edgeFlags[e] as number;
          if ((flags & needActive) !== needActive) {
            continue;
          }
          if ((kindMask & (flags & FLAG_REFERENCE ? 2 : 1)) === 0) {
            continue;
          }
          const from = graph.edgeFrom[e] as number;
          const to = graph.edgeTo[e] as number;
          const key = (from * n + to) * 2 + (flags & FLAG_REFERENCE ? 1 : 0);
          if (!seenEdge.has(key)) {
            seenEdge.add(key);
            edges.push(e);
          }
          const w = other[e] as number;
          if (visited[w] === 0) {
            visited[w] = 1;
            next.push(w);
            if (!depthOf.has(w)) {
              depthOf.set(w, hop);
            }
          }
        }
      }
      frontier = next;
    }
  }
  const nodes = [...depthOf.entries()].map(([v, depth]) => ({
    id: graph.nodeIds[v] as string,
    depth,
  }));
  return { nodes, edges };
}

/** An edge slot in the trace's shape. */
export function edgeOf(
  graph: GraphIndex,
  e: number,
): {
  from: string;
  to: string;
  kind: EdgeKind;
  transformation: string | null;
  expression: string | null;
  source: string;
  note: string | null;
  carriesRows: boolean;
} {
  const flags = graph.edgeFlags[e] as number;
  const t = graph.edgeTransformation[e] as number;
  const detail = graph.details.get(e);
  return {
    from: graph.nodeIds[graph.edgeFrom[e] as number] as string,
    to: graph.nodeIds[graph.edgeTo[e] as number] as string,
    kind: EDGE_KINDS[flags & FLAG_REFERENCE ? 1 : 0] as EdgeKind,
    transformation: t === NO_TRANSFORMATION ? null : (TRANSFORMATIONS[t] ?? null),
    expression: detail?.expression ?? null,
    source: EDGE_SOURCES[graph.edgeSource[e] as number] ?? "manual",
    note: detail?.note ?? null,
    carriesRows: (flags & FLAG_CARRIES_ROWS) !== 0,
  };
}
