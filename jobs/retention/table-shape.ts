import { sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";
import {
  customerExpression,
  keyExpression,
  quoteIdent,
  recordDateExpression,
  type SchemaGraph,
} from "./graph.ts";

/**
 * What the executor must know about an operational table before it touches it, from the schema
 * graph (pg_catalog, never the request alone): its key, its columns, how a legal hold's customer
 * and date scope reach its rows, and whether the platform's audit trigger copies its rows.
 */
export type TableShape = {
  table: string;
  /** Single-column primary key, or null: rows are keyed by a digest of the whole row. */
  keyColumn: string | null;
  /** SQL (over alias `t`) of the row's key as text. */
  keyText: string;
  /** SQL (over `t`) true when the row's key is in the batch's key array `keys`. */
  keyIn: (keys: string) => string;
  /** SQL (over `t`) true when the row's key is the text `key` (an index lookup when it can be). */
  keyEquals: (key: string) => string;
  /**
   * In table order (the archive's column order). `maxLength`: n of varchar(n)/char(n);
   * `sqlType`: the declared type as SQL (`character varying(40)[]`), for casts back to it.
   */
  columns: Map<
    string,
    { dataType: string; sqlType: string; nullable: boolean; maxLength: number | null }
  >;
  customerExpr: string | null;
  dateExpr: string | null;
  hasTenant: boolean;
  audited: boolean;
};

/** Key types that index lookups can cast text keys to. */
const CASTABLE = /^(uuid|integer|bigint|smallint|text|character varying(\(\d+\))?)$/;

export class TableShapeError extends Error {}

export { quoteIdent };

/** Reads the shape of `public.<table>`; throws TableShapeError when the table is unknown. */
export async function readTableShape(
  db: Db,
  graph: SchemaGraph,
  table: string,
): Promise<TableShape> {
  const info = graph.tables.get(table);
  if (!info) {
    throw new TableShapeError(`no operational table named ${table}`);
  }
  const nullable = await sql<{
    column_name: string;
    is_nullable: string;
    data_type: string;
    sql_type: string;
    character_maximum_length: number | null;
  }>`
    SELECT c.column_name, c.is_nullable, c.data_type, c.character_maximum_length,
           format_type(a.atttypid, a.atttypmod) AS sql_type
    FROM information_schema.columns c
    JOIN pg_attribute a
      ON a.attrelid = ${`public.${quoteIdent(table)}`}::regclass AND a.attname = c.column_name
    WHERE c.table_schema = 'public' AND c.table_name = ${table}
    ORDER BY c.ordinal_position`.execute(db);
  const columns = new Map(
    nullable.rows.map((c) => [
      c.column_name,
      {
        dataType: c.data_type,
        sqlType: c.sql_type,
        nullable: c.is_nullable === "YES",
        maxLength: c.character_maximum_length === null ? null : Number(c.character_maximum_length),
      },
    ]),
  );
  const audited = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_trigger tr JOIN pg_proc p ON p.oid = tr.tgfoid
    WHERE tr.tgrelid = ${`public.${quoteIdent(table)}`}::regclass AND p.proname = 'audit_trigger'
      AND NOT tr.tgisinternal`.execute(db);
  const keyColumn = info.keyColumn;
  const keyType = info.keyType;
  const keyText = keyExpression(info);
  const keyIn =
    keyColumn && keyType && CASTABLE.test(keyType)
      ? (keys: string) =>
          `t.${quoteIdent(keyColumn)} = ANY((${keys})::${keyType.replace(/\(\d+\)$/, "")}[])`
      : (keys: string) => `${keyText} = ANY((${keys})::text[])`;
  const keyEquals =
    keyColumn && keyType && CASTABLE.test(keyType)
      ? (key: string) => `t.${quoteIdent(keyColumn)} = (${key})::${keyType.replace(/\(\d+\)$/, "")}`
      : (key: string) => `${keyText} = ${key}`;
  return {
    table,
    keyColumn,
    keyText,
    keyIn,
    keyEquals,
    columns,
    customerExpr: customerExpression(graph, table),
    dateExpr: recordDateExpression(graph, table),
    hasTenant: columns.has("tenant_id"),
    audited: (audited.rows[0]?.n ?? 0) > 0,
  };
}
