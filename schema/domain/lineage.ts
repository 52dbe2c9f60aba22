/**
 * Lineage wire shapes shared by the engine (jobs/lineage), the API (server/routes/lineage) and
 * the console (types only). Node ids follow issue 18's contract.
 */
export type LineageNodeKind = "table" | "column" | "file";
export type LineageEdgeKind = "flow" | "reference";

export type TraceNode = {
  id: string;
  kind: LineageNodeKind;
  /** The PII category that counts now (decision, else proposal), or null. */
  pii: string | null;
  /** Hops from the root (0 for the root and, for a table root, its columns). */
  depth: number;
  /** The catalog entry of a Postgres or ClickHouse column, for click-through; else null. */
  catalogId: string | null;
};

export type TraceEdge = {
  from: string;
  to: string;
  kind: LineageEdgeKind;
  transformation: string | null;
  expression: string | null;
  source: string;
  note: string | null;
  carriesRows: boolean;
};

export type Trace = { root: string; nodes: TraceNode[]; edges: TraceEdge[] };
