import { sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";
import { UUID_PATTERN } from "../../schema/uuid.ts";

/**
 * The operational schema as retention sees it, read from pg_catalog: each table's key (its
 * single-column primary key, or a row digest for tables without one), its columns, and the
 * foreign keys between tables. The planner walks it to find a row's FK children; hold checks
 * walk it up to find which customer a row is about.
 */

export type ForeignKey = {
  child: string;
  /** The child's column that points at the parent's key (tenant_id pairs left out). */
  column: string;
  parent: string;
};

export type TableInfo = {
  name: string;
  /** Single-column primary key, or null: rows are then keyed by a digest of the whole row. */
  keyColumn: string | null;
  /** SQL type of the key column (e.g. uuid), from format_type. */
  keyType: string | null;
  columns: Map<string, string>;
};

export type SchemaGraph = {
  tables: Map<string, TableInfo>;
  foreignKeys: ForeignKey[];
};

/** Reads tables (partitioned parents included, partitions left out), keys and FKs of `public`. */
export async function loadSchemaGraph(db: Db): Promise<SchemaGraph> {
  const tables = new Map<string, TableInfo>();
  const cols = await sql<{ table_name: string; column_name: string; type: string }>`
    SELECT c.relname AS table_name, a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
    ORDER BY c.relname, a.attnum
  `.execute(db);
  for (const row of cols.rows) {
    let table = tables.get(row.table_name);
    if (!table) {
      table = { name: row.table_name, keyColumn: null, keyType: null, columns: new Map() };
      tables.set(row.table_name, table);
    }
    table.columns.set(row.column_name, row.type);
  }
  const keys = await sql<{ table_name: string; columns: string[] }>`
    SELECT c.relname AS table_name,
           array_agg(a.attname::text ORDER BY array_position(k.conkey, a.attnum)) AS columns
    FROM pg_constraint k
    JOIN pg_class c ON c.oid = k.conrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(k.conkey)
    WHERE k.contype = 'p' AND NOT c.relispartition
    GROUP BY c.relname
  `.execute(db);
  for (const row of keys.rows) {
    const table = tables.get(row.table_name);
    const column = row.columns.length === 1 ? row.columns[0] : undefined;
    if (table && column) {
      table.keyColumn = column;
      table.keyType = table.columns.get(column) ?? null;
    }
  }
  const fks = await sql<{
    child: string;
    parent: string;
    child_columns: string[];
    parent_columns: string[];
  }>`
    SELECT c.relname AS child, p.relname AS parent,
      (SELECT array_agg(a.attname::text ORDER BY i) FROM unnest(k.conkey) WITH ORDINALITY u(attnum, i)
         JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum) AS child_columns,
      (SELECT array_agg(a.attname::text ORDER BY i) FROM unnest(k.confkey) WITH ORDINALITY u(attnum, i)
         JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum) AS parent_columns
    FROM pg_constraint k
    JOIN pg_class c ON c.oid = k.conrelid
    JOIN pg_class p ON p.oid = k.confrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
    WHERE k.contype = 'f' AND NOT c.relispartition
    ORDER BY 1, 2, 3
  `.execute(db);
  const foreignKeys: ForeignKey[] = [];
  for (const row of fks.rows) {
    const parent = tables.get(row.parent);
    if (!parent?.keyColumn) {
      continue;
    }
    // (tenant_id, x) -> (tenant_id, id): the pair on the parent's key is the link.
    const at = row.parent_columns.indexOf(parent.keyColumn);
    const column = at >= 0 ? row.child_columns[at] : undefined;
    const others = row.parent_columns.filter((c, i) => i !== at && c !== "tenant_id");
    if (column && others.length === 0) {
      foreignKeys.push({ child: row.child, column, parent: row.parent });
    }
  }
  return { tables, foreignKeys };
}

export function tableInfo(graph: SchemaGraph, name: string): TableInfo {
  const table = graph.tables.get(name);
  if (!table) {
    throw new Error(`table ${name} is not in the operational schema`);
  }
  return table;
}

export type PlannedTable = {
  table: string;
  /** Deletion order: lower first (children before parents). */
  ord: number;
  keyColumn: string | null;
  keyType: string | null;
  /** FKs through which rows of this table enter the plan (parent already in the plan). */
  via: ForeignKey[];
};

/**
 * The tables a plan rooted at `root` touches: the root and, when it deletes, every table whose
 * FK reaches a planned table, transitively. Returned parents first (planning order); `ord`
 * gives the deletion order, children first.
 */
export function planTables(graph: SchemaGraph, root: string, cascade: boolean): PlannedTable[] {
  const rootInfo = tableInfo(graph, root);
  const inPlan = new Set([root]);
  if (cascade) {
    let grew = true;
    while (grew) {
      grew = false;
      for (const fk of graph.foreignKeys) {
        if (inPlan.has(fk.parent) && !inPlan.has(fk.child)) {
          inPlan.add(fk.child);
          grew = true;
        }
      }
    }
  }
  // Topological order over the plan's FKs (self-references left out): parents first.
  const edges = cascade
    ? graph.foreignKeys.filter((fk) => inPlan.has(fk.child) && inPlan.has(fk.parent))
    : [];
  const order: string[] = [];
  const placed = new Set<string>();
  const pending = [...inPlan].sort();
  while (pending.length) {
    const index = pending.findIndex((t) =>
      edges.every((fk) => fk.child !== t || fk.parent === t || placed.has(fk.parent)),
    );
    // A cycle between distinct tables would leave no candidate: take the first and go on.
    const [next] = pending.splice(Math.max(index, 0), 1);
    if (next === undefined) {
      break;
    }
    order.push(next);
    placed.add(next);
  }
  return order.map((table, i) => {
    const info = table === root ? rootInfo : tableInfo(graph, table);
    return {
      table,
      ord: order.length - i,
      keyColumn: info.keyColumn,
      keyType: info.keyType,
      via: edges.filter((fk) => fk.child === table),
    };
  });
}

/**
 * SQL (over alias `t`) giving the customer a row of `table` is about, or null when the table
 * does not link to customers: the customer's own id, an FK column to customers, or the
 * customer of an FK parent (jobs, invoices, ...), up to three hops.
 */
export function customerExpression(
  graph: SchemaGraph,
  table: string,
  alias = "t",
  depth = 0,
): string | null {
  if (table === "customers") {
    return `${alias}.id`;
  }
  const direct = graph.foreignKeys.find((fk) => fk.child === table && fk.parent === "customers");
  if (direct) {
    return `${alias}.${quoteIdent(direct.column)}`;
  }
  if (table === "audit_logs") {
    // The platform's audit trigger copies the row: a customer's own row, or a row naming one.
    const named = `coalesce(${alias}.new_values->>'customer_id', ${alias}.old_values->>'customer_id')`;
    return `(CASE WHEN ${alias}.table_name = 'customers' THEN ${alias}.record_id WHEN ${named} ~* '^${UUID_PATTERN}$' THEN (${named})::uuid END)`;
  }
  if (table === "communications") {
    return `(CASE WHEN ${alias}.recipient_type = 'customer' THEN ${alias}.recipient_id END)`;
  }
  if (depth < 3) {
    for (const fk of graph.foreignKeys) {
      if (fk.child !== table || fk.parent === table) {
        continue;
      }
      const parentAlias = `p${depth}`;
      const inner = customerExpression(graph, fk.parent, parentAlias, depth + 1);
      const parentKey = graph.tables.get(fk.parent)?.keyColumn;
      if (inner && parentKey) {
        return `(SELECT ${inner} FROM public.${quoteIdent(fk.parent)} ${parentAlias} WHERE ${parentAlias}.tenant_id = ${alias}.tenant_id AND ${parentAlias}.${quoteIdent(parentKey)} = ${alias}.${quoteIdent(fk.column)})`;
      }
    }
  }
  const column = graph.tables.get(table)?.columns.get("customer_id");
  return column === "uuid" ? `${alias}.customer_id` : null;
}

/** The date a hold's date range is compared with for a row of `table` (alias `t`), or null. */
export function recordDateExpression(
  graph: SchemaGraph,
  table: string,
  alias = "t",
): string | null {
  const columns = graph.tables.get(table)?.columns;
  for (const name of ["created_at", "time", "issue_date", "transaction_date"]) {
    if (columns?.has(name)) {
      return `${alias}.${quoteIdent(name)}`;
    }
  }
  return null;
}

/** Quotes an identifier that came from pg_catalog or a validated policy. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** SQL (over alias `t`) of a row's key as text: its primary key, or a digest of the row. */
export function keyExpression(table: Pick<TableInfo, "keyColumn">, alias = "t"): string {
  return table.keyColumn
    ? `${alias}.${quoteIdent(table.keyColumn)}::text`
    : `md5(row_to_json(${alias})::text)`;
}

/** SQL matching a row of the table (alias `t`) to a key text expression. */
export function keyMatch(
  table: Pick<TableInfo, "keyColumn" | "keyType">,
  keySql: string,
  alias = "t",
): string {
  if (table.keyColumn && table.keyType && /^[a-z ]+$/.test(table.keyType)) {
    return `${alias}.${quoteIdent(table.keyColumn)} = (${keySql})::${table.keyType}`;
  }
  return `${keyExpression(table, alias)} = ${keySql}`;
}
