import type pg from "pg";
import { currentXid } from "../leak-scan/load-proof.ts";
import type { ColumnPlan, TablePlan } from "./plan.ts";
import { ident, literal } from "./select.ts";

/**
 * Unique stays unique. Masking maps distinct values to distinct values where it can (tokenize,
 * phones and emails are bijections or keyed on the whole value), but not everywhere: emails that
 * differ only in case mask alike (the substitute is keyed on the lower-cased address, so a
 * customer's email masks the same in every text), two last names may get the same syllable
 * word, a scramble of short values can meet another's. After the copy, before post-data builds
 * the unique indexes, every source unique index over a masked text column is checked in the
 * target: each group of rows that now share a key keeps its first row (by the table's primary
 * key) as it is, and every other row's masked value gets a tag derived from its own primary key
 * (`ralika.venmor.1f2e3d4c+5a0c1e@example.org`, `Venmor-5a0c1e`). The tag depends only on the
 * source row's key, so the same copy made twice is the same, the index builds, and two people
 * never merge into one.
 */

export type UniqueCollisions = {
  /** `table.index` → rows whose masked value got a tag. */
  resolved: Record<string, number>;
  /** [table, column] of every column a tag went on: written after the copy's stream. */
  columns: [table: string, column: string][];
  /** The transaction that wrote the tags (its 32-bit id, as the rows' xmin): load-proof.ts. */
  xid: string | null;
};

type UniqueIndex = {
  table: string;
  index: string;
  /** The index's key expressions as SQL (column names or expressions). */
  keys: string[];
  /** Its predicate (partial index), or null. */
  predicate: string | null;
  /** The table's primary key columns (empty: none). */
  primaryKey: string[];
};

/** The source's unique indexes of `schema` (constraints and plain unique indexes alike). */
async function uniqueIndexes(source: pg.Pool, schema: string): Promise<UniqueIndex[]> {
  const r = await source.query<{
    table: string;
    index: string;
    keys: string[];
    predicate: string | null;
    primary_key: string[] | null;
  }>(
    `SELECT c.relname AS table, i.relname AS index,
       ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true)
             FROM generate_series(1, x.indnkeyatts) k ORDER BY k) AS keys,
       pg_get_expr(x.indpred, x.indrelid, true) AS predicate,
       (SELECT array_agg(a.attname::text ORDER BY array_position(p.indkey::int2[], a.attnum))
          FROM pg_index p JOIN pg_attribute a ON a.attrelid = p.indrelid AND a.attnum = ANY (p.indkey)
          WHERE p.indrelid = c.oid AND p.indisprimary) AS primary_key
     FROM pg_index x
     JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_class i ON i.oid = x.indexrelid
     WHERE n.nspname = $1 AND x.indisunique AND NOT x.indisprimary AND NOT c.relispartition
     ORDER BY 1, 2`,
    [schema],
  );
  return r.rows.map((x) => ({
    table: x.table,
    index: x.index,
    keys: x.keys,
    predicate: x.predicate,
    primaryKey: x.primary_key ?? [],
  }));
}

/** Whether a column's values are rewritten by masking into text that may meet another's. */
function maskedText(c: ColumnPlan): boolean {
  return c.strategy !== "allow" && c.strategy !== "nullify" && c.typeCategory === "S";
}

/** Whether an index key (a column name or an expression) uses the column. */
function usesColumn(key: string, column: string): boolean {
  if (key === column || key === ident(column)) {
    return true;
  }
  const bare = new RegExp(
    `(^|[^A-Za-z0-9_"])${column.replace(/[^A-Za-z0-9_]/g, "")}($|[^A-Za-z0-9_"])`,
  );
  return key.includes(ident(column)) || bare.test(key);
}

/** varchar(n)'s n, or null. */
function lengthLimit(c: ColumnPlan): number | null {
  const m = /^character varying\((\d+)\)$/.exec(c.type);
  return m ? Number(m[1]) : null;
}

/** The masked value with its row's tag: before an email's `@`, else after a dash. */
function tagged(c: ColumnPlan, tag: string): string {
  const col = ident(c.column);
  const limit = lengthLimit(c);
  const withinLimit = (e: string) => (limit === null ? e : `left(${e}, ${limit})`);
  // 7 characters of tag: `+` or `-` and six hex digits.
  const base = limit === null ? col : `left(${col}, ${Math.max(limit - 7, 1)})`;
  return `CASE WHEN strpos(${col}, '@') > 1
    THEN ${withinLimit(`regexp_replace(${col}, '@', '+' || ${tag} || '@')`)}
    ELSE ${base} || '-' || ${tag} END`;
}

/**
 * Finds and resolves the rows whose masked values now collide under a source unique index (see
 * the module comment). Runs on the target after the data is copied and before post-data.
 */
export async function resolveUniqueCollisions(input: {
  source: pg.Pool;
  target: pg.Pool;
  schema: string;
  plan: TablePlan[];
}): Promise<UniqueCollisions> {
  const resolved: Record<string, number> = {};
  const columns = new Map<string, [string, string]>();
  const tables = new Map(input.plan.map((t) => [t.table, t]));
  const indexes = await uniqueIndexes(input.source, input.schema);
  // One transaction for every fix: its id is the one writer besides the copy (load-proof.ts).
  const target = await input.target.connect();
  try {
    await target.query("BEGIN");
    const xid = await currentXid(target);
    await resolveEach(target, indexes, tables, input.schema, resolved, columns);
    await target.query("COMMIT");
    return { resolved, columns: [...columns.values()], xid };
  } catch (error) {
    await target.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    target.release();
  }
}

async function resolveEach(
  target: pg.PoolClient,
  indexes: UniqueIndex[],
  tables: Map<string, TablePlan>,
  schema: string,
  resolved: Record<string, number>,
  columns: Map<string, [string, string]>,
): Promise<void> {
  const input = { target, schema };
  for (const index of indexes) {
    const table = tables.get(index.table);
    if (!table) {
      continue;
    }
    // The masked text column a tag goes on: the last of the key's (a last name after a first).
    const masked = table.columns.filter(
      (c) => maskedText(c) && index.keys.some((k) => usesColumn(k, c.column)),
    );
    const column = masked[masked.length - 1];
    if (!column) {
      continue;
    }
    const from = `${ident(input.schema)}.${ident(index.table)}`;
    const order = index.primaryKey.length
      ? index.primaryKey.map((k) => ident(k)).join(", ")
      : "ctid";
    // The source row's key, as text: the tag's seed.
    const rowKey = index.primaryKey.length
      ? `concat_ws('|', ${index.primaryKey.map((k) => `${ident(k)}::text`).join(", ")})`
      : `${ident(column.column)}::text || ctid::text`;
    const notNull = index.keys.map((k) => `(${k}) IS NOT NULL`).join(" AND ");
    const where = [notNull, index.predicate ? `(${index.predicate})` : null]
      .filter((x) => x !== null)
      .join(" AND ");
    let rows = 0;
    // A tagged value could meet another in theory: a second round resolves that too.
    for (let round = 0; round < 3; round++) {
      const r = await input.target.query(
        `UPDATE ${from} AS t SET ${ident(column.column)} = ${tagged(column, "g.tag")}
         FROM (SELECT tableoid AS toid, ctid AS rid,
                 left(md5(${literal(`${index.index}:${round}:`)} || ${rowKey}), 6) AS tag,
                 row_number() OVER (PARTITION BY ${index.keys.map((k) => `(${k})`).join(", ")}
                                    ORDER BY ${order}) AS n
               FROM ${from} WHERE ${where}) g
         WHERE g.n > 1 AND t.tableoid = g.toid AND t.ctid = g.rid`,
      );
      rows += r.rowCount ?? 0;
      if ((r.rowCount ?? 0) === 0) {
        break;
      }
    }
    if (rows > 0) {
      resolved[`${index.table}.${index.index}`] = rows;
      columns.set(`${index.table}\u0000${column.column}`, [index.table, column.column]);
    }
  }
}
