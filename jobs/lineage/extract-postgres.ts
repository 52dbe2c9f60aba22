import { sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";
import { columnNode, tableNode } from "./node-ids.ts";
import type { LineageEdge } from "./types.ts";
import { loadParser, type RelationInfo, selectEdges, selectLineage } from "./view-sql.ts";

/** govern's own state and the system catalogs are not the platform's data. */
const SKIPPED_SCHEMAS = ["pg_catalog", "information_schema", "pg_toast", "governance"];

export type PostgresLineage = {
  viewEdges: LineageEdge[];
  fkEdges: LineageEdge[];
  views: number;
  /** Views whose columns could not be resolved, and why (they have table-level edges). */
  degraded: { view: string; reason: string }[];
};

/**
 * Lineage of the operational store: every view and materialized view parsed with libpg-query
 * (column edges), and every foreign key as `reference` edges from the referencing column to the
 * referenced one (and table to table). Partitions are read through their parent.
 */
export async function extractPostgres(db: Db): Promise<PostgresLineage> {
  await loadParser();
  const relations = await sql<{ schema: string; name: string; kind: string; columns: string[] }>`
    SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind,
      coalesce(array_agg(a.attname::text ORDER BY a.attnum) FILTER (WHERE a.attnum > 0), '{}'::text[]) AS columns
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
      AND n.nspname <> ALL(${SKIPPED_SCHEMAS}) AND n.nspname NOT LIKE 'pg_temp%'
    GROUP BY n.nspname, c.relname, c.relkind
  `.execute(db);
  const byName = new Map<string, RelationInfo>();
  for (const r of relations.rows) {
    byName.set(`${r.schema}.${r.name}`, {
      id: tableNode("postgres", r.schema, r.name),
      columns: r.columns,
    });
  }
  const lookup = (schema: string | undefined, name: string) =>
    byName.get(`${schema ?? "public"}.${name}`) ??
    (schema ? undefined : byName.get(`pg_catalog.${name}`));

  const views = await sql<{ schema: string; name: string; definition: string }>`
    SELECT n.nspname AS schema, c.relname AS name, pg_get_viewdef(c.oid) AS definition
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('v', 'm') AND n.nspname <> ALL(${SKIPPED_SCHEMAS})
      AND n.nspname NOT LIKE 'pg_temp%'
    ORDER BY 1, 2
  `.execute(db);
  const viewEdges: LineageEdge[] = [];
  const degraded: PostgresLineage["degraded"] = [];
  for (const view of views.rows) {
    const target = byName.get(`${view.schema}.${view.name}`);
    if (!target) {
      continue;
    }
    const lineage = selectLineage(view.definition, lookup);
    if (lineage.unsupported) {
      degraded.push({ view: target.id, reason: lineage.unsupported });
    }
    viewEdges.push(...selectEdges(target, lineage));
  }

  const fks = await sql<{
    child_schema: string;
    child: string;
    child_columns: string[];
    parent_schema: string;
    parent: string;
    parent_columns: string[];
    name: string;
  }>`
    SELECT cn.nspname AS child_schema, cc.relname AS child, pn.nspname AS parent_schema,
      pc.relname AS parent, con.conname AS name,
      (SELECT array_agg(a.attname::text ORDER BY k.i) FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
        JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n) AS child_columns,
      (SELECT array_agg(a.attname::text ORDER BY k.i) FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
        JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n) AS parent_columns
    FROM pg_constraint con
    JOIN pg_class cc ON cc.oid = con.conrelid JOIN pg_namespace cn ON cn.oid = cc.relnamespace
    JOIN pg_class pc ON pc.oid = con.confrelid JOIN pg_namespace pn ON pn.oid = pc.relnamespace
    WHERE con.contype = 'f' AND con.conparentid = 0 AND NOT cc.relispartition
      AND cn.nspname <> ALL(${SKIPPED_SCHEMAS})
  `.execute(db);
  const fkEdges: LineageEdge[] = [];
  for (const fk of fks.rows) {
    const child = tableNode("postgres", fk.child_schema, fk.child);
    const parent = tableNode("postgres", fk.parent_schema, fk.parent);
    const expression = `FOREIGN KEY ${fk.name} (${fk.child_columns.join(", ")}) REFERENCES ${fk.parent}(${fk.parent_columns.join(", ")})`;
    if (child !== parent) {
      fkEdges.push({
        from: child,
        to: parent,
        kind: "reference",
        transformation: null,
        expression,
      });
    }
    fk.child_columns.forEach((column, i) => {
      const referenced = fk.parent_columns[i];
      if (referenced) {
        fkEdges.push({
          from: columnNode(child, column),
          to: columnNode(parent, referenced),
          kind: "reference",
          transformation: null,
          expression,
        });
      }
    });
  }
  return { viewEdges, fkEdges, views: views.rows.length, degraded };
}
