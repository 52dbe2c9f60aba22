import type { TraceEdge } from "../../schema/domain/lineage.ts";
import { EDGE_KINDS, EDGE_SOURCES, type EdgeKind, TRANSFORMATIONS } from "./types.ts";

/**
 * The lineage graph of one generation in compact arrays: every node id interned to an int, every
 * edge (active or not) a slot in typed arrays, and the out- and in-edges of each node contiguous
 * (CSR) as of the last full read. Edges that arrive later (a delta read since the generation)
 * take new slots and sit in small per-node overlay lists; a changed edge is updated in its slot.
 * A trace is then a breadth-first walk over ints that touches each reached node once, with no
 * query per hop.
 */

export const FLAG_ACTIVE = 1;
export const FLAG_REFERENCE = 2;
export const FLAG_CARRIES_ROWS = 4;
const NO_TRANSFORMATION = 255;

/**
 * Edge rows as read (parallel arrays). `code` packs the bounded fields: bit 0 active, bit 1
 * reference, bit 2 carries rows, bits 3-5 the transformation's 1-based position in
 * TRANSFORMATIONS (0: none), bits 6+ the source's 1-based position in EDGE_SOURCES (the SQL that
 * writes it is `edgeCode` in graph-cache.ts). A delta read carries expression and note too.
 */
export type EdgeRows = {
  id: number[];
  from: string[];
  to: string[];
  code: number[];
  expression?: (string | null)[];
  note?: (string | null)[];
};

type Detail = { expression: string | null; note: string | null };

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

export class LineageGraph {
  /** The graph generation (governance.lineage_graph_state) the index reflects. */
  generation: number;
  private readonly nodeIds: string[] = [];
  private readonly nodeOf = new Map<string, number>();
  private edgeCount = 0;
  private edgeFrom = new Int32Array(0);
  private edgeTo = new Int32Array(0);
  private edgeFlags = new Uint8Array(0);
  private edgeTransformation = new Uint8Array(0);
  private edgeSource = new Uint8Array(0);
  private edgeDbId = new Float64Array(0);
  /** Expression and note of the edges that have one, by slot. */
  private readonly details = new Map<number, Detail>();
  /** CSR over the first `baseEdges` slots and `baseNodes` nodes (the last full read). */
  private baseEdges = 0;
  private baseNodes = 0;
  private outStart = new Int32Array(1);
  private outEdges = new Int32Array(0);
  private inStart = new Int32Array(1);
  private inEdges = new Int32Array(0);
  /** Slots added since the full read, per node, and by database id. */
  private readonly extraOut = new Map<number, number[]>();
  private readonly extraIn = new Map<number, number[]>();
  private readonly extraSlotOf = new Map<number, number>();
  /** A table node's column nodes (lineage_nodes.parent_id), for a trace rooted at a table. */
  private readonly children = new Map<number, number[]>();

  constructor(generation: number) {
    this.generation = generation;
  }

  get size(): { nodes: number; edges: number; sinceFullRead: number } {
    return {
      nodes: this.nodeIds.length,
      edges: this.edgeCount,
      sinceFullRead: this.edgeCount - this.baseEdges,
    };
  }

  private intern(id: string): number {
    let n = this.nodeOf.get(id);
    if (n === undefined) {
      n = this.nodeIds.length;
      this.nodeIds.push(id);
      this.nodeOf.set(id, n);
    }
    return n;
  }

  private reserve(extra: number): void {
    const need = this.edgeCount + extra;
    if (need <= this.edgeFrom.length) {
      return;
    }
    const capacity = Math.max(need, Math.ceil(this.edgeFrom.length * 1.25) + 1024);
    const grow = <T extends Int32Array | Uint8Array | Float64Array>(
      a: T,
      make: (n: number) => T,
    ) => {
      const b = make(capacity);
      b.set(a.subarray(0, this.edgeCount) as never);
      return b;
    };
    this.edgeFrom = grow(this.edgeFrom, (n) => new Int32Array(n));
    this.edgeTo = grow(this.edgeTo, (n) => new Int32Array(n));
    this.edgeFlags = grow(this.edgeFlags, (n) => new Uint8Array(n));
    this.edgeTransformation = grow(this.edgeTransformation, (n) => new Uint8Array(n));
    this.edgeSource = grow(this.edgeSource, (n) => new Uint8Array(n));
    this.edgeDbId = grow(this.edgeDbId, (n) => new Float64Array(n));
  }

  private setAttributes(slot: number, code: number): void {
    this.edgeFlags[slot] = code & 7;
    const t = (code >> 3) & 7;
    this.edgeTransformation[slot] = t === 0 ? NO_TRANSFORMATION : t - 1;
    this.edgeSource[slot] = (code >> 6) - 1;
  }

  /** Appends edges in ascending id (a full read, before `index()`). */
  appendEdges(rows: EdgeRows): void {
    const count = rows.id.length;
    this.reserve(count);
    // Runs of one source node are common: skip the map for those.
    let lastFrom: string | undefined;
    let lastFromN = -1;
    for (let i = 0; i < count; i += 1) {
      const slot = this.edgeCount + i;
      const f = rows.from[i] as string;
      if (f !== lastFrom) {
        lastFrom = f;
        lastFromN = this.intern(f);
      }
      this.edgeFrom[slot] = lastFromN;
      this.edgeTo[slot] = this.intern(rows.to[i] as string);
      this.edgeDbId[slot] = rows.id[i] as number;
      this.setAttributes(slot, rows.code[i] as number);
    }
    this.edgeCount += count;
  }

  /** Expression and note of edges already indexed (by database id). */
  setDetails(rows: { id: number; expression: string | null; note: string | null }[]): void {
    for (const r of rows) {
      const slot = this.slotOf(r.id);
      if (slot >= 0) {
        this.setDetail(slot, r.expression, r.note);
      }
    }
  }

  private setDetail(slot: number, expression: string | null, note: string | null): void {
    if (expression === null && note === null) {
      this.details.delete(slot);
    } else {
      this.details.set(slot, { expression, note });
    }
  }

  /** Column → table pairs (lineage_nodes), so a table root starts from its columns. */
  addChildren(ids: string[], parents: string[]): void {
    for (let i = 0; i < ids.length; i += 1) {
      const parent = this.intern(parents[i] as string);
      const child = this.intern(ids[i] as string);
      const list = this.children.get(parent);
      if (!list) {
        this.children.set(parent, [child]);
      } else if (!list.includes(child)) {
        list.push(child);
      }
    }
  }

  /** Builds the CSR adjacency over every edge appended so far (after a full read). */
  index(): this {
    this.sortSlotsById();
    this.baseEdges = this.edgeCount;
    this.baseNodes = this.nodeIds.length;
    [this.outStart, this.outEdges] = csr(this.baseNodes, this.edgeFrom, this.baseEdges);
    [this.inStart, this.inEdges] = csr(this.baseNodes, this.edgeTo, this.baseEdges);
    return this;
  }

  /**
   * Applies edges changed since the index's generation (a delta read): an edge already held is
   * updated in its slot, a new one takes a slot in the overlay. Returns false when an edge's
   * ends changed (no writer does that; the caller then reads the graph whole).
   */
  applyEdges(rows: EdgeRows): boolean {
    const order = rows.id.map((_, i) => i).sort((a, b) => (rows.id[a] ?? 0) - (rows.id[b] ?? 0));
    for (const i of order) {
      const id = rows.id[i] as number;
      const from = this.intern(rows.from[i] as string);
      const to = this.intern(rows.to[i] as string);
      let slot = this.slotOf(id);
      if (slot >= 0) {
        if (this.edgeFrom[slot] !== from || this.edgeTo[slot] !== to) {
          return false;
        }
      } else {
        this.reserve(1);
        slot = this.edgeCount;
        this.edgeCount += 1;
        this.edgeFrom[slot] = from;
        this.edgeTo[slot] = to;
        this.edgeDbId[slot] = id;
        this.extraSlotOf.set(id, slot);
        pushTo(this.extraOut, from, slot);
        pushTo(this.extraIn, to, slot);
      }
      this.setAttributes(slot, rows.code[i] as number);
      this.setDetail(slot, rows.expression?.[i] ?? null, rows.note?.[i] ?? null);
    }
    return true;
  }

  private slotOf(id: number): number {
    const extra = this.extraSlotOf.get(id);
    if (extra !== undefined) {
      return extra;
    }
    // Slots of the full read are in ascending id.
    let lo = 0;
    let hi = this.baseEdges - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.edgeDbId[mid] as number;
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

  /**
   * A full read arrives in id order; should it ever not, the slots are put in id order here, as
   * the lowest id among edges with the same ends and kind is the one a trace reports.
   */
  private sortSlotsById(): void {
    const m = this.edgeCount;
    const ids = this.edgeDbId;
    let sorted = true;
    for (let i = 1; i < m && sorted; i += 1) {
      sorted = (ids[i - 1] as number) < (ids[i] as number);
    }
    if (sorted) {
      return;
    }
    const order = Array.from({ length: m }, (_, i) => i).sort(
      (a, b) => (ids[a] as number) - (ids[b] as number),
    );
    const columns = [
      this.edgeFrom,
      this.edgeTo,
      this.edgeFlags,
      this.edgeTransformation,
      this.edgeSource,
      this.edgeDbId,
    ];
    for (const column of columns) {
      const copy = column.slice(0, m);
      for (let i = 0; i < m; i += 1) {
        column[i] = copy[order[i] as number] as number;
      }
    }
  }

  /**
   * Breadth-first from the root (and, for a table, its columns) in each direction, each node
   * visited once per direction, so cycles end and diamonds are not walked twice. Among edges
   * with the same ends and kind (asserted by several sources) the lowest id is reported. A
   * node's depth is the hop at which it was first reached.
   */
  walk(options: WalkOptions): Walk {
    const rootN = this.nodeOf.get(options.root);
    if (rootN === undefined) {
      return { nodes: [{ id: options.root, depth: 0 }], edges: [] };
    }
    const scratch = this.scratchFor();
    const walkId = scratch.nextWalk();
    const { reachedIn, depthOf, visitedIn, pairSeenAt, reported } = scratch;
    const reached: number[] = [rootN];
    reachedIn[rootN] = walkId;
    depthOf[rootN] = 0;
    const roots = [rootN];
    if (options.rootIsTable) {
      for (const c of this.children.get(rootN) ?? []) {
        if (reachedIn[c] !== walkId) {
          reachedIn[c] = walkId;
          depthOf[c] = 0;
          reached.push(c);
          roots.push(c);
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
    const edges: number[] = [];
    const flagsOf = this.edgeFlags;
    for (const direction of options.directions) {
      const down = direction === "downstream";
      const start = down ? this.outStart : this.inStart;
      const slots = down ? this.outEdges : this.inEdges;
      const extra = down ? this.extraOut : this.extraIn;
      const other = down ? this.edgeTo : this.edgeFrom;
      const visitId = scratch.nextVisit();
      for (const r of roots) {
        visitedIn[r] = visitId;
      }
      let frontier = roots;
      for (let hop = 1; hop <= options.depth && frontier.length > 0; hop += 1) {
        const next: number[] = [];
        for (const v of frontier) {
          // Edges with the same ends and kind all sit in this node's list, lowest slot first:
          // `pairSeenAt` keeps the first of them per expansion, `reported` across directions.
          const expansion = scratch.nextExpansion();
          const base = v < this.baseNodes;
          const added = extra.get(v);
          const total =
            (base ? (start[v + 1] as number) - (start[v] as number) : 0) + (added?.length ?? 0);
          const first = base ? (start[v] as number) : 0;
          const baseCount = base ? (start[v + 1] as number) - first : 0;
          for (let k = 0; k < total; k += 1) {
            const e =
              k < baseCount ? (slots[first + k] as number) : (added?.[k - baseCount] as number);
            const flags = flagsOf[e] as number;
            const kind = flags & FLAG_REFERENCE ? 1 : 0;
            if ((flags & needActive) !== needActive || (kindMask & (kind + 1)) === 0) {
              continue;
            }
            const w = other[e] as number;
            const pair = w * 2 + kind;
            if (pairSeenAt[pair] !== expansion) {
              pairSeenAt[pair] = expansion;
              if (reported[e] === 0) {
                reported[e] = 1;
                edges.push(e);
              }
            }
            if (visitedIn[w] !== visitId) {
              visitedIn[w] = visitId;
              next.push(w);
              if (reachedIn[w] !== walkId) {
                reachedIn[w] = walkId;
                depthOf[w] = hop;
                reached.push(w);
              }
            }
          }
        }
        frontier = next;
      }
    }
    for (const e of edges) {
      reported[e] = 0;
    }
    const nodes = reached.map((v) => ({
      id: this.nodeIds[v] as string,
      depth: depthOf[v] as number,
    }));
    return { nodes, edges };
  }

  /** Scratch arrays sized for the graph, reused by every walk (walks are synchronous). */
  private scratch: WalkScratch | undefined;

  private scratchFor(): WalkScratch {
    if (
      !this.scratch ||
      this.scratch.reachedIn.length < this.nodeIds.length ||
      this.scratch.reported.length < this.edgeCount
    ) {
      this.scratch = new WalkScratch(
        Math.ceil(this.nodeIds.length * 1.25) + 64,
        Math.ceil(this.edgeCount * 1.25) + 64,
      );
    }
    return this.scratch;
  }

  /** An edge slot in the trace's shape. */
  edge(slot: number): TraceEdge {
    const flags = this.edgeFlags[slot] as number;
    const t = this.edgeTransformation[slot] as number;
    const detail = this.details.get(slot);
    return {
      from: this.nodeIds[this.edgeFrom[slot] as number] as string,
      to: this.nodeIds[this.edgeTo[slot] as number] as string,
      kind: EDGE_KINDS[flags & FLAG_REFERENCE ? 1 : 0] as EdgeKind,
      transformation: t === NO_TRANSFORMATION ? null : (TRANSFORMATIONS[t] ?? null),
      expression: detail?.expression ?? null,
      source: EDGE_SOURCES[this.edgeSource[slot] as number] as string,
      note: detail?.note ?? null,
      carriesRows: (flags & FLAG_CARRIES_ROWS) !== 0,
    };
  }
}

/**
 * Per-node and per-edge marks stamped with a counter instead of cleared: a walk costs what it
 * reaches, not the size of the graph.
 */
class WalkScratch {
  readonly reachedIn: Int32Array;
  readonly depthOf: Int32Array;
  readonly visitedIn: Int32Array;
  /** Per (node, kind): the expansion that last reported an edge to it. */
  readonly pairSeenAt: Int32Array;
  /** Per edge slot: reported by the current walk (cleared by the walk itself). */
  readonly reported: Uint8Array;
  private walkId = 0;
  private visitId = 0;
  private expansion = 0;

  constructor(nodes: number, edges: number) {
    this.reachedIn = new Int32Array(nodes);
    this.depthOf = new Int32Array(nodes);
    this.visitedIn = new Int32Array(nodes);
    this.pairSeenAt = new Int32Array(nodes * 2);
    this.reported = new Uint8Array(edges);
  }

  nextWalk(): number {
    this.walkId = this.walkId >= 0x7fffffff ? this.reset(this.reachedIn) : this.walkId + 1;
    return this.walkId;
  }

  nextVisit(): number {
    this.visitId = this.visitId >= 0x7fffffff ? this.reset(this.visitedIn) : this.visitId + 1;
    return this.visitId;
  }

  nextExpansion(): number {
    this.expansion =
      this.expansion >= 0x7fffffff ? this.reset(this.pairSeenAt) : this.expansion + 1;
    return this.expansion;
  }

  private reset(marks: Int32Array): number {
    marks.fill(0);
    return 1;
  }
}

function pushTo(map: Map<number, number[]>, key: number, value: number): void {
  const list = map.get(key);
  if (list) {
    list.push(value);
  } else {
    map.set(key, [value]);
  }
}

/** Counting sort of the first m slots by one endpoint: offsets per node, slots ascending. */
function csr(
  n: number,
  endpoint: Int32Array,
  m: number,
): [Int32Array<ArrayBuffer>, Int32Array<ArrayBuffer>] {
  const start = new Int32Array(n + 1);
  for (let i = 0; i < m; i += 1) {
    const at = (endpoint[i] as number) + 1;
    start[at] = (start[at] as number) + 1;
  }
  for (let v = 0; v < n; v += 1) {
    start[v + 1] = (start[v + 1] as number) + (start[v] as number);
  }
  const fill = start.slice(0, n);
  const slots = new Int32Array(m);
  for (let i = 0; i < m; i += 1) {
    const v = endpoint[i] as number;
    const at = fill[v] as number;
    slots[at] = i;
    fill[v] = at + 1;
  }
  return [start, slots];
}
