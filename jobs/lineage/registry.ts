import { sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";
import { parseNode } from "./node-ids.ts";
import { type LineageEdge, TRANSFORMATIONS, type Transformation } from "./types.ts";

/**
 * The platform's own `data_lineage` table (seed data model). Rows written by people or other
 * tools are read as declared edges; edges govern discovers are written back, so that the seed's
 * recursive trace query, unchanged, returns them. Its names are the platform's: a table in
 * `public` by its bare name (`payments`), another Postgres schema as `schema.table`, any other
 * store by its node id (`clickhouse:govern.revenue_daily`).
 */
export const WRITTEN_BY = "govern:lineage";

/** A data_lineage table name → our table node id. */
export function registryNode(table: string, column: string | null): string {
  let tableId: string;
  if (/^[a-z][a-z0-9+.-]*:/i.test(table)) {
    tableId = table;
  } else if (table.includes(".")) {
    tableId = `postgres:${table}`;
  } else {
    tableId = `postgres:public.${table}`;
  }
  return column ? `${tableId}.${column}` : tableId;
}

/** A node id → data_lineage's (table, column). */
export function registryName(id: string): { table: string; column: string | null } {
  const node = parseNode(id);
  const tableId = node.table ?? id;
  const column = node.kind === "column" ? (node.parts.at(-1) ?? null) : null;
  const table = parseNode(tableId);
  if (table.prefix === "postgres") {
    const [schema, name] = table.parts;
    return { table: schema === "public" ? (name ?? "") : `${schema}.${name}`, column };
  }
  return { table: tableId, column };
}

/** Declared edges: active rows govern did not write. */
export async function readRegistry(db: Db): Promise<LineageEdge[]> {
  const rows = await db
    .selectFrom("data_lineage")
    .select([
      "source_table",
      "source_column",
      "target_table",
      "target_column",
      "transformation_type",
      "transformation_sql",
    ])
    .where("is_active", "=", true)
    .where((eb) => eb.or([eb("created_by", "is", null), eb("created_by", "!=", WRITTEN_BY)]))
    .execute();
  return rows.map((r) => {
    const t = (r.transformation_type ?? "").toLowerCase();
    return {
      from: registryNode(r.source_table, r.source_column),
      to: registryNode(r.target_table, r.target_column),
      kind: "flow",
      transformation: (TRANSFORMATIONS as readonly string[]).includes(t)
        ? (t as Transformation)
        : null,
      expression: r.transformation_sql,
    };
  });
}

/**
 * Makes govern's rows in data_lineage match the discovered flow edges: new ones inserted,
 * vanished ones `is_active = false` (kept, as the registry keeps history), returning ones
 * reactivated. Returns how many rows were inserted, reactivated and deactivated.
 */
export async function writeRegistry(
  db: Db,
  edges: { from: string; to: string; transformation: string | null; expression: string | null }[],
): Promise<{ inserted: number; reactivated: number; deactivated: number }> {
  const wanted = new Map<
    string,
    (typeof edges)[number] & {
      s: ReturnType<typeof registryName>;
      t: ReturnType<typeof registryName>;
    }
  >();
  for (const e of edges) {
    const s = registryName(e.from);
    const t = registryName(e.to);
    wanted.set(key(s.table, s.column, t.table, t.column), { ...e, s, t });
  }
  return db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom("data_lineage")
      .select(["id", "source_table", "source_column", "target_table", "target_column", "is_active"])
      .where("created_by", "=", WRITTEN_BY)
      .execute();
    const seen = new Set<string>();
    const reactivate: string[] = [];
    const deactivate: string[] = [];
    for (const row of existing) {
      const k = key(row.source_table, row.source_column, row.target_table, row.target_column);
      if (wanted.has(k) && !seen.has(k)) {
        seen.add(k);
        if (!row.is_active) {
          reactivate.push(row.id);
        }
      } else if (row.is_active) {
        deactivate.push(row.id);
      }
    }
    const insert = [...wanted.entries()].filter(([k]) => !seen.has(k)).map(([, v]) => v);
    for (let i = 0; i < insert.length; i += 5_000) {
      const chunk = insert.slice(i, i + 5_000);
      await sql`
        INSERT INTO data_lineage (source_table, source_column, target_table, target_column,
          transformation_type, transformation_sql, created_by)
        SELECT *, ${WRITTEN_BY} FROM unnest(
          ${chunk.map((e) => e.s.table)}::varchar[], ${chunk.map((e) => e.s.column)}::varchar[],
          ${chunk.map((e) => e.t.table)}::varchar[], ${chunk.map((e) => e.t.column)}::varchar[],
          ${chunk.map((e) => e.transformation)}::varchar[], ${chunk.map((e) => e.expression)}::text[])
      `.execute(trx);
    }
    if (reactivate.length > 0) {
      await sql`UPDATE data_lineage SET is_active = true WHERE id = ANY(${reactivate}::uuid[])`.execute(
        trx,
      );
    }
    if (deactivate.length > 0) {
      await sql`UPDATE data_lineage SET is_active = false WHERE id = ANY(${deactivate}::uuid[])`.execute(
        trx,
      );
    }
    return {
      inserted: insert.length,
      reactivated: reactivate.length,
      deactivated: deactivate.length,
    };
  });
}

function key(st: string, sc: string | null, tt: string, tc: string | null): string {
  return [st, sc ?? "", tt, tc ?? ""].join("\u0000");
}
