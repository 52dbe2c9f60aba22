import { sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";
import { sourceColumns } from "../provision/plan.ts";

/**
 * The shape of the platform's tables as the generator needs it: columns with their types, and
 * the foreign keys between tables. The table list is the masked copy's (provision/plan.ts
 * `sourceColumns`: every table and partitioned parent of the schema), so a synthetic platform
 * covers exactly what a masked copy would hold, and a table added to the platform is generated
 * without anyone listing it here.
 */

export type ShapeColumn = {
  name: string;
  /** format_type(), e.g. `character varying(50)`, `numeric(3,2)`, `uuid[]`. */
  type: string;
  /** pg_type.typcategory: S string, N numeric, D date/time, B boolean, U uuid/jsonb/bytea, A array, I inet, T interval. */
  category: string;
  udt: string;
  elementCategory: string | null;
  nullable: boolean;
};

export type ShapeForeignKey = { columns: string[]; parent: string; parentColumns: string[] };

export type TableShape = {
  table: string;
  partitioned: boolean;
  columns: ShapeColumn[];
  foreignKeys: ShapeForeignKey[];
};

/** Every table a masked copy of this database would hold, with columns and foreign keys. */
export async function readShapes(db: Db, schema = "public"): Promise<Map<string, TableShape>> {
  const shapes = new Map<string, TableShape>();
  for (const c of await sourceColumns(db, schema)) {
    const shape = shapes.get(c.table_name) ?? {
      table: c.table_name,
      partitioned: c.relkind === "p",
      columns: [],
      foreignKeys: [],
    };
    shape.columns.push({
      name: c.column_name,
      type: c.type,
      category: c.typcategory,
      udt: c.udt,
      elementCategory: c.elemcategory,
      nullable: c.nullable,
    });
    shapes.set(c.table_name, shape);
  }
  const fks = await sql<{ child: string; parent: string; ccols: string[]; pcols: string[] }>`
    SELECT cc.relname AS child, pc.relname AS parent,
      ARRAY(SELECT attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY i)::text[]
        AS ccols,
      ARRAY(SELECT attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
            JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY i)::text[]
        AS pcols
    FROM pg_constraint c
    JOIN pg_class cc ON cc.oid = c.conrelid
    JOIN pg_class pc ON pc.oid = c.confrelid
    JOIN pg_namespace n ON n.oid = c.connamespace
    WHERE c.contype = 'f' AND n.nspname = ${schema} AND NOT cc.relispartition
    ORDER BY c.conname`.execute(db);
  for (const fk of fks.rows) {
    shapes.get(fk.child)?.foreignKeys.push({
      columns: fk.ccols,
      parent: fk.parent,
      parentColumns: fk.pcols,
    });
  }
  return shapes;
}

/**
 * The single-column reference a column makes: its foreign key (the `(tenant_id, x)` pairs of
 * this schema reduce to `x`), or, for a uuid column without a constraint, the table its name
 * points at (`customer_id` → customers on the partitioned event tables, which carry no keys).
 */
export function referenceOf(
  shape: TableShape,
  column: string,
  tables: ReadonlySet<string>,
): string | null {
  for (const fk of shape.foreignKeys) {
    const own = fk.columns.filter((c) => c !== "tenant_id");
    if (own.length === 1 && own[0] === column) {
      return fk.parent;
    }
  }
  const c = shape.columns.find((x) => x.name === column);
  if (c?.udt !== "uuid" || column === "id" || column === "tenant_id") {
    return null;
  }
  const stem = column.replace(/_id$/, "");
  if (stem === column) {
    return null;
  }
  for (const candidate of [`${stem}s`, `${stem}es`, stem.replace(/y$/, "ies")]) {
    if (tables.has(candidate)) {
      return candidate;
    }
  }
  return null;
}

/**
 * Parents before children, implied references included (self references aside); ties keep the
 * schema's name order.
 */
export function loadOrder(shapes: Map<string, TableShape>): string[] {
  const names = new Set(shapes.keys());
  const order: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (table: string) => {
    if (state.get(table)) {
      return;
    }
    state.set(table, "visiting");
    const shape = shapes.get(table);
    const parents = new Set(shape?.foreignKeys.map((fk) => fk.parent));
    for (const c of shape?.columns ?? []) {
      const parent = shape ? referenceOf(shape, c.name, names) : null;
      if (parent) {
        parents.add(parent);
      }
    }
    for (const parent of parents) {
      if (parent !== table && shapes.has(parent)) {
        visit(parent);
      }
    }
    state.set(table, "done");
    order.push(table);
  };
  for (const table of [...shapes.keys()].sort()) {
    visit(table);
  }
  return order;
}
