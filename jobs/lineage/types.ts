/** Shared lineage vocabulary (issue 18 contract). */

export const EDGE_KINDS = ["flow", "reference"] as const;
export type EdgeKind = (typeof EDGE_KINDS)[number];

export const TRANSFORMATIONS = [
  "direct",
  "calculation",
  "aggregation",
  "filter",
  "join",
  "masking",
] as const;
export type Transformation = (typeof TRANSFORMATIONS)[number];

export const EDGE_SOURCES = [
  "view",
  "clickhouse",
  "fk",
  "job",
  "registry",
  "openlineage",
  "manual",
] as const;
export type EdgeSource = (typeof EDGE_SOURCES)[number];

export type NodeKind = "table" | "column" | "file";

/** One edge as an extractor or a run event asserts it. */
export type LineageEdge = {
  from: string;
  to: string;
  kind: EdgeKind;
  transformation: Transformation | null;
  expression: string | null;
  note?: string | null;
  carriesRows?: boolean;
};
