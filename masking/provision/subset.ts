import { sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";
import { ident, literal } from "./select.ts";

/**
 * Row filters that keep a subset referentially closed. By tenants: every table with a tenant_id
 * keeps the chosen tenants' rows (all foreign keys are tenant-consistent, so that is closed). By
 * percent: a deterministic sample of customers, and every row that references (directly or
 * through other rows) a customer only when that customer is kept — so chosen customers bring
 * their jobs, invoices, payments, interactions, while rows referenced by kept rows (users,
 * businesses, tenants) are never filtered and always come along.
 */

export type ForeignKey = {
  table: string;
  columns: string[];
  parent: string;
  parentColumns: string[];
};

/**
 * References without a foreign key (polymorphic columns) that subsetting also follows:
 * `table.column` points at `parent.id` when `typeColumn = typeValue`.
 */
export const SOFT_LINKS = [
  {
    table: "communications",
    column: "recipient_id",
    typeColumn: "recipient_type",
    typeValue: "customer",
    parent: "customers",
  },
  {
    table: "documents",
    column: "related_entity_id",
    typeColumn: "related_entity_type",
    typeValue: "customer",
    parent: "customers",
  },
] as const;

export async function foreignKeys(source: Db, schema = "public"): Promise<ForeignKey[]> {
  const r = await sql<{ child: string; parent: string; cols: string[]; pcols: string[] }>`
    SELECT c.relname AS child, p.relname AS parent,
      ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(n, o)
            JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.o) AS cols,
      ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(n, o)
            JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.o) AS pcols
    FROM pg_constraint k
    JOIN pg_class c ON c.oid = k.conrelid
    JOIN pg_class p ON p.oid = k.confrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE k.contype = 'f' AND n.nspname = ${schema} AND NOT c.relispartition
      AND k.conparentid = 0`.execute(source);
  return r.rows.map((x) => ({
    table: x.child,
    columns: x.cols,
    parent: x.parent,
    parentColumns: x.pcols,
  }));
}

export type SubsetOptions = {
  tenants?: string[] | null;
  /** 0 < percent ≤ 100: share of customers kept. */
  percent?: number | null;
};

/**
 * The WHERE clause (on alias `t`) for every table, or null when the table is copied whole.
 * `columnsOf` lists each table's columns (to know which have tenant_id / soft-link columns).
 */
export function subsetFilters(
  tables: Map<string, Set<string>>,
  fks: ForeignKey[],
  options: SubsetOptions,
): Map<string, string | null> {
  const tenants = options.tenants?.length ? options.tenants : null;
  const percent = options.percent != null && options.percent < 100 ? options.percent : null;
  const softLinks = SOFT_LINKS.filter((l) => {
    const cols = tables.get(l.table);
    return cols?.has(l.column) && cols.has(l.typeColumn) && tables.has(l.parent);
  });

  // Tables whose rows depend on the customer sample: customers, then anything referencing them.
  const sampled = new Set<string>();
  if (percent !== null && tables.has("customers")) {
    sampled.add("customers");
    let grew = true;
    while (grew) {
      grew = false;
      for (const fk of fks) {
        if (fk.table !== fk.parent && sampled.has(fk.parent) && !sampled.has(fk.table)) {
          sampled.add(fk.table);
          grew = true;
        }
      }
      for (const l of softLinks) {
        if (sampled.has(l.parent) && !sampled.has(l.table)) {
          sampled.add(l.table);
          grew = true;
        }
      }
    }
  }

  let aliases = 0;
  const tenantFilter = (table: string, a: string): string | null => {
    if (!tenants) {
      return null;
    }
    const list = `${literal(`{${tenants.join(",")}}`)}::uuid[]`;
    if (table === "tenants") {
      return `${a}.id = ANY (${list})`;
    }
    return tables.get(table)?.has("tenant_id") ? `${a}.tenant_id = ANY (${list})` : null;
  };
  const sampleFilter = (table: string, a: string, depth: number, skipSelf = false): string[] => {
    if (!sampled.has(table) || depth > 8) {
      return [];
    }
    if (table === "customers") {
      return [`abs(hashtext(${a}.id::text)) % 10000 < ${Math.round((percent ?? 100) * 100)}`];
    }
    const out: string[] = [];
    for (const fk of fks.filter(
      (f) => f.table === table && sampled.has(f.parent) && !(skipSelf && f.parent === table),
    )) {
      const p = `p${++aliases}`;
      const selfRef = fk.parent === table;
      const inner = selfRef
        ? sampleFilter(table, p, depth + 1, true) // one level: the referenced row's own links
        : sampleFilter(fk.parent, p, depth + 1);
      if (selfRef && inner.length === 0) {
        continue;
      }
      const join = fk.columns
        .map((c, i) => `${p}.${ident(fk.parentColumns[i] ?? "id")} = ${a}.${ident(c)}`)
        .join(" AND ");
      const anyNull = fk.columns.map((c) => `${a}.${ident(c)} IS NULL`).join(" OR ");
      out.push(
        `(${anyNull} OR EXISTS (SELECT 1 FROM ${ident(fk.parent)} ${p} WHERE ${[join, ...inner].join(" AND ")}))`,
      );
    }
    for (const l of softLinks.filter((s) => s.table === table)) {
      const p = `p${++aliases}`;
      const inner = sampleFilter(l.parent, p, depth + 1);
      out.push(
        `(${a}.${ident(l.typeColumn)} IS DISTINCT FROM ${literal(l.typeValue)} OR ${a}.${ident(l.column)} IS NULL OR EXISTS (SELECT 1 FROM ${ident(l.parent)} ${p} WHERE ${[`${p}.id = ${a}.${ident(l.column)}`, ...inner].join(" AND ")}))`,
      );
    }
    return out;
  };

  const filters = new Map<string, string | null>();
  for (const table of tables.keys()) {
    const parts = [tenantFilter(table, "t"), ...sampleFilter(table, "t", 0)].filter(
      (x): x is string => x !== null,
    );
    filters.set(table, parts.length ? parts.join(" AND ") : null);
  }
  return filters;
}
