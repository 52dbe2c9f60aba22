import { COMPANY_NAME_SQL } from "../rules/classification/company-names.ts";
import type { TablePlan } from "./provision/plan.ts";
import { ident, literal } from "./provision/select.ts";
import { NAME_CAPITALS, NAME_LETTERS } from "./strategies/strategies.ts";

/**
 * People's names in the source, as SQL over the masking plan: which columns (and JSONB paths)
 * hold first, last and full names, the words they hold, and whether a full name names a person.
 * Full-name columns also hold businesses (a card in the company's name, "Phil Office Park"):
 * their words must neither become names to scrub from prose nor identifiers the leak scan looks
 * for.
 */

/** SELECTs of the values of the source's first-, last- and full-name columns (one `v` each). */
export function nameColumnsSql(
  plan: TablePlan[],
  schema: string,
): { first: string; last: string; full: string } {
  const parts: { first: string[]; last: string[]; full: string[] } = {
    first: [],
    last: [],
    full: [],
  };
  for (const t of plan) {
    const from = `${ident(schema)}.${ident(t.table)} t`;
    for (const c of t.columns) {
      if (c.category === "person_name" && c.typeCategory === "S") {
        const part = c.params.part === "first" || c.params.part === "last" ? c.params.part : "full";
        parts[part].push(`SELECT t.${ident(c.column)}::text FROM ${from}`);
      }
      for (const p of c.paths.filter(
        (x) => x.category === "person_name" && !x.path.includes("[]"),
      )) {
        const path = p.path.split(".").filter(Boolean);
        parts.full.push(
          `SELECT t.${ident(c.column)}::jsonb #>> ${literal(`{${path.join(",")}}`)} FROM ${from}`,
        );
      }
    }
  }
  const union = (qs: string[]) => (qs.length ? qs.join(" UNION ") : "SELECT NULL::text");
  return { first: union(parts.first), last: union(parts.last), full: union(parts.full) };
}

/** The distinct lower-cased words (`n`) of the values `values` selects. */
export function nameWordsSql(values: string): string {
  return `SELECT DISTINCT lower(m[1]) AS n FROM (${values}) s(v), LATERAL regexp_matches(v, '([${NAME_LETTERS}''-]+)', 'g') m`;
}

/**
 * Whether a value of a full-name column names a person, as a Postgres boolean expression: 2-3
 * capitalized words, none an organisation word, the first a first name and the last a last
 * name the source's name columns hold (`firstNames`, `lastNames`: relations of `nameWordsSql`;
 * an empty one is not checked). "Jackson Family Medicine" starts with a first name but does not
 * end with a last name.
 */
export function personNameSql(value: string, firstNames: string, lastNames: string): string {
  const known = (names: string, word: string) =>
    `(NOT EXISTS (SELECT 1 FROM ${names}) OR lower(${word}) IN (SELECT n FROM ${names}))`;
  return `(${value} ~ '^\\s*[${NAME_CAPITALS}][${NAME_LETTERS}''-]+( [${NAME_CAPITALS}][${NAME_LETTERS}''-]+){1,2}\\s*$'
    AND ${value} !~* ${literal(COMPANY_NAME_SQL)}
    AND ${known(firstNames, `split_part(btrim(${value}), ' ', 1)`)}
    AND ${known(lastNames, `substring(btrim(${value}) FROM '([${NAME_LETTERS}''-]+)$')`)})`;
}
