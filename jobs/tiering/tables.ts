import { sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";

/**
 * What the tiering engine knows of an operational table, read from the catalog: its columns
 * (the cold table copies them, as text), its key (batches of rows are named by it) or its
 * partitions (moved whole), and which tablespace each relation lives in.
 */

export type ColumnInfo = { name: string; type: string; notNull: boolean };

export type PartitionInfo = {
  name: string;
  from: Date;
  to: Date;
  tablespace: string | null;
};

export type TableInfo = {
  table: string;
  columns: ColumnInfo[];
  partitioned: boolean;
  /** The single-column primary key of an unpartitioned table. */
  key: string | null;
  /** The column holding the customer a row is about, when the table has one. */
  customerColumn: string | null;
};

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

/** A catalog name checked to be a plain identifier, double-quoted for SQL text. */
export function quoted(name: string): string {
  if (!IDENT.test(name)) {
    throw new Error(`not a plain identifier: ${JSON.stringify(name)}`);
  }
  return `"${name}"`;
}

/** The same for ClickHouse (backquotes). */
export function chQuoted(name: string): string {
  if (!IDENT.test(name)) {
    throw new Error(`not a plain identifier: ${JSON.stringify(name)}`);
  }
  return `\`${name}\``;
}

/** The catalog's view of `public.<table>`, or undefined when there is no such table. */
export async function tableInfo(db: Db, table: string): Promise<TableInfo | undefined> {
  const rel = await sql<{ relkind: string }>`
    SELECT c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relname = ${table} AND c.relkind IN ('r', 'p')`.execute(db);
  const kind = rel.rows[0]?.relkind;
  if (!kind) {
    return undefined;
  }
  const columns = await sql<{ name: string; type: string; not_null: boolean }>`
    SELECT a.attname AS name, format_type(a.atttypid, NULL) AS type, a.attnotnull AS not_null
    FROM pg_attribute a
    WHERE a.attrelid = ${`public.${table}`}::regclass AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY a.attnum`.execute(db);
  const key = await sql<{ name: string }>`
    SELECT a.attname AS name
    FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
    WHERE i.indrelid = ${`public.${table}`}::regclass AND i.indisprimary AND i.indnatts = 1`.execute(
    db,
  );
  const cols = columns.rows.map((c) => ({ name: c.name, type: c.type, notNull: c.not_null }));
  return {
    table,
    columns: cols.filter((c) => IDENT.test(c.name)),
    partitioned: kind === "p",
    key: kind === "p" ? null : (key.rows[0]?.name ?? null),
    customerColumn: cols.some((c) => c.name === "customer_id" && c.type === "uuid")
      ? "customer_id"
      : null,
  };
}

/** The attached partitions of a partitioned table, oldest first, with their bounds. */
export async function partitionsOf(db: Db, table: string): Promise<PartitionInfo[]> {
  const result = await sql<{ name: string; bound: string; tablespace: string | null }>`
    SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound, ts.spcname AS tablespace
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    LEFT JOIN pg_tablespace ts ON ts.oid = c.reltablespace
    WHERE i.inhparent = ${`public.${table}`}::regclass
    ORDER BY c.relname`.execute(db);
  const out: PartitionInfo[] = [];
  for (const row of result.rows) {
    const m = /FROM \('([^']+)'\) TO \('([^']+)'\)/.exec(row.bound);
    if (!m?.[1] || !m[2]) {
      continue;
    }
    out.push({
      name: row.name,
      from: new Date(m[1]),
      to: new Date(m[2]),
      tablespace: row.tablespace,
    });
  }
  return out.sort((a, b) => a.from.getTime() - b.from.getTime());
}

/**
 * The canonical text of a column, the same in the COPY that feeds the cold tier and in the
 * checksum: `::text`, except timestamps, written in UTC whatever the session's time zone.
 */
export function pgColumnText(column: ColumnInfo, alias = "t"): string {
  const ref = `${alias}.${quoted(column.name)}`;
  if (column.type === "timestamp with time zone") {
    return `to_char(${ref} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
  }
  return `${ref}::text`;
}

/** The `SELECT` list of the copy: every column's canonical text. */
export function pgSelectList(info: TableInfo, alias = "t"): string {
  return info.columns.map((c) => pgColumnText(c, alias)).join(", ");
}

/**
 * An order-independent checksum of rows: the sum of the first 64 bits (signed) of the MD5 of
 * each row's canonical text (columns joined by U+001F, NULL as `\N`). ClickHouse computes the
 * same from the text columns of the cold tier and from the archive's Parquet (`chChecksum`).
 */
export function pgChecksumExpression(info: TableInfo, alias = "t"): string {
  const parts = info.columns.map((c) => `coalesce(${pgColumnText(c, alias)}, '\\N')`).join(", ");
  return `coalesce(sum(('x' || left(md5(concat_ws(chr(31), ${parts})), 16))::bit(64)::bigint), 0)::text`;
}

export function chChecksumExpression(info: TableInfo): string {
  const parts = info.columns.map((c) => `ifNull(${chQuoted(c.name)}, '\\\\N')`).join(", ");
  return `toString(sum(toInt128(reinterpretAsInt64(reverse(substring(MD5(concat_ws(char(31), ${parts})), 1, 8))))))`;
}

export type Tally = { rows: number; checksum: string };
