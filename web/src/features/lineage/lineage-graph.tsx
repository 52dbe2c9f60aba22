import {
  Background,
  Controls,
  type Edge,
  Handle,
  MarkerType,
  type Node,
  type NodeProps,
  Position,
  ReactFlow,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import ELK from "elkjs/lib/elk.bundled.js";
import { useCallback, useEffect, useMemo, useState } from "react";
import type { Trace, TraceEdge, TraceNode } from "../../../../schema/domain/lineage.ts";
import { api } from "../../api/client.ts";
import { Link } from "../../app/router.tsx";
import { Empty, ErrorState, Loading } from "../../components/states.tsx";
import "./lineage.css";

const elk = new ELK();
const NODE_WIDTH = 240;
const NODE_HEIGHT = 58;

/** `customers.email` for `postgres:public.customers.email`; other stores keep their prefix. */
export function shortName(id: string): string {
  return id.startsWith("postgres:public.") ? id.slice("postgres:public.".length) : id;
}

export function traceUrl(node: string, direction: string, depth: number): string {
  const q = new URLSearchParams({ node, direction, depth: String(depth) });
  return `/api/v1/lineage/trace?${q.toString()}`;
}

type GraphState = {
  nodes: Map<string, TraceNode>;
  edges: Map<string, TraceEdge>;
  /** Nodes an expansion added, by the node expanded (collapse removes them again). */
  expandedBy: Map<string, Set<string>>;
};

const edgeKey = (e: TraceEdge) => `${e.from}|${e.to}|${e.kind}`;

function merge(state: GraphState, trace: Trace, expandedFrom?: string): GraphState {
  const nodes = new Map(state.nodes);
  const edges = new Map(state.edges);
  const added = new Set<string>();
  for (const n of trace.nodes) {
    if (!nodes.has(n.id)) {
      nodes.set(n.id, n);
      added.add(n.id);
    }
  }
  for (const e of trace.edges) {
    edges.set(edgeKey(e), e);
  }
  const expandedBy = new Map(state.expandedBy);
  if (expandedFrom) {
    expandedBy.set(expandedFrom, added);
  }
  return { nodes, edges, expandedBy };
}

type LineageNodeData = {
  node: TraceNode;
  root: boolean;
  dimmed: boolean;
  expanded: boolean;
  onToggle: (id: string) => void;
};

function LineageNodeView({ data }: NodeProps<Node<LineageNodeData>>) {
  const { node } = data;
  return (
    <div
      className={`lineage-node lineage-${node.kind}${data.root ? " lineage-root" : ""}${data.dimmed ? " lineage-dimmed" : ""}`}
      data-testid="lineage-node"
      data-node-id={node.id}
      title={node.id}
    >
      <Handle type="target" position={Position.Left} />
      <div className="lineage-node-name">{shortName(node.id)}</div>
      <div className="lineage-node-badges">
        <span className="muted">{node.kind}</span>
        {node.pii ? <span className="cat-badge cat-pii">PII: {node.pii}</span> : null}
        <button
          type="button"
          className="lineage-toggle"
          aria-label={
            data.expanded ? `Collapse ${shortName(node.id)}` : `Expand ${shortName(node.id)}`
          }
          onClick={(event) => {
            event.stopPropagation();
            data.onToggle(node.id);
          }}
        >
          {data.expanded ? "−" : "+"}
        </button>
      </div>
      <Handle type="source" position={Position.Right} />
    </div>
  );
}

const nodeTypes = { lineage: LineageNodeView };

/**
 * A lineage graph around `root`: laid out left to right by ELK (sources left), pan and zoom,
 * `+`/`−` on a node to expand its neighbours (one hop both ways) or collapse what that added,
 * click a node to highlight the columns it is connected to and see its edges, with links to the
 * catalog entries.
 */
export function LineageGraph({
  root,
  direction = "both",
  depth = 2,
  height = 560,
}: {
  root: string;
  direction?: "upstream" | "downstream" | "both";
  depth?: number;
  height?: number;
}) {
  const [state, setState] = useState<GraphState>();
  const [error, setError] = useState<Error>();
  const [selected, setSelected] = useState<string>();
  const [positions, setPositions] = useState<Map<string, { x: number; y: number }>>(new Map());
  const [generation, setGeneration] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: generation is the retry trigger
  useEffect(() => {
    const controller = new AbortController();
    setState(undefined);
    setError(undefined);
    setSelected(undefined);
    api<Trace>(traceUrl(root, direction, depth), { signal: controller.signal })
      .then((trace) =>
        setState(merge({ nodes: new Map(), edges: new Map(), expandedBy: new Map() }, trace)),
      )
      .catch((caught: Error) => {
        if (caught.name !== "AbortError") {
          setError(caught);
        }
      });
    return () => controller.abort();
  }, [root, direction, depth, generation]);

  const toggle = useCallback(
    (id: string) => {
      if (!state) {
        return;
      }
      const added = state.expandedBy.get(id);
      if (added) {
        // Collapse: drop what this expansion added (never the root) and edges left dangling.
        const nodes = new Map(state.nodes);
        for (const n of added) {
          if (n !== root) {
            nodes.delete(n);
          }
        }
        const edges = new Map(
          [...state.edges].filter(([, e]) => nodes.has(e.from) && nodes.has(e.to)),
        );
        const expandedBy = new Map(state.expandedBy);
        expandedBy.delete(id);
        setState({ nodes, edges, expandedBy });
        return;
      }
      api<Trace>(traceUrl(id, "both", 1))
        .then((trace) => setState((current) => (current ? merge(current, trace, id) : current)))
        .catch((caught: Error) => setError(caught));
    },
    [state, root],
  );

  // Layout whenever the set of nodes or edges changes.
  const nodeIds = state ? [...state.nodes.keys()].sort().join("\n") : "";
  const edgeIds = state ? [...state.edges.keys()].sort().join("\n") : "";
  // biome-ignore lint/correctness/useExhaustiveDependencies: the id lists stand for the graph
  useEffect(() => {
    if (!state) {
      return;
    }
    let cancelled = false;
    const visibleEdges = [...state.edges.values()].filter(
      (e) => state.nodes.has(e.from) && state.nodes.has(e.to),
    );
    elk
      .layout({
        id: "root",
        layoutOptions: {
          "elk.algorithm": "layered",
          "elk.direction": "RIGHT",
          "elk.layered.spacing.nodeNodeBetweenLayers": "90",
          "elk.spacing.nodeNode": "24",
        },
        children: [...state.nodes.keys()].map((id) => ({
          id,
          width: NODE_WIDTH,
          height: NODE_HEIGHT,
        })),
        edges: visibleEdges.map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to] })),
      })
      .then((laid) => {
        if (!cancelled) {
          setPositions(
            new Map((laid.children ?? []).map((c) => [c.id, { x: c.x ?? 0, y: c.y ?? 0 }])),
          );
        }
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [nodeIds, edgeIds]);

  const highlighted = useMemo(() => {
    if (!selected || !state) {
      return undefined;
    }
    // Everything connected to the selected node along its edges, both ways.
    const seen = new Set([selected]);
    for (const forward of [true, false]) {
      let frontier = [selected];
      while (frontier.length > 0) {
        const next: string[] = [];
        for (const e of state.edges.values()) {
          const [near, far] = forward ? [e.from, e.to] : [e.to, e.from];
          if (frontier.includes(near) && !seen.has(far)) {
            seen.add(far);
            next.push(far);
          }
        }
        frontier = next;
      }
    }
    return seen;
  }, [selected, state]);

  if (error) {
    return <ErrorState error={error} onRetry={() => setGeneration((g) => g + 1)} />;
  }
  if (!state) {
    return <Loading label="Tracing lineage…" />;
  }
  if (state.edges.size === 0) {
    return (
      <Empty>
        No lineage recorded for <code>{shortName(root)}</code> yet. A lineage scan (Jobs → lineage)
        reads views, foreign keys and ClickHouse; jobs add theirs as they run.
      </Empty>
    );
  }
  const flowNodes: Node<LineageNodeData>[] = [...state.nodes.values()].map((n) => ({
    id: n.id,
    type: "lineage",
    position: positions.get(n.id) ?? { x: 0, y: 0 },
    data: {
      node: n,
      root: n.id === root,
      dimmed: highlighted ? !highlighted.has(n.id) : false,
      expanded: state.expandedBy.has(n.id),
      onToggle: toggle,
    },
  }));
  const flowEdges: Edge[] = [...state.edges.values()]
    .filter((e) => state.nodes.has(e.from) && state.nodes.has(e.to))
    .map((e) => {
      const lit = highlighted ? highlighted.has(e.from) && highlighted.has(e.to) : false;
      return {
        id: edgeKey(e),
        source: e.from,
        target: e.to,
        label: e.transformation ?? (e.kind === "reference" ? "references" : undefined),
        markerEnd: { type: MarkerType.ArrowClosed },
        animated: lit,
        className: `lineage-edge lineage-edge-${e.kind}${e.transformation === "masking" ? " lineage-edge-masking" : ""}${highlighted && !lit ? " lineage-dimmed" : ""}`,
      };
    });
  const selectedNode = selected ? state.nodes.get(selected) : undefined;
  return (
    <div className="lineage-graph-wrap">
      <div className="lineage-graph" style={{ height }} data-testid="lineage-graph">
        <ReactFlow
          nodes={flowNodes}
          edges={flowEdges}
          nodeTypes={nodeTypes}
          fitView
          fitViewOptions={{ maxZoom: 1 }}
          minZoom={0.2}
          onNodeClick={(_, n) => setSelected((current) => (current === n.id ? undefined : n.id))}
          onPaneClick={() => setSelected(undefined)}
          nodesConnectable={false}
          proOptions={{ hideAttribution: true }}
          key={`${nodeIds.length}-${positions.size}`}
        >
          <Background />
          <Controls showInteractive={false} />
        </ReactFlow>
      </div>
      {selectedNode ? (
        <NodePanel node={selectedNode} state={state} onSelect={setSelected} />
      ) : (
        <p className="muted lineage-hint">
          Click a node to highlight what it is connected to; + expands a node one hop, − collapses
          it.
        </p>
      )}
    </div>
  );
}

function catalogHref(node: TraceNode | undefined): string | undefined {
  return node?.catalogId ? `/catalog?column=${encodeURIComponent(node.catalogId)}` : undefined;
}

function NodePanel({
  node,
  state,
  onSelect,
}: {
  node: TraceNode;
  state: GraphState;
  onSelect: (id: string) => void;
}) {
  const edges = [...state.edges.values()].filter((e) => e.from === node.id || e.to === node.id);
  const href = catalogHref(node);
  return (
    <aside className="lineage-panel" data-testid="lineage-panel">
      <h3 className="mono">{shortName(node.id)}</h3>
      <p>
        {node.kind}
        {node.pii ? <> · PII: {node.pii}</> : null}
        {href ? (
          <>
            {" · "}
            <Link to={href}>Open in catalog</Link>
          </>
        ) : null}
      </p>
      <table className="lineage-edges">
        <thead>
          <tr>
            <th>Edge</th>
            <th>Other end</th>
            <th>How</th>
          </tr>
        </thead>
        <tbody>
          {edges.map((e) => {
            const otherId = e.from === node.id ? e.to : e.from;
            const other = state.nodes.get(otherId);
            const otherHref = catalogHref(other);
            return (
              <tr key={edgeKey(e)}>
                <td>{e.from === node.id ? "feeds →" : "← fed by"}</td>
                <td>
                  <button
                    type="button"
                    className="link-button mono"
                    onClick={() => onSelect(otherId)}
                  >
                    {shortName(otherId)}
                  </button>
                  {otherHref ? (
                    <>
                      {" "}
                      <Link to={otherHref} data-testid="edge-catalog-link">
                        catalog
                      </Link>
                    </>
                  ) : null}
                </td>
                <td>
                  {e.kind === "reference" ? "references" : (e.transformation ?? "table level")}
                  {e.expression ? <code className="lineage-expr"> {e.expression}</code> : null}
                  {e.note ? <div className="muted">{e.note}</div> : null}
                  {!e.carriesRows ? (
                    <div className="muted">carries distributions, not rows</div>
                  ) : null}
                  <div className="muted">from {e.source}</div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </aside>
  );
}
