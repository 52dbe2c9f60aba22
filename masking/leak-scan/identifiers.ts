import readline from "node:readline";
import type pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { inParallel } from "../parallel.ts";
import { nameColumnsSql, nameWordsSql, personNameSql } from "../person-names.ts";
import type { ColumnPlan, TablePlan } from "../provision/plan.ts";
import { ident, literal } from "../provision/select.ts";
import { maskingFunctionsSql } from "../strategies/sql-functions.ts";
import { hash64, STREET } from "./candidates.ts";
import { copyField } from "./copy-text.ts";
import type { HashSet64 } from "./hash-set.ts";

/**
 * The source side of the leak scan: every identifying value of every PII column (and JSONB
 * path) is normalized inside the source's own session, and hashed (hash64) the moment it
 * reaches this process, which keeps only the hashes and — for person names — the name's first
 * word, which identifies nobody alone and lets the target side hash only the word pairs that
 * could be a name. Values that do not
 * identify alone (a first name, a zip code) are only taken in the combinations that do: first
 * and last name of one row, the number and street of an address.
 */

// Must normalize exactly as candidates.ts does on the target side.
const NORMALIZE_SQL = /* sql */ `
-- Identifying value of a source value of a category (null when it identifies nobody alone).
CREATE FUNCTION pg_temp.gl_ident(v text, category text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE d text; w text[];
BEGIN
  -- An email is one whatever its column's category says (a path of mixed phones and emails).
  IF v ~ '^\\s*[^@\\s]+@[^@\\s]+\\.[A-Za-z]{2,}\\s*$' THEN RETURN lower(btrim(v)); END IF;
  IF category = 'email' THEN
    RETURN CASE WHEN strpos(v, '@') > 0 THEN lower(btrim(v)) END;
  ELSIF category IN ('phone', 'payment_card', 'bank_account', 'government_id') THEN
    d := regexp_replace(v, '[^0-9]', '', 'g');
    IF category = 'phone' THEN RETURN CASE WHEN length(d) >= 7 THEN right(d, 10) END; END IF;
    RETURN CASE WHEN length(d) >= 6 THEN d END;
  ELSIF category = 'postal_address' THEN
    RETURN lower(substring(v FROM '${STREET.replace(/'/g, "''")}'));
  ELSIF category = 'person_name' THEN
    -- The last two words: "Mary Ann Smith" is found as "Ann Smith" too.
    w := ARRAY(SELECT m[1] FROM regexp_matches(v, '([A-Za-z''-]+)', 'g') m);
    RETURN CASE WHEN array_length(w, 1) >= 2
      THEN lower(w[array_length(w, 1) - 1] || ' ' || w[array_length(w, 1)]) END;
  ELSIF category IN ('credential', 'ip_address') THEN
    RETURN CASE WHEN length(btrim(v)) >= 7 THEN lower(btrim(v)) END;
  END IF;
  RETURN NULL;
END $$;
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

/**
 * The identifier of a value's masked image, for the categories whose default substitute keeps
 * the format (a phone stays ten digits, an account number its length, an IP address an IP
 * address): at 100,000 customers a masked phone or IP now and then equals another's real one. Such a real value is ambiguous —
 * the copy holds it because masking made it — and is not reported (see candidates.ts).
 */
function imageOf(v: string, category: string): string {
  switch (category) {
    case "phone":
      return `CASE WHEN pg_temp.gm_fits('phone', ${v}) THEN pg_temp.gl_ident(pg_temp.gm_phone(${v}), 'phone') END`;
    case "payment_card":
    case "bank_account":
    case "government_id":
      return `pg_temp.gl_ident(pg_temp.gm_tokenize(${v}), ${literal(category)})`;
    case "ip_address":
      return `pg_temp.gl_ident(pg_temp.gm_ip(${v}), 'ip_address')`;
    default:
      return "NULL::text";
  }
}

/** Source SELECTs yielding (identifier, category, masked image's identifier) per row. */
export function identifierQueries(table: TablePlan, schema: string): string[] {
  const from = `${ident(schema)}.${ident(table.table)} t`;
  const out: string[] = [];
  const isJson = (c: ColumnPlan) => c.udt === "jsonb" || c.udt === "json";
  // A path without arrays is one lookup; jsonb_path_query is kept for arrays (it is far slower).
  const leaves = (c: ColumnPlan, path: string) =>
    path.includes("[]")
      ? `SELECT j #>> '{}' AS v FROM ${from}, LATERAL jsonb_path_query(t.${ident(c.column)}::jsonb, ${literal(`lax ${toJsonPath(path)}`)}) j WHERE jsonb_typeof(j) = 'string'`
      : `SELECT t.${ident(c.column)}::jsonb #>> ${literal(
          `{${path
            .split(".")
            .map((p) => `"${p.replace(/["\\]/g, "\\$&")}"`)
            .join(",")}}`,
        )} AS v FROM ${from}`;
  // A full name identifies only when it names a person (not a business in a name column).
  // The third column is the identifier of the value's masked image (format-preserving digits only).
  const identOf = (v: string, category: string) =>
    category === "person_name"
      ? `CASE WHEN ${personNameSql(v, "pg_temp.gl_first", "pg_temp.gl_last")} THEN pg_temp.gl_ident(${v}, 'person_name') END, 'person_name', NULL::text`
      : `pg_temp.gl_ident(${v}, ${literal(category)}), ${literal(category)}, ${imageOf(v, category)}`;
  const identifying = (category: string) => category !== "none" && category !== "free_text_pii";
  for (const c of table.columns) {
    if (isJson(c)) {
      // A JSON column's own category summarizes its paths: identifiers come from the paths.
      for (const p of c.paths.filter((x) => identifying(x.category))) {
        out.push(`SELECT ${identOf("v", p.category)} FROM (${leaves(c, p.path)}) s`);
      }
    } else if (identifying(c.category) && c.udt !== "bytea") {
      if (c.typeCategory === "A") {
        out.push(
          `SELECT ${identOf("x", c.category)} FROM ${from}, unnest(t.${ident(c.column)}::text[]) x`,
        );
      } else {
        const v = c.udt === "inet" ? `host(t.${ident(c.column)})` : `t.${ident(c.column)}::text`;
        out.push(`SELECT ${identOf(v, c.category)} FROM ${from}`);
      }
    }
  }
  // First and last name of one row: identifying together.
  const part = (p: string) =>
    table.columns.filter((c) => c.category === "person_name" && c.params.part === p);
  for (const f of part("first")) {
    for (const l of part("last")) {
      out.push(
        `SELECT pg_temp.gl_ident(t.${ident(f.column)}::text || ' ' || t.${ident(l.column)}::text, 'person_name'), 'person_name', NULL::text FROM ${from}`,
      );
    }
  }
  return out;
}

/**
 * Adds the hash of every identifier of the source to `into`, the hash of every masked image of
 * a format-preserving identifier to `images`, and the first word of every person-name
 * identifier to `heads`, reading tables on `parallel` connections of `source` (the work is the
 * source's: normalizing, masking and hashing in SQL). `maskingKey` computes the images.
 */
export async function collectIdentifiers(input: {
  source: pg.Pool;
  plan: TablePlan[];
  schema: string;
  key: Buffer;
  maskingKey: Buffer;
  into: HashSet64;
  images: HashSet64;
  heads: Set<string>;
  parallel?: number;
}): Promise<void> {
  const names = nameColumnsSql(input.plan, input.schema);
  const release = async (source: pg.PoolClient) => {
    await source.query("DISCARD TEMP").catch(() => {});
    source.release();
  };
  await inParallel(
    [...input.plan].sort((a, b) => b.estimatedRows - a.estimatedRows),
    input.parallel ?? 2,
    {
      open: async () => {
        const source = await input.source.connect();
        try {
          await source.query(NORMALIZE_SQL);
          await source.query(maskingFunctionsSql(input.maskingKey));
          await source.query(`CREATE TEMP TABLE gl_first AS ${nameWordsSql(names.first)}`);
          await source.query(`CREATE TEMP TABLE gl_last AS ${nameWordsSql(names.last)}`);
          await source.query("ANALYZE gl_first; ANALYZE gl_last");
          return source;
        } catch (error) {
          await release(source);
          throw error;
        }
      },
      each: (source, table) =>
        tableIdentifiers(source, identifierQueries(table, input.schema), input),
      close: release,
    },
  );
}

async function tableIdentifiers(
  source: pg.PoolClient,
  queries: string[],
  out: { key: Buffer; into: HashSet64; images: HashSet64; heads: Set<string> },
): Promise<void> {
  if (queries.length === 0) {
    return;
  }
  const copy = source.query(
    copyTo(`COPY (SELECT DISTINCT i, CASE WHEN c = 'person_name' THEN split_part(i, ' ', 1) END, m
      FROM (${queries.join(" UNION ")}) q(i, c, m) WHERE i IS NOT NULL) TO STDOUT`),
  );
  for await (const line of readline.createInterface({ input: copy, crlfDelay: Infinity })) {
    const [i, head, image] = line.split("\t").map(copyField);
    out.into.add(...hash64(out.key, i ?? ""));
    if (head) {
      out.heads.add(head);
    }
    if (image) {
      out.images.add(...hash64(out.key, image));
    }
  }
}
