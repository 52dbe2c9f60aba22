import { describe, expect, test } from "vitest";
import { type EdgeRows, LineageGraph } from "../jobs/lineage/graph-index.ts";
import { EDGE_SOURCES, type EdgeKind, TRANSFORMATIONS } from "../jobs/lineage/types.ts";

/**
 * The in-memory index against a plain breadth-first search written here over edge objects, on
 * seeded random graphs full of cycles, diamonds, parallel edges from several sources, both kinds
 * and inactive edges; before and after deltas (new edges, deactivated and changed ones).
 */

type Edge = {
  id: number;
  from: string;
  to: string;
  kind: EdgeKind;
  active: boolean;
  transformation: string | null;
  source: string;
};

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomEdges(seed: number, nodes: number, count: number, firstId = 1): Edge[] {
  const r = rng(seed);
  const edges: Edge[] = [];
  for (let i = 0; i < count; i += 1) {
    const from = Math.floor(r() * nodes);
    // Mostly forward within a window (diamonds), sometimes back (cycles), some parallel.
    const to = r() < 0.15 ? Math.floor(r() * nodes) : (from + 1 + Math.floor(r() * 6)) % nodes;
    edges.push({
      id: firstId + i,
      from: `n:${from}`,
      to: `n:${to}`,
      kind: r() < 0.2 ? "reference" : "flow",
      active: r() > 0.1,
      transformation: r() < 0.3 ? null : (TRANSFORMATIONS[Math.floor(r() * 6)] as string),
      source: EDGE_SOURCES[Math.floor(r() * EDGE_SOURCES.length)] as string,
    });
  }
  return edges;
}

function rows(edges: Edge[]): EdgeRows {
  return {
    id: edges.map((e) => e.id),
    from: edges.map((e) => e.from),
    to: edges.map((e) => e.to),
    code: edges.map(
      (e) =>
        (e.active ? 1 : 0) |
        (e.kind === "reference" ? 2 : 0) |
        4 |
        ((e.transformation === null ? 0 : TRANSFORMATIONS.indexOf(e.transformation as never) + 1) <<
          3) |
        ((EDGE_SOURCES.indexOf(e.source as never) + 1) << 6),
    ),
  };
}

type Options = {
  root: string;
  directions: ("upstream" | "downstream")[];
  depth: number;
  kinds?: EdgeKind[];
  includeInactive?: boolean;
};

/** The reference: BFS over edge objects, each node once per direction, lowest id per duplicate. */
function reference(edges: Edge[], o: Options) {
  const depthOf = new Map<string, number>([[o.root, 0]]);
  const chosen = new Map<string, Edge>();
  const ok = (e: Edge) =>
    (o.includeInactive || e.active) && (!o.kinds?.length || o.kinds.includes(e.kind));
  for (const direction of o.directions) {
    const visited = new Set([o.root]);
    let frontier = [o.root];
    for (let hop = 1; hop <= o.depth && frontier.length > 0; hop += 1) {
      const next: string[] = [];
      for (const v of frontier) {
        for (const e of edges) {
          const near = direction === "downstream" ? e.from : e.to;
          if (near !== v || !ok(e)) {
            continue;
          }
          const key = `${e.from}>${e.to}>${e.kind}`;
          const had = chosen.get(key);
          if (!had || had.id > e.id) {
            chosen.set(key, e);
          }
          const other = direction === "downstream" ? e.to : e.from;
          if (!visited.has(other)) {
            visited.add(other);
            next.push(other);
            if (!depthOf.has(other)) {
              depthOf.set(other, hop);
            }
          }
        }
      }
      frontier = next;
    }
  }
  return {
    nodes: [...depthOf.entries()].map(([id, depth]) => `${id}@${depth}`).sort(),
    edges: [...chosen.values()]
      .map((e) => `${e.from}>${e.to}>${e.kind}:${e.transformation}:${e.source}`)
      .sort(),
  };
}

function ours(graph: LineageGraph, o: Options) {
  const walk = graph.walk({ ...o, rootIsTable: false });
  return {
    nodes: walk.nodes.map((n) => `${n.id}@${n.depth}`).sort(),
    edges: walk.edges
      .map((slot) => graph.edge(slot))
      .map((e) => `${e.from}>${e.to}>${e.kind}:${e.transformation}:${e.source}`)
      .sort(),
  };
}

const cases: Options[] = [
  { root: "n:3", directions: ["downstream"], depth: 10 },
  { root: "n:40", directions: ["upstream"], depth: 4 },
  { root: "n:7", directions: ["upstream", "downstream"], depth: 3 },
  { root: "n:11", directions: ["downstream"], depth: 6, kinds: ["flow"] },
  { root: "n:11", directions: ["downstream"], depth: 6, kinds: ["reference"] },
  { root: "n:19", directions: ["downstream"], depth: 5, includeInactive: true },
  { root: "n:missing", directions: ["downstream"], depth: 5 },
];

describe("lineage graph index", () => {
  test.for(cases)("a walk equals a plain BFS over the edges (%o)", (o) => {
    const edges = randomEdges(7, 60, 400);
    const graph = new LineageGraph(1);
    graph.appendEdges(rows(edges));
    graph.index();
    expect(ours(graph, o)).toEqual(reference(edges, o));
  });

  test.for(cases)(
    "after deltas (new, deactivated, changed edges) a walk still equals it (%o)",
    (o) => {
      const base = randomEdges(11, 60, 300);
      const graph = new LineageGraph(1);
      graph.appendEdges(rows(base));
      graph.index();
      // New edges (and new nodes), then changes to some of the first ones.
      const added = randomEdges(12, 70, 80, 1000);
      const r = rng(13);
      const changed = base
        .filter(() => r() < 0.2)
        .map((e) => ({
          ...e,
          active: !e.active,
          transformation: e.transformation === "direct" ? "masking" : "direct",
        }));
      expect(graph.applyEdges(rows(added))).toBe(true);
      expect(graph.applyEdges(rows(changed))).toBe(true);
      const byId = new Map([...base, ...added].map((e) => [e.id, e]));
      for (const e of changed) {
        byId.set(e.id, e);
      }
      expect(ours(graph, o)).toEqual(reference([...byId.values()], o));
    },
  );

  test("an edge whose ends changed is refused, so the caller reads the graph whole", () => {
    const graph = new LineageGraph(1);
    graph.appendEdges(rows(randomEdges(3, 10, 20)));
    graph.index();
    const moved = { ...(randomEdges(3, 10, 1)[0] as Edge), to: "n:elsewhere" };
    expect(graph.applyEdges(rows([moved]))).toBe(false);
  });

  test("a table root starts from the table and its columns", () => {
    const graph = new LineageGraph(1);
    graph.appendEdges(
      rows([
        {
          id: 1,
          from: "postgres:public.t.a",
          to: "postgres:public.u.a",
          kind: "flow",
          active: true,
          transformation: "direct",
          source: "view",
        },
      ]),
    );
    graph.index();
    graph.addChildren(
      ["postgres:public.t.a", "postgres:public.t.b"],
      ["postgres:public.t", "postgres:public.t"],
    );
    const walk = graph.walk({
      root: "postgres:public.t",
      directions: ["downstream"],
      depth: 2,
      rootIsTable: true,
    });
    expect(walk.nodes).toEqual([
      { id: "postgres:public.t", depth: 0 },
      { id: "postgres:public.t.a", depth: 0 },
      { id: "postgres:public.t.b", depth: 0 },
      { id: "postgres:public.u.a", depth: 1 },
    ]);
  });
});
