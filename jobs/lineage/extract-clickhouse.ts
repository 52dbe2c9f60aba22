import type { AnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import { tableNode } from "./node-ids.ts";
import type { LineageEdge } from "./types.ts";
import { loadParser, type RelationInfo, selectEdges, selectLineage } from "./view-sql.ts";

type TableRow = {
  database: string;
  name: string;
  engine: string;
  create_table_query: string;
  as_select: string;
};

export type ClickhouseLineage = {
  edges: LineageEdge[];
  objects: number;
  degraded: { object: string; reason: string }[];
};

const QUOTED = "`?([A-Za-z_][A-Za-z0-9_]*)`?";
const TO_TARGET = new RegExp(`\\sTO\\s+(?:${QUOTED}\\.)?${QUOTED}`, "i");
const DICT_SOURCE = /SOURCE\s*\(\s*CLICKHOUSE\s*\(([^)]*)\)/i;

/**
 * Lineage of the analytics store's own database: views and materialized views (their SELECT,
 * from `system.tables.as_select`, read with the PostgreSQL parser where ClickHouse's dialect
 * allows it, else table level from the query's tables), a materialized view's `TO` table, and
 * dictionaries fed from ClickHouse tables. Never throws for one object it cannot read.
 */
export async function extractClickhouse(store: AnalyticsStore): Promise<ClickhouseLineage> {
  await loadParser();
  const tables = await store.query<TableRow>(
    `SELECT database, name, engine, create_table_query, as_select
     FROM system.tables WHERE database = currentDatabase() AND NOT is_temporary`,
  );
  const columns = await store.query<{ table: string; name: string }>(
    `SELECT table, name FROM system.columns WHERE database = currentDatabase() ORDER BY table, position`,
  );
  const byTable = new Map<string, RelationInfo>();
  for (const t of tables) {
    byTable.set(t.name, { id: tableNode("clickhouse", t.database, t.name), columns: [] });
  }
  for (const c of columns) {
    byTable.get(c.table)?.columns.push(c.name);
  }
  const database = tables[0]?.database;
  const lookup = (schema: string | undefined, name: string) =>
    !schema || schema === database ? byTable.get(name) : undefined;

  const edges: LineageEdge[] = [];
  const degraded: ClickhouseLineage["degraded"] = [];
  let objects = 0;
  for (const t of tables) {
    const self = byTable.get(t.name);
    if (!self) {
      continue;
    }
    if (t.engine === "View" || t.engine === "MaterializedView") {
      objects += 1;
      const to = t.engine === "MaterializedView" ? TO_TARGET.exec(t.create_table_query) : null;
      const targetName = to?.[2];
      const target = (targetName && byTable.get(targetName)) || self;
      const lineage = selectLineage(t.as_select, lookup);
      if (lineage.unsupported) {
        degraded.push({ object: self.id, reason: lineage.unsupported });
        // Table level from the names the query mentions.
        for (const other of byTable.values()) {
          if (other.id !== target.id && mentions(t.as_select, other.id.split(".").at(-1) ?? "")) {
            lineage.tables.push(other.id);
          }
        }
      }
      edges.push(...selectEdges({ id: target.id, columns: [] }, lineage));
      if (target !== self) {
        edges.push({
          from: self.id,
          to: target.id,
          kind: "flow",
          transformation: null,
          expression: `materialized view ${t.name} writes TO ${targetName}`,
        });
      }
    } else if (t.engine === "Dictionary" || /^CREATE DICTIONARY/i.test(t.create_table_query)) {
      objects += 1;
      const source = DICT_SOURCE.exec(t.create_table_query)?.[1] ?? "";
      const table = /TABLE\s+'([^']+)'/i.exec(source)?.[1];
      const from = table ? byTable.get(table) : undefined;
      if (from) {
        edges.push({
          from: from.id,
          to: self.id,
          kind: "flow",
          transformation: "direct",
          expression: `dictionary source ${table}`,
        });
      }
    }
  }
  return { edges, objects, degraded };
}

function mentions(sql: string, name: string): boolean {
  return name.length > 0 && new RegExp(`\\b${name}\\b`).test(sql);
}
