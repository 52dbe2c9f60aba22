/**
 * What the scanner finds in a store, before anything is written: the shape both introspectors
 * (Postgres, ClickHouse) produce and the catalog writer and drift detection consume.
 */

export type Store = "postgres" | "clickhouse";
export const STORES: readonly Store[] = ["postgres", "clickhouse"];

export type ForeignKeyRef = { schema: string; table: string; column: string };

export type TableConstraint = {
  name: string;
  type: "primary_key" | "foreign_key" | "unique" | "check" | "exclusion" | "sorting_key";
  columns: string[];
  definition: string;
};

/** How a column's values are read when sampling: decides the SQL expression that bounds them. */
export type SampleKind = "json" | "text" | "bytea" | "array" | "scalar";

export type ColumnDef = {
  name: string;
  dataType: string;
  isNullable: boolean;
  ordinal: number;
  comment: string | null;
  isPrimaryKey: boolean;
  foreignKey: ForeignKeyRef | null;
  sampleKind: SampleKind;
};

export type TableDef = {
  store: Store;
  /** Postgres schema, or the ClickHouse database. */
  schema: string;
  name: string;
  /** table | partitioned_table | view | materialized_view | foreign_table, or a ClickHouse engine. */
  kind: string;
  comment: string | null;
  rowEstimate: number | null;
  constraints: TableConstraint[];
  columns: ColumnDef[];
  /** Whether the scanner's reading role may select from it (a table created later may not be). */
  readable: boolean;
  /** On-disk size in bytes when known: bounds sampling when the row estimate is missing. */
  bytes: number | null;
  /**
   * A partitioned table's largest leaf partitions (at most a few): sampling reads these
   * directly, because planning a query over hundreds of partitions costs more than reading.
   */
  samplePartitions?: { schema: string; name: string; rows: number }[];
};

/** The part of a column's definition whose change is drift and bumps its version. */
export type ColumnDefinition = {
  data_type: string;
  is_nullable: boolean;
  comment: string | null;
  is_primary_key: boolean;
  foreign_key: ForeignKeyRef | null;
};

export function columnDefinition(column: ColumnDef): ColumnDefinition {
  return {
    data_type: column.dataType,
    is_nullable: column.isNullable,
    comment: column.comment,
    is_primary_key: column.isPrimaryKey,
    foreign_key: column.foreignKey,
  };
}

/** `public.customers`, `analytics.revenue_daily`. */
export function qualifiedName(table: { schema: string; name: string }): string {
  return `${table.schema}.${table.name}`;
}
