import { sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";
import { fitMarginal, type MarginalDef } from "./marginals.ts";
import { isSafeLabel, type Marginal, MIN_CELL, SKETCH_POINTS } from "./profile.ts";
import { readShapes, type ShapeColumn, type TableShape } from "./schema-shape.ts";
import type { ColumnModel, TableModel } from "./table-model.ts";

/**
 * Fits a model of every table of the platform (the masked copy's table list) to the real store,
 * column by column, with aggregate queries only: quantile sketches of numbers, dates (as ages)
 * and times, shares of NULL and of true, mixes of enum-like labels, the keys of JSON objects, and
 * how many child rows a parent row has. Identifiers are quoted from the catalog of the database
 * itself (pg_attribute), never taken from a request.
 */

/** An enum-like column has at most this many labels, covering nearly all its values. */
const MAX_CATEGORY_LABELS = 40;
const CATEGORY_COVERAGE = 0.95;
/** Children per parent row are kept up to this count, larger ones pooled. */
const CHILD_CAP = 200;

/**
 * Columns whose values are people, places, contact details, secrets or prose whatever they look
 * like: never fitted as labels (a town or a surname can pass for an enum in a small store).
 */
const NEVER_LABELS =
  /(name|email|phone|address|street|city|zip|postal|note|description|content|subject|title|text|message|summary|reason|url|path|filename|token|secret|password|credential|card|iban|bank|account|routing|ssn|tax_id|number|_id$|^id$|agent|ip|key|body|comment|signature)/;

export async function fitTableModels(db: Db): Promise<Record<string, TableModel>> {
  const shapes = await readShapes(db);
  const customers = await countRows(db, "customers");
  const out: Record<string, TableModel> = {};
  for (const shape of shapes.values()) {
    out[shape.table] = await fitTable(db, shape, shapes, customers);
  }
  return out;
}

async function countRows(db: Db, table: string): Promise<number> {
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(
    db,
  );
  return r.rows[0]?.n ?? 0;
}

async function fitTable(
  db: Db,
  shape: TableShape,
  shapes: Map<string, TableShape>,
  customers: number,
): Promise<TableModel> {
  // Rows and non-NULL values of every column, in one scan.
  const counts = await sql<Record<string, number>>`
    SELECT count(*)::int AS "*", ${sql.join(
      shape.columns.map((c) => sql`count(${q(c.name)})::int AS ${sql.id(c.name)}`),
    )} FROM ${sql.table(shape.table)}`.execute(db);
  const row = counts.rows[0] ?? {};
  const rows = Number(row["*"] ?? 0);
  const columns: Record<string, ColumnModel> = {};
  const marginals: Record<string, Marginal> = {};
  for (const c of shape.columns) {
    const nulls = rows ? round((rows - Number(row[c.name] ?? 0)) / rows, 6) : c.nullable ? 1 : 0;
    const model = await fitColumn(db, shape.table, c, rows, nulls);
    columns[c.name] = model;
    const def = columnMarginalDef(shape.table, c, model);
    if (def) {
      marginals[c.name] = await fitMarginal(db, def);
    }
  }
  return {
    rows,
    perCustomer: customers ? round(rows / customers, 6) : 0,
    anchor: await fitAnchor(db, shape, shapes),
    columns,
    marginals,
  };
}

const q = (column: string) => sql.ref(column);

async function fitColumn(
  db: Db,
  table: string,
  c: ShapeColumn,
  rows: number,
  nulls: number,
): Promise<ColumnModel> {
  const t = sql.table(table);
  const col = q(c.name);
  const sketchOf = async (expr: ReturnType<typeof sql>) => {
    const r = await sql<{ q: number[] | null; lo: number | null; hi: number | null }>`
      SELECT percentile_cont(${sql.val(SKETCH_POINTS)}::float8[]) WITHIN GROUP (ORDER BY v) AS q,
             min(v) AS lo, max(v) AS hi
      FROM (SELECT (${expr})::float8 AS v FROM ${t} WHERE ${col} IS NOT NULL) s`.execute(db);
    const row = r.rows[0];
    return {
      q: (row?.q ?? []).map((x) => round(x, 4)),
      lo: Number(row?.lo ?? 0),
      hi: Number(row?.hi ?? 0),
    };
  };
  if (c.category === "N") {
    const s = await sketchOf(sql`${col}`);
    return {
      kind: "numeric",
      nulls,
      q: s.q,
      min: s.lo,
      max: s.hi,
      integer: /^int|^serial|^oid/.test(c.udt),
    };
  }
  if (c.category === "D" && c.udt === "time") {
    return { kind: "clock", nulls, q: (await sketchOf(sql`extract(epoch FROM ${col})`)).q };
  }
  if (c.category === "D") {
    const date = c.udt === "date";
    const age = date
      ? sql`current_date - ${col}`
      : sql`extract(epoch FROM (now() - ${col})) / 86400`;
    return { kind: "age", nulls, q: (await sketchOf(age)).q, date };
  }
  if (c.category === "T") {
    return { kind: "interval", nulls, q: (await sketchOf(sql`extract(epoch FROM ${col})`)).q };
  }
  if (c.category === "B") {
    const r = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM ${t} WHERE ${col}`.execute(db);
    const present = rows * (1 - nulls);
    return {
      kind: "boolean",
      nulls,
      trueShare: present ? round((r.rows[0]?.n ?? 0) / present, 6) : 0,
    };
  }
  if (c.category === "S") {
    const mix = NEVER_LABELS.test(c.name) ? null : await labelMix(db, table, c.name);
    return mix ? { kind: "category", nulls, mix } : { kind: "text", nulls };
  }
  if (c.udt === "jsonb" || c.udt === "json") {
    return fitJson(db, table, c.name, nulls);
  }
  if (c.category === "A") {
    return { kind: "array", nulls, length: (await sketchOf(sql`cardinality(${col})`)).q };
  }
  return { kind: "opaque", nulls };
}

/** The column's labels when it is enum-like: few, safe, common labels covering nearly all rows. */
async function labelMix(
  db: Db,
  table: string,
  column: string,
): Promise<Record<string, number> | null> {
  const r = await sql<{ v: string; n: number }>`
    SELECT ${q(column)}::text AS v, count(*)::int AS n FROM ${sql.table(table)}
    WHERE ${q(column)} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC
    LIMIT ${MAX_CATEGORY_LABELS + 1}`.execute(db);
  if (r.rows.length === 0 || r.rows.length > MAX_CATEGORY_LABELS) {
    return null;
  }
  const total = r.rows.reduce((a, x) => a + x.n, 0);
  const kept = r.rows.filter((x) => x.n >= MIN_CELL && isSafeLabel(x.v));
  const covered = kept.reduce((a, x) => a + x.n, 0);
  if (kept.length === 0 || covered < total * CATEGORY_COVERAGE) {
    return null;
  }
  return Object.fromEntries(kept.map((x) => [x.v, round(x.n / covered, 6)]));
}

async function fitJson(db: Db, table: string, column: string, nulls: number): Promise<ColumnModel> {
  const t = sql.table(table);
  const col = q(column);
  const kinds = await sql<{ objects: number; arrays: number }>`
    SELECT count(*) FILTER (WHERE jsonb_typeof(${col}::jsonb) = 'object')::int AS objects,
           count(*) FILTER (WHERE jsonb_typeof(${col}::jsonb) = 'array')::int AS arrays
    FROM ${t}`.execute(db);
  const objects = kinds.rows[0]?.objects ?? 0;
  const arrays = kinds.rows[0]?.arrays ?? 0;
  const keyRows = await sql<{ k: string; ty: string; n: number }>`
    SELECT k, ty, n FROM (
      SELECT e.k, jsonb_typeof(e.v) AS ty, count(*)::int AS n,
             row_number() OVER (PARTITION BY e.k ORDER BY count(*) DESC) AS r
      FROM ${t}, jsonb_each(CASE WHEN jsonb_typeof(${col}::jsonb) = 'object'
                                 THEN ${col}::jsonb ELSE '{}'::jsonb END) e(k, v)
      GROUP BY 1, 2) s
    WHERE r = 1 ORDER BY n DESC LIMIT 60`.execute(db);
  const keys: Record<
    string,
    { share: number; type: "string" | "number" | "boolean" | "object" | "array" | "null" }
  > = {};
  for (const row of keyRows.rows) {
    // Keys are the application's vocabulary; a key that looks like data (an e-mail, a name with
    // spaces, a rare one) is left out.
    if (row.n >= MIN_CELL && isSafeLabel(row.k) && objects > 0) {
      keys[row.k] = {
        share: round(Math.min(1, row.n / objects), 6),
        type: row.ty as "string" | "number" | "boolean" | "object" | "array" | "null",
      };
    }
  }
  const present = objects + arrays;
  return { kind: "json", nulls, arrays: present ? round(arrays / present, 6) : 0, keys };
}

/**
 * The anchoring foreign key: the NOT NULL single-column reference to the largest parent
 * (tenants and businesses aside: one per tenant, so their children scale with customers), and
 * the distribution of children per parent row.
 */
async function fitAnchor(
  db: Db,
  shape: TableShape,
  shapes: Map<string, TableShape>,
): Promise<TableModel["anchor"]> {
  let best: { column: string; parent: string; rows: number } | null = null;
  for (const fk of shape.foreignKeys) {
    const own = fk.columns.filter((c) => c !== "tenant_id");
    const column = own[0];
    const c = shape.columns.find((x) => x.name === column);
    if (
      own.length !== 1 ||
      !column ||
      !c ||
      c.nullable ||
      fk.parent === shape.table ||
      fk.parent === "tenants" ||
      fk.parent === "businesses" ||
      !shapes.has(fk.parent)
    ) {
      continue;
    }
    const rows = await countRows(db, fk.parent);
    if (!best || rows > best.rows) {
      best = { column, parent: fk.parent, rows };
    }
  }
  if (!best) {
    return null;
  }
  const r = await sql<{ k: number; n: number }>`
    SELECT least(coalesce(x.k, 0), ${CHILD_CAP})::int AS k, count(*)::int AS n
    FROM ${sql.table(best.parent)} p
    LEFT JOIN (SELECT ${q(best.column)} AS id, count(*) AS k FROM ${sql.table(shape.table)}
               GROUP BY 1) x ON x.id = p.id
    GROUP BY 1`.execute(db);
  const counts: number[] = [];
  const total = r.rows.reduce((a, x) => a + x.n, 0);
  for (const row of r.rows) {
    while (counts.length <= row.k) {
      counts.push(0);
    }
    counts[row.k] = round(row.n / Math.max(1, total), 6);
  }
  return { column: best.column, parent: best.parent, counts };
}

/**
 * The query that bins a column for the report, run unchanged on the real store (fit) and on the
 * generated one (report): numbers, ages and times for KS, labels and booleans for TVD, and for
 * columns only their presence is fitted of (free text, JSON, identifiers), present against NULL.
 */
export function columnMarginalDef(
  table: string,
  c: Pick<ShapeColumn, "name" | "nullable">,
  model: ColumnModel,
): MarginalDef | null {
  const id = `"${table}"`;
  const col = `"${c.name}"`;
  const column = `${table}.${c.name}`;
  const numeric = (expr: string): MarginalDef => ({
    column,
    kind: "numeric",
    scale: "linear",
    query: `SELECT (${expr})::float8 AS v FROM ${id} WHERE ${col} IS NOT NULL`,
  });
  switch (model.kind) {
    case "numeric":
      return numeric(col);
    case "age":
      return numeric(
        model.date ? `current_date - ${col}` : `extract(epoch FROM (now() - ${col})) / 86400`,
      );
    case "clock":
    case "interval":
      return numeric(`extract(epoch FROM ${col})`);
    case "boolean":
      return {
        column,
        kind: "categorical",
        query: `SELECT CASE WHEN ${col} THEN 'true' WHEN NOT ${col} THEN 'false' END AS v FROM ${id}`,
      };
    case "category":
      return { column, kind: "categorical", query: `SELECT ${col}::text AS v FROM ${id}` };
    default:
      return c.nullable
        ? {
            column,
            kind: "categorical",
            query: `SELECT CASE WHEN ${col} IS NULL THEN NULL ELSE 'present' END AS v FROM ${id}`,
          }
        : null;
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
