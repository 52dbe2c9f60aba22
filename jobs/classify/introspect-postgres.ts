import { sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";
import type {
  ColumnDef,
  ForeignKeyRef,
  SampleKind,
  TableConstraint,
  TableDef,
} from "./catalog-types.ts";

/** Schemas that are not the platform's data: the system's own and govern's. */
/** Schemas the scanner never reads (the overview counts the same set of relations). */
export const SKIPPED_SCHEMAS = ["pg_catalog", "information_schema", "pg_toast", "governance"];

const KINDS: Record<string, string> = {
  r: "table",
  p: "partitioned_table",
  v: "view",
  m: "materialized_view",
  f: "foreign_table",
};

const CONSTRAINT_TYPES: Record<string, TableConstraint["type"]> = {
  p: "primary_key",
  f: "foreign_key",
  u: "unique",
  c: "check",
  x: "exclusion",
};

type TableRow = {
  oid: number;
  schema_name: string;
  table_name: string;
  relkind: string;
  comment: string | null;
  row_estimate: number | null;
  bytes: number | null;
  readable: boolean;
};

type ColumnRow = {
  oid: number;
  attnum: number;
  name: string;
  data_type: string;
  is_nullable: boolean;
  comment: string | null;
  typcategory: string;
  typname: string;
};

type LeafRow = {
  oid: number;
  schema_name: string;
  table_name: string;
  rows: number;
  bytes: number;
};

/** Leaf partitions a partitioned table's sample may read at most: its largest ones. */
const SAMPLED_PARTITIONS = 32;

type ConstraintRow = {
  oid: number;
  name: string;
  contype: string;
  definition: string;
  conkey: number[] | null;
  confkey: number[] | null;
  ref_schema: string | null;
  ref_table: string | null;
  ref_columns: string[] | null;
};

/**
 * Every table, view and materialized view of the operational Postgres outside the system
 * schemas and govern's own, with columns, comments, row estimates and constraints. Partitions
 * are folded into their parent (one catalog table per partitioned table), whose row estimate
 * falls back to the sum of its partitions' when the parent was never analyzed.
 */
export async function introspectPostgres(db: Db): Promise<TableDef[]> {
  const readerExists = await sql<{ ok: boolean }>`
    SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'govern_reader') AS ok`.execute(db);
  const canCheckReader = readerExists.rows[0]?.ok === true;
  const tables = await sql<TableRow>`
    SELECT c.oid::int8 AS oid, n.nspname AS schema_name, c.relname AS table_name, c.relkind::text AS relkind,
           obj_description(c.oid, 'pg_class') AS comment,
           CASE WHEN c.reltuples >= 0 THEN c.reltuples::int8
                WHEN c.relkind = 'p' THEN (
                  SELECT sum(greatest(p.reltuples, 0))::int8 FROM pg_inherits i
                  JOIN pg_class p ON p.oid = i.inhrelid WHERE i.inhparent = c.oid)
           END AS row_estimate,
           CASE WHEN c.relkind IN ('r', 'm') THEN pg_relation_size(c.oid)::int8
                WHEN c.relkind = 'p' THEN (
                  SELECT sum(pg_relation_size(i.inhrelid))::int8 FROM pg_inherits i
                  WHERE i.inhparent = c.oid)
           END AS bytes,
           ${canCheckReader ? sql`has_table_privilege('govern_reader', c.oid, 'SELECT')` : sql`false`} AS readable
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
      AND n.nspname <> ALL (${sql.val(SKIPPED_SCHEMAS)}::text[])
      AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
    ORDER BY n.nspname, c.relname`.execute(db);
  if (tables.rows.length === 0) {
    return [];
  }
  const oids = tables.rows.map((t) => t.oid);
  const columns = await sql<ColumnRow>`
    SELECT a.attrelid::int8 AS oid, a.attnum::int AS attnum, a.attname AS name,
           format_type(a.atttypid, a.atttypmod) AS data_type, NOT a.attnotnull AS is_nullable,
           col_description(a.attrelid, a.attnum) AS comment,
           t.typcategory::text AS typcategory, t.typname::text AS typname
    FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
    WHERE a.attrelid = ANY (${sql.val(oids)}::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY a.attrelid, a.attnum`.execute(db);
  const constraints = await sql<ConstraintRow>`
    SELECT con.conrelid::int8 AS oid, con.conname AS name, con.contype::text AS contype,
           pg_get_constraintdef(con.oid) AS definition,
           con.conkey::int[] AS conkey, con.confkey::int[] AS confkey,
           fn.nspname AS ref_schema, fc.relname AS ref_table,
           (SELECT array_agg(fa.attname::text ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
              JOIN pg_attribute fa ON fa.attrelid = con.confrelid AND fa.attnum = k.attnum) AS ref_columns
    FROM pg_constraint con
    LEFT JOIN pg_class fc ON fc.oid = con.confrelid
    LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
    WHERE con.conrelid = ANY (${sql.val(oids)}::oid[]) AND con.contype IN ('p', 'f', 'u', 'c', 'x')
    ORDER BY con.conrelid, con.conname`.execute(db);

  const partitioned = tables.rows.filter((t) => t.relkind === "p").map((t) => t.oid);
  const leaves =
    partitioned.length === 0
      ? { rows: [] as LeafRow[] }
      : await sql<LeafRow>`
    SELECT t.parent::int8 AS oid, n.nspname AS schema_name, c.relname AS table_name,
           CASE WHEN c.reltuples >= 0 THEN c.reltuples::int8
                ELSE (pg_relation_size(c.oid) / 8192 * 50)::int8 END AS rows,
           pg_relation_size(c.oid)::int8 AS bytes
    FROM (SELECT p.oid AS parent, (pg_partition_tree(p.oid)).* FROM pg_class p
          WHERE p.oid = ANY (${sql.val(partitioned)}::oid[])) t
    JOIN pg_class c ON c.oid = t.relid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE t.isleaf AND pg_relation_size(c.oid) > 0
    ORDER BY t.parent, pg_relation_size(c.oid) DESC, c.relname`.execute(db);
  const leavesByTable = groupBy(leaves.rows, (l) => l.oid);
  const columnsByTable = groupBy(columns.rows, (c) => c.oid);
  const constraintsByTable = groupBy(constraints.rows, (c) => c.oid);
  return tables.rows.map((t) => {
    const cols = columnsByTable.get(t.oid) ?? [];
    const names = new Map(cols.map((c) => [c.attnum, c.name]));
    const cons = constraintsByTable.get(t.oid) ?? [];
    const primary = new Set<number>();
    const foreign = new Map<number, ForeignKeyRef>();
    const single = new Set<number>();
    for (const con of cons) {
      const keys = con.conkey ?? [];
      if (con.contype === "p") {
        for (const k of keys) {
          primary.add(k);
        }
      }
      if (con.contype === "f" && con.ref_schema && con.ref_table && con.ref_columns) {
        // A column in several FKs (tenant_id in every composite tenant FK) keeps the most
        // specific: a single-column FK wins, then the first composite one that names it.
        keys.forEach((k, i) => {
          const column = con.ref_columns?.[i];
          if (!column || single.has(k)) {
            return;
          }
          if (keys.length === 1 || !foreign.has(k)) {
            foreign.set(k, { schema: con.ref_schema ?? "", table: con.ref_table ?? "", column });
          }
          if (keys.length === 1) {
            single.add(k);
          }
        });
      }
    }
    const columnDefs: ColumnDef[] = cols.map((c) => ({
      name: c.name,
      dataType: c.data_type,
      isNullable: c.is_nullable,
      ordinal: c.attnum,
      comment: c.comment,
      isPrimaryKey: primary.has(c.attnum),
      foreignKey: foreign.get(c.attnum) ?? null,
      sampleKind: sampleKind(c),
    }));
    return {
      store: "postgres" as const,
      schema: t.schema_name,
      name: t.table_name,
      kind: KINDS[t.relkind] ?? t.relkind,
      comment: t.comment,
      rowEstimate: t.row_estimate,
      bytes: t.bytes,
      readable: t.readable,
      ...(t.relkind === "p"
        ? {
            samplePartitions: (leavesByTable.get(t.oid) ?? [])
              .slice(0, SAMPLED_PARTITIONS)
              .map((l) => ({ schema: l.schema_name, name: l.table_name, rows: l.rows })),
          }
        : {}),
      columns: columnDefs,
      constraints: cons.map((con) => ({
        name: con.name,
        type: CONSTRAINT_TYPES[con.contype] ?? "check",
        columns: (con.conkey ?? []).map((k) => names.get(k) ?? String(k)),
        definition: con.definition,
      })),
    };
  });
}

function sampleKind(column: ColumnRow): SampleKind {
  if (column.typname === "jsonb" || column.typname === "json") {
    return "json";
  }
  if (column.typname === "bytea") {
    return "bytea";
  }
  if (column.typcategory === "A") {
    return "array";
  }
  if (column.typcategory === "S") {
    return "text";
  }
  return "scalar";
}

function groupBy<T, K>(rows: T[], key: (row: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = out.get(k);
    if (list) {
      list.push(row);
    } else {
      out.set(k, [row]);
    }
  }
  return out;
}
