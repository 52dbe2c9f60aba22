import { sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";
import { parseNode } from "./node-ids.ts";
import type { EdgeKind, NodeKind } from "./types.ts";

export type ImpactAsset = { id: string; kind: NodeKind; via: EdgeKind; depth: number };

/**
 * The assets a planned deletion, drop or masking change of `root` (a table: also its columns)
 * changes: everything fed by it downstream along flow edges, and the tables and columns that
 * reference it (foreign keys point from the referencing column to the referenced one, so they
 * are followed backwards). Each asset once, nearest first. Used by a retention request's
 * preview ("Downstream assets affected"), drift events and masking rule changes.
 */
export async function downstreamImpact(
  db: Db,
  root: string,
  maxDepth = 10,
): Promise<ImpactAsset[]> {
  const roots = [root];
  if (parseNode(root).kind === "table") {
    const children = await db
      .selectFrom("governance.lineage_nodes")
      .select("id")
      .where("parent_id", "=", root)
      .execute();
    roots.push(...children.map((c) => c.id));
  }
  const seen = new Set(roots);
  const out: ImpactAsset[] = [];
  let frontier = roots;
  for (let depth = 1; depth <= maxDepth && frontier.length > 0; depth += 1) {
    const rows = await sql<{ node: string; via: EdgeKind }>`
      SELECT to_node AS node, 'flow' AS via FROM governance.lineage_edges
        WHERE active AND kind = 'flow' AND from_node = ANY(${frontier}::text[])
      UNION ALL
      SELECT from_node AS node, 'reference' AS via FROM governance.lineage_edges
        WHERE active AND kind = 'reference' AND to_node = ANY(${frontier}::text[])
    `.execute(db);
    const next: string[] = [];
    for (const r of rows.rows) {
      if (!seen.has(r.node)) {
        seen.add(r.node);
        next.push(r.node);
        out.push({ id: r.node, kind: parseNode(r.node).kind, via: r.via, depth });
      }
    }
    frontier = next;
  }
  return out;
}

export type DownstreamAsset = { id: string; kind: NodeKind; via: EdgeKind; from: string };

/**
 * The assets outside a deletion's own tables that it changes (a retention request's preview):
 * per table (`customers`, `public.customers`), its downstream impact at table level, each asset
 * once, at most `limit`. Lineage problems never break the preview: they give an empty list.
 */
export async function downstreamOfTables(
  db: Db,
  tables: string[],
  limit = 50,
): Promise<DownstreamAsset[]> {
  try {
    const own = new Set(tables.map(tableNodeOf));
    const seen = new Set<string>();
    const out: DownstreamAsset[] = [];
    for (const table of tables) {
      const root = tableNodeOf(table);
      for (const asset of await downstreamImpact(db, root, 5)) {
        const tableOf =
          asset.kind === "column" ? (parseNode(asset.id).table ?? asset.id) : asset.id;
        if (own.has(tableOf) || seen.has(tableOf)) {
          continue;
        }
        seen.add(tableOf);
        out.push({ id: tableOf, kind: parseNode(tableOf).kind, via: asset.via, from: root });
        if (out.length >= limit) {
          return out;
        }
      }
    }
    return out;
  } catch {
    return [];
  }
}

function tableNodeOf(table: string): string {
  if (table.includes(":")) {
    return table;
  }
  return table.includes(".") ? `postgres:${table}` : `postgres:public.${table}`;
}
