import { type NameDictionary, scrub } from "../strategies/strategies.ts";
import type { FieldRewriter } from "./binary-copy.ts";
import type { ColumnPlan, TablePlan } from "./plan.ts";

/**
 * Columns masked in Node instead of in the source's SELECT: free text that is scrubbed. Scrub
 * is regular-expression work per value that Postgres's procedural language does about twenty
 * times slower than JavaScript, so these values leave the source unmasked inside the binary
 * COPY stream and are rewritten on their way to the target (binary-copy.ts), with the same
 * result as `pg_temp.gm_scrub` (tested value for value). Every other column stays masked in SQL.
 */

/** Whether the column is scrubbed in Node (its SELECT expression is then the raw column). */
export function scrubbedInNode(c: ColumnPlan): boolean {
  const scrubbed =
    c.strategy === "scrub" ||
    (c.strategy === "substitute" && (c.params.category ?? c.category) === "free_text_pii");
  return scrubbed && c.typeCategory === "S" && (c.udt === "text" || c.udt === "varchar");
}

/** varchar(n)'s n, as the SQL path's cast applies it (characters, not bytes). */
function lengthLimit(c: ColumnPlan): number | null {
  const m = /^character varying\((\d+)\)$/.exec(c.type);
  return m ? Number(m[1]) : null;
}

/** The rewriters of a table's Node-masked fields, by field position in the SELECT list. */
export function nodeRewriters(
  table: TablePlan,
  key: Buffer,
  names: NameDictionary,
): Map<number, FieldRewriter> {
  const out = new Map<number, FieldRewriter>();
  table.columns.forEach((c, i) => {
    if (!scrubbedInNode(c)) {
      return;
    }
    const limit = lengthLimit(c);
    out.set(i, (bytes) => {
      let masked = scrub(key, bytes.toString("utf8"), names);
      if (limit !== null && masked.length > limit) {
        const chars = Array.from(masked);
        if (chars.length > limit) {
          masked = chars.slice(0, limit).join("");
        }
      }
      return Buffer.from(masked, "utf8");
    });
  });
  return out;
}
