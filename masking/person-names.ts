import { COMPANY_NAME_SQL } from "../rules/classification/company-names.ts";
import { literal } from "./provision/select.ts";

/**
 * Whether a value of a full-name column names a person, as a Postgres boolean expression. Such
 * columns also hold businesses (a card in the company's name, "Phil Office Park"): their words
 * must neither become names to scrub from prose nor identifiers the leak scan looks for. A
 * person's name here is 2-3 capitalized words, none an organisation word, whose first word is a
 * first name the source's first-name columns hold (`firstNames`: a relation with column `n`,
 * lower-cased; when it is empty the first word is not checked).
 */
export function personNameSql(value: string, firstNames: string): string {
  return `(${value} ~ '^\\s*[A-Z][A-Za-z''-]+( [A-Z][A-Za-z''-]+){1,2}\\s*$'
    AND ${value} !~* ${literal(COMPANY_NAME_SQL)}
    AND (NOT EXISTS (SELECT 1 FROM ${firstNames})
      OR lower(split_part(btrim(${value}), ' ', 1)) IN (SELECT n FROM ${firstNames})))`;
}
