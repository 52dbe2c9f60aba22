import type { NodeKind } from "./types.ts";

/**
 * Node ids (contract): `postgres:SCHEMA.TABLE[.COLUMN]`, `clickhouse:DB.TABLE[.COLUMN]`,
 * `dataset:NAME.SCHEMA.TABLE[.COLUMN]`, `archive:PATH`. Other tools' datasets keep their
 * OpenLineage namespace as prefix and their name after it (a column appended with a dot).
 */

/** How many dot-separated parts a table name has, per store prefix. */
const TABLE_PARTS: Record<string, number> = { postgres: 2, clickhouse: 2, dataset: 3 };

export function tableNode(store: "postgres" | "clickhouse", schema: string, table: string): string {
  return `${store}:${schema}.${table}`;
}

export function columnNode(tableId: string, column: string): string {
  return `${tableId}.${column}`;
}

export type ParsedNode = {
  id: string;
  prefix: string;
  kind: NodeKind;
  /** The table node of a column node. */
  table: string | null;
  /** The parts after the prefix (schema, table[, column] for the stores). */
  parts: string[];
};

/** Splits an id into its parts; kind from the prefix and the number of parts. */
export function parseNode(id: string): ParsedNode {
  const colon = id.indexOf(":");
  const prefix = colon > 0 ? id.slice(0, colon) : "";
  const rest = colon > 0 ? id.slice(colon + 1) : id;
  if (prefix === "archive") {
    return { id, prefix, kind: "file", table: null, parts: [rest] };
  }
  const parts = rest.split(".");
  const tableParts = TABLE_PARTS[prefix];
  if (tableParts !== undefined && parts.length > tableParts) {
    const table = `${prefix}:${parts.slice(0, tableParts).join(".")}`;
    return { id, prefix, kind: "column", table, parts };
  }
  return { id, prefix, kind: "table", table: null, parts };
}

/**
 * Reads a node id as typed on the command line or in a URL: without a known prefix it is a
 * Postgres name, and a bare TABLE[.COLUMN] is in schema `public` when it has no schema. A name
 * with exactly two parts is read as SCHEMA.TABLE when `isTable` says so, else as TABLE.COLUMN.
 */
export function normalizeNodeId(input: string, isTable?: (schemaTable: string) => boolean): string {
  const trimmed = input.trim();
  const colon = trimmed.indexOf(":");
  if (colon > 0 && /^[a-z][a-z0-9+.-]*$/i.test(trimmed.slice(0, colon))) {
    return trimmed;
  }
  const parts = trimmed.split(".");
  if (parts.length === 1) {
    return `postgres:public.${trimmed}`;
  }
  if (parts.length === 2 && isTable && !isTable(trimmed)) {
    return `postgres:public.${trimmed}`;
  }
  return `postgres:${trimmed}`;
}

/** The short name people read: `customers.email` for `postgres:public.customers.email`. */
export function shortName(id: string): string {
  const node = parseNode(id);
  if (node.prefix === "postgres" && node.parts[0] === "public") {
    return node.parts.slice(1).join(".");
  }
  return id;
}
