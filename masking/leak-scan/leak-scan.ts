import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import type { ColumnPlan, TablePlan } from "../provision/plan.ts";
import { ident, literal } from "../provision/select.ts";
import { SCRUB_PATTERNS } from "../strategies/strategies.ts";

/**
 * The leak scan: proves a provisioned database holds none of the source's personal data. Every
 * identifying value of every PII column (and JSONB path) of the source is normalized and hashed
 * with a keyed HMAC in the source session; only the hashes travel, into a temporary table of the
 * target session. Then every text, varchar, jsonb and text[] column of the target is cut into
 * candidates (the whole value, each JSON string, emails, phone and card digit runs, street
 * prefixes, adjacent word pairs) whose hashes are looked up. Values that do not identify alone
 * (a first name, a zip code) are only checked in the combinations that do: first and last name
 * of one row, the number and street of an address.
 */

export type LeakFinding = {
  /** `table.column` in the target. */
  column: string;
  /** How many values of that column contain a source identifier. */
  rows: number;
};

export type LeakScanReport = {
  clean: boolean;
  /** Distinct source identifiers checked (hashes). */
  identifiers: number;
  /** Target columns scanned. */
  columns: number;
  findings: LeakFinding[];
  ms: number;
};

// Normalization: the same on both sides. Source values become the identifiers below; target
// text becomes candidates. Both lower-case and hash with the leak key.
const NORMALIZE_SQL = (key: Buffer) => /* sql */ `
CREATE FUNCTION pg_temp.gl_key() RETURNS bytea LANGUAGE sql IMMUTABLE AS
  $$ SELECT '\\x${key.toString("hex")}'::bytea $$;
CREATE FUNCTION pg_temp.gl_h(v text) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS
  $$ SELECT hmac(convert_to(v, 'UTF8'), pg_temp.gl_key(), 'sha256') $$;
-- Identifying value of a source value of a category (null when it identifies nobody alone).
CREATE FUNCTION pg_temp.gl_ident(v text, category text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE d text; w text[];
BEGIN
  IF category = 'email' THEN
    RETURN CASE WHEN strpos(v, '@') > 0 THEN lower(btrim(v)) END;
  ELSIF category IN ('phone', 'payment_card', 'bank_account', 'government_id') THEN
    d := regexp_replace(v, '[^0-9]', '', 'g');
    IF category = 'phone' THEN RETURN CASE WHEN length(d) >= 7 THEN right(d, 10) END; END IF;
    RETURN CASE WHEN length(d) >= 6 THEN d END;
  ELSIF category = 'postal_address' THEN
    RETURN lower(substring(v FROM '[0-9]+(?: [A-Za-z]+){1,4}'));
  ELSIF category = 'person_name' THEN
    -- Only values shaped like a person's name (2-3 capitalized words): a column mislabelled
    -- person_name that holds job titles or company names must not turn them into identifiers.
    IF v !~ '^\\s*[A-Z][A-Za-z''-]+( [A-Z][A-Za-z''-]+){1,2}\\s*$' THEN RETURN NULL; END IF;
    w := ARRAY(SELECT m[1] FROM regexp_matches(v, '([A-Za-z''-]+)', 'g') m);
    RETURN CASE WHEN array_length(w, 1) >= 2
      THEN lower(w[array_length(w, 1) - 1] || ' ' || w[array_length(w, 1)]) END;
  ELSIF category IN ('credential', 'ip_address') THEN
    RETURN CASE WHEN length(btrim(v)) >= 7 THEN lower(btrim(v)) END;
  END IF;
  RETURN NULL;
END $$;
`;

const CANDIDATES_SQL = /* sql */ `
CREATE FUNCTION pg_temp.gl_cands(v text) RETURNS SETOF text LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT lower(btrim(v)) WHERE length(v) <= 256
  UNION ALL SELECT lower(m[1]) FROM regexp_matches(v, ${literal(`(${SCRUB_PATTERNS.email})`)}, 'g') m
  UNION ALL SELECT x FROM (
      SELECT regexp_replace(m[1], '[^0-9]', '', 'g') AS d
      FROM regexp_matches(v, ${literal(`(${SCRUB_PATTERNS.phone}|${SCRUB_PATTERNS.card}|[0-9]{6,})`)}, 'g') m) s,
    LATERAL (VALUES (d), (right(d, 10))) z(x)
  UNION ALL SELECT lower(array_to_string(w[1:k], ' ')) FROM (
      SELECT regexp_split_to_array(m[1], ' ') AS w
      FROM regexp_matches(v, '([0-9]+(?: [A-Za-z]+){1,4})', 'g') m) s,
    generate_series(2, array_length(w, 1)) k
  UNION ALL SELECT lower(w || ' ' || nxt) FROM (
      SELECT m[1] AS w, lead(m[1]) OVER (ORDER BY o) AS nxt
      FROM regexp_matches(v, '([A-Za-z''-]+)', 'g') WITH ORDINALITY AS x(m, o)) s
    WHERE nxt IS NOT NULL
$$;
`;

/** `address.street` → `$."address"."street"`, `items[].email` → `$."items"[*]."email"`. */
export function toJsonPath(path: string): string {
  let out = "$";
  for (const part of path.split(".")) {
    const m = /^(.*?)((?:\[\])*)$/.exec(part);
    const key = m?.[1] ?? part;
    if (key !== "") {
      out += `."${key.replace(/["\\]/g, "\\$&")}"`;
    }
    out += "[*]".repeat((m?.[2]?.length ?? 0) / 2);
  }
  return out;
}

/** Source SELECTs yielding one identifier text per row (`v`), for one table. */
function identifierQueries(table: TablePlan, schema: string): string[] {
  const from = `${ident(schema)}.${ident(table.table)} t`;
  const out: string[] = [];
  const isJson = (c: ColumnPlan) => c.udt === "jsonb" || c.udt === "json";
  const leaves = (c: ColumnPlan, jsonPath: string) =>
    `SELECT j #>> '{}' AS v FROM ${from}, LATERAL jsonb_path_query(t.${ident(c.column)}::jsonb, ${literal(jsonPath)}) j WHERE jsonb_typeof(j) = 'string'`;
  for (const c of table.columns) {
    if (c.category !== "none" && c.category !== "free_text_pii") {
      const cat = literal(c.category);
      if (isJson(c)) {
        // A JSON column's own category summarizes its paths: identifiers come from the paths.
      } else if (c.typeCategory === "A") {
        out.push(
          `SELECT pg_temp.gl_ident(x, ${cat}) FROM ${from}, unnest(t.${ident(c.column)}::text[]) x`,
        );
      } else if (c.udt !== "bytea") {
        const v = c.udt === "inet" ? `host(t.${ident(c.column)})` : `t.${ident(c.column)}::text`;
        out.push(`SELECT pg_temp.gl_ident(${v}, ${cat}) FROM ${from}`);
      }
    }
    if (isJson(c)) {
      // Names inside JSON are checked through the name columns they copy (first and last name of
      // one row): a path labelled person_name often holds business names too, whose last two
      // words ("auto repair") identify nobody and would be reported everywhere.
      for (const p of c.paths.filter(
        (x) =>
          x.category !== "none" && x.category !== "free_text_pii" && x.category !== "person_name",
      )) {
        out.push(
          `SELECT pg_temp.gl_ident(v, ${literal(p.category)}) FROM (${leaves(c, `lax ${toJsonPath(p.path)}`)}) s`,
        );
      }
    }
  }
  // First and last name of one row: identifying together.
  const first = table.columns.filter(
    (c) => c.category === "person_name" && c.params.part === "first",
  );
  const last = table.columns.filter(
    (c) => c.category === "person_name" && c.params.part === "last",
  );
  for (const f of first) {
    for (const l of last) {
      out.push(
        `SELECT pg_temp.gl_ident(t.${ident(f.column)}::text || ' ' || t.${ident(l.column)}::text, 'person_name') FROM ${from}`,
      );
    }
  }
  return out;
}

async function installFunctions(client: pg.PoolClient, ddl: string): Promise<void> {
  await client.query(ddl);
}

/**
 * Scans the target (whose tables are `plan`'s tables) for any identifier of the source. `source`
 * and `target` are pools of the two databases; `key` is the leak-scan key (never the masking key).
 */
export async function leakScan(input: {
  source: pg.Pool;
  target: pg.Pool;
  plan: TablePlan[];
  key: Buffer;
  schema?: string;
}): Promise<LeakScanReport> {
  const started = Date.now();
  const schema = input.schema ?? "public";
  const src = await input.source.connect();
  const dst = await input.target.connect();
  try {
    await installFunctions(src, NORMALIZE_SQL(input.key));
    await installFunctions(dst, NORMALIZE_SQL(input.key) + CANDIDATES_SQL);
    await dst.query("CREATE TEMP TABLE gl_hashes (h bytea NOT NULL)");
    for (const table of input.plan) {
      const queries = identifierQueries(table, schema);
      if (queries.length === 0) {
        continue;
      }
      const union = queries
        .map(
          (q) => `SELECT pg_temp.gl_h(gl_ident) FROM (${q}) q(gl_ident) WHERE gl_ident IS NOT NULL`,
        )
        .join(" UNION ");
      await pipeline(
        src.query(copyTo(`COPY (${union}) TO STDOUT (FORMAT binary)`)),
        dst.query(copyFrom("COPY gl_hashes (h) FROM STDIN (FORMAT binary)")),
      );
    }
    await dst.query("CREATE TEMP TABLE gl_set AS SELECT DISTINCT h FROM gl_hashes");
    await dst.query("CREATE UNIQUE INDEX ON gl_set (h); ANALYZE gl_set; DROP TABLE gl_hashes");
    const identifiers = Number(
      (await dst.query("SELECT count(*)::int AS n FROM gl_set")).rows[0]?.n ?? 0,
    );

    const columns = await dst.query<{
      table_name: string;
      column_name: string;
      udt: string;
      cat: string;
    }>(
      `SELECT c.relname AS table_name, a.attname AS column_name, t.typname AS udt, t.typcategory AS cat
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       JOIN pg_type t ON t.oid = a.atttypid
       WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
         AND (t.typcategory = 'S' OR t.typname IN ('jsonb', 'json', '_text', '_varchar', '_bpchar'))
       ORDER BY 1, a.attnum`,
      [schema],
    );
    const findings: LeakFinding[] = [];
    const byTable = new Map<string, { column: string; udt: string }[]>();
    for (const c of columns.rows) {
      byTable.set(c.table_name, [
        ...(byTable.get(c.table_name) ?? []),
        { column: c.column_name, udt: c.udt },
      ]);
    }
    for (const [table, cols] of byTable) {
      // One pass over the table: every column's candidates, counted per column.
      const texts = cols.map((c, i) => {
        const col = `t.${ident(c.column)}`;
        const values =
          c.udt === "jsonb" || c.udt === "json"
            ? `SELECT j #>> '{}' FROM jsonb_path_query(${col}::jsonb, 'strict $.**') j WHERE jsonb_typeof(j) = 'string'`
            : c.udt.startsWith("_")
              ? `SELECT unnest(${col}::text[])`
              : `SELECT ${col}::text`;
        return `SELECT ${i} AS i, v FROM (${values}) vs(v)`;
      });
      const q = `SELECT i, count(DISTINCT rid)::int AS n FROM (
          SELECT t.ctid AS rid, x.i, x.v FROM ${ident(schema)}.${ident(table)} t,
            LATERAL (${texts.join(" UNION ALL ")}) x
        ) s, LATERAL pg_temp.gl_cands(s.v) c(cand)
        WHERE EXISTS (SELECT 1 FROM gl_set g WHERE g.h = pg_temp.gl_h(c.cand))
        GROUP BY i`;
      const r = await dst.query<{ i: number; n: number }>(q);
      for (const row of r.rows) {
        findings.push({ column: `${table}.${cols[row.i]?.column}`, rows: row.n });
      }
    }
    return {
      clean: findings.length === 0,
      identifiers,
      columns: columns.rows.length,
      findings,
      ms: Date.now() - started,
    };
  } finally {
    await dst.query("DISCARD TEMP").catch(() => {});
    await src.query("DISCARD TEMP").catch(() => {});
    src.release();
    dst.release();
  }
}
