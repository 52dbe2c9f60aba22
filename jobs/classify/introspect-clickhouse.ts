import type { AnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import type { ColumnDef, SampleKind, TableConstraint, TableDef } from "./catalog-types.ts";

/** govern's own bookkeeping in the analytics store, not platform data. */
const SKIPPED_TABLES = new Set(["analytics_migrations"]);

type TableRow = {
  database: string;
  name: string;
  engine: string;
  comment: string;
  total_rows: string | number | null;
  total_bytes: string | number | null;
  sorting_key: string;
};

type ColumnRow = {
  table: string;
  name: string;
  type: string;
  position: string | number;
  comment: string;
  is_in_primary_key: number | boolean;
};

/**
 * Every table of the analytics store's configured database (the store's default database) from
 * system.tables and system.columns. ClickHouse has no foreign keys; its sorting key is recorded
 * as a constraint and its primary-key columns are flagged.
 */
export async function introspectClickhouse(store: AnalyticsStore): Promise<TableDef[]> {
  const tables = await store.query<TableRow>(
    `SELECT database, name, engine, comment, total_rows, total_bytes, sorting_key
     FROM system.tables WHERE database = currentDatabase() AND NOT is_temporary
     ORDER BY name`,
  );
  const columns = await store.query<ColumnRow>(
    `SELECT table, name, type, position, comment, is_in_primary_key
     FROM system.columns WHERE database = currentDatabase() ORDER BY table, position`,
  );
  const byTable = new Map<string, ColumnRow[]>();
  for (const c of columns) {
    const list = byTable.get(c.table) ?? [];
    list.push(c);
    byTable.set(c.table, list);
  }
  return tables
    .filter((t) => !SKIPPED_TABLES.has(t.name) && !t.name.startsWith(".inner"))
    .map((t) => {
      const cols = byTable.get(t.name) ?? [];
      const constraints: TableConstraint[] = t.sorting_key
        ? [
            {
              name: "sorting_key",
              type: "sorting_key",
              columns: t.sorting_key.split(",").map((s) => s.trim()),
              definition: `ORDER BY (${t.sorting_key})`,
            },
          ]
        : [];
      const columnDefs: ColumnDef[] = cols.map((c) => ({
        name: c.name,
        dataType: c.type,
        isNullable: /^(LowCardinality\()?Nullable\(/.test(c.type),
        ordinal: Number(c.position),
        comment: c.comment || null,
        isPrimaryKey: c.is_in_primary_key === 1 || c.is_in_primary_key === true,
        foreignKey: null,
        sampleKind: clickhouseSampleKind(c.type),
      }));
      return {
        store: "clickhouse" as const,
        schema: t.database,
        name: t.name,
        kind: t.engine,
        comment: t.comment || null,
        rowEstimate: t.total_rows === null ? null : Number(t.total_rows),
        bytes: t.total_bytes === null ? null : Number(t.total_bytes),
        readable: true,
        columns: columnDefs,
        constraints,
      };
    });
}

function clickhouseSampleKind(type: string): SampleKind {
  let inner = type;
  for (;;) {
    const unwrapped = inner.replace(/^(Nullable|LowCardinality)\((.*)\)$/, "$2");
    if (unwrapped === inner) {
      break;
    }
    inner = unwrapped;
  }
  if (/^(String|FixedString)/.test(inner)) {
    return "text";
  }
  if (/^(Array|Map|Tuple)\(/.test(inner)) {
    return "array";
  }
  if (/^(JSON|Object)/.test(inner)) {
    return "json";
  }
  return "scalar";
}
