import { sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";

/**
 * `notNull`: a NOT NULL constraint (completeness of such a column is the row count).
 * `distinct`: the planner's estimate of distinct values (pg_stats), null before ANALYZE.
 */
export type ColumnInfo = { type: string; udt: string; notNull: boolean; distinct: number | null };
export type PlatformTable = {
  columns: Map<string, ColumnInfo>;
  /** Has a tenant_id column. */
  tenant: boolean;
  /** Readable by custom SQL (govern_quality has SELECT: a tenant table under RLS). */
  customReadable: boolean;
  /** Primary key columns, in order. */
  key: string[];
  /** The planner's row estimate (pg_class.reltuples), null before the first ANALYZE. */
  rows: number | null;
  /** Unique indexes (primary key included) over plain columns, without a predicate. */
  uniques: { name: string; columns: string[] }[];
  /** Plain btree indexes without a predicate, by name: their first key columns, in order. */
  indexes: { name: string; columns: string[] }[];
};

/**
 * The operational store's tables (schema public, no partitions) with their columns, from the
 * database catalog: identifiers in quality rules are checked against this before they are quoted.
 */
export async function platformTables(db: Db): Promise<Map<string, PlatformTable>> {
  const rows = await sql<{
    table_name: string;
    column_name: string;
    data_type: string;
    udt_name: string;
    readable: boolean;
    key_pos: number | null;
    not_null: boolean;
    distinct: number | null;
    rows: number | null;
  }>`
    SELECT c.relname AS table_name, a.attname AS column_name,
           format_type(a.atttypid, a.atttypmod) AS data_type, t.typname AS udt_name,
           COALESCE(has_table_privilege('govern_quality', c.oid, 'SELECT'), false) AS readable,
           array_position(pk.conkey, a.attnum) AS key_pos, a.attnotnull AS not_null,
           -- n_distinct < 0 is a share of the rows; reltuples is -1 before the first ANALYZE.
           CASE WHEN s.n_distinct >= 0 THEN s.n_distinct
                WHEN c.reltuples >= 0 THEN -s.n_distinct * c.reltuples END::float8 AS distinct,
           CASE WHEN c.reltuples >= 0 THEN c.reltuples END::float8 AS rows
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    JOIN pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_constraint pk ON pk.conrelid = c.oid AND pk.contype = 'p'
    LEFT JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname
      AND s.attname = a.attname AND s.inherited = (c.relkind = 'p')
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
    ORDER BY c.relname, a.attnum
  `.execute(db);
  const tables = new Map<string, PlatformTable>();
  const keys = new Map<string, [number, string][]>();
  for (const row of rows.rows) {
    let table = tables.get(row.table_name);
    if (!table) {
      table = {
        columns: new Map(),
        tenant: false,
        customReadable: row.readable,
        key: [],
        rows: row.rows === null ? null : Number(row.rows),
        uniques: [],
        indexes: [],
      };
      tables.set(row.table_name, table);
      keys.set(row.table_name, []);
    }
    table.columns.set(row.column_name, {
      type: row.data_type,
      udt: row.udt_name,
      notNull: row.not_null,
      distinct: row.distinct === null ? null : Number(row.distinct),
    });
    if (row.column_name === "tenant_id") {
      table.tenant = true;
    }
    if (row.key_pos !== null) {
      keys.get(row.table_name)?.push([row.key_pos, row.column_name]);
    }
  }
  // Key columns of valid btree indexes without predicate or expression (indkey 0 is an expression).
  const indexes = await sql<{
    table_name: string;
    name: string;
    is_unique: boolean;
    columns: string[];
  }>`
    SELECT c.relname AS table_name, i.relname AS name, x.indisunique AS is_unique,
           array(SELECT a.attname::text FROM unnest(x.indkey[0:x.indnkeyatts - 1]) WITH ORDINALITY k(n, o)
                 JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.n ORDER BY k.o) AS columns
    FROM pg_index x
    JOIN pg_class c ON c.oid = x.indrelid
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_am am ON am.oid = i.relam
    WHERE n.nspname = 'public' AND am.amname = 'btree' AND x.indisvalid AND x.indpred IS NULL
      AND x.indexprs IS NULL AND NOT (0 = ANY(x.indkey::int2[]))
    ORDER BY c.relname, i.relname
  `.execute(db);
  for (const ix of indexes.rows) {
    const table = tables.get(ix.table_name);
    if (table && ix.columns.length) {
      table.indexes.push({ name: ix.name, columns: ix.columns });
      if (ix.is_unique) {
        table.uniques.push({ name: ix.name, columns: ix.columns });
      }
    }
  }
  for (const [name, table] of tables) {
    table.key = (keys.get(name) ?? []).sort((a, b) => a[0] - b[0]).map(([, c]) => c);
    if (!table.tenant) {
      table.customReadable = false;
    }
  }
  return tables;
}

/** Tenants of the platform (id and business name), for per-tenant scopes and names in views. */
export async function platformTenants(db: Db): Promise<{ id: string; name: string }[]> {
  const rows = await sql<{ id: string; name: string }>`
    SELECT id::text AS id, business_name AS name FROM public.tenants ORDER BY business_name, id
  `.execute(db);
  return rows.rows;
}
