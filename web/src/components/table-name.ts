/**
 * One spelling for a table on every page: a ClickHouse table as `clickhouse:db.table` (the lineage
 * node id's prefix), an operational Postgres table as `schema.table`.
 */
export function tableName(t: { store: string; schema: string; table: string }): string {
  return t.store === "clickhouse" ? `clickhouse:${t.schema}.${t.table}` : `${t.schema}.${t.table}`;
}
