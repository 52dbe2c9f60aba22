import { ExecutorError, type PlanTable } from "./execution-types.ts";
import { quoteIdent, type TableShape } from "./table-shape.ts";

/** The SQL expressions an anonymize or scrub batch writes into a row's columns. */

/**
 * A POSIX regular expression matching any of the identifiers (case-insensitive use), each
 * escaped; one that matches nothing when there are none.
 */
export function identifierPattern(identifiers: string[]): string {
  const parts = identifiers
    .filter((i) => i.trim().length > 0)
    .map((i) => i.replace(/[^A-Za-z0-9]/g, (c) => `\\${c}`));
  return parts.length ? `(${parts.join("|")})` : "(?!x)x";
}

/**
 * A text value trimmed to the column's declared length: a marker or a scrubbed text (an
 * identifier replaced by the longer `[erased]`) must still fit varchar(n) / char(n).
 */
function fitted(value: string, info: { maxLength: number | null } | undefined): string {
  return info?.maxLength ? `left(${value}, ${info.maxLength})` : value;
}

const TEXT_TYPES = new Set(["text", "character varying", "character"]);

/** Array columns whose elements are text: `text[]`, `character varying(n)[]`, `character(n)[]`. */
const TEXT_ARRAY = /^(text|character varying(\(\d+\))?|character(\(\d+\))?)\[\]$/;

/**
 * An erased person's identifiers replaced inside a text, text-array or JSON column (`pattern`,
 * an escaped SQL literal of identifierPattern); null for other types. An array is scrubbed
 * element by element, in order, NULL elements kept, and cast back to the column's type (which
 * trims each element to a varchar(n)'s length); one of more than one dimension, rare enough,
 * through its text form, which keeps its shape.
 */
export function scrubExpression(column: string, shape: TableShape, pattern: string): string | null {
  const info = shape.columns.get(column);
  const col = `t.${quoteIdent(column)}`;
  const replace = (text: string) => `regexp_replace(${text}, ${pattern}, '[erased]', 'gi')`;
  switch (info?.dataType) {
    case "text":
    case "character varying":
    case "character":
      return fitted(replace(col), info);
    case "jsonb":
      return `${replace(`${col}::text`)}::jsonb`;
    case "json":
      return `${replace(`${col}::text`)}::json`;
    case "ARRAY": {
      if (!TEXT_ARRAY.test(info.sqlType)) {
        return null;
      }
      const elements = `ARRAY(SELECT ${replace("e")} FROM unnest(${col}) WITH ORDINALITY u(e, i) ORDER BY i)`;
      return `(CASE WHEN ${col} IS NULL THEN NULL
        WHEN array_ndims(${col}) > 1 THEN (${replace(`${col}::text`)})::${info.sqlType}
        ELSE ${elements}::${info.sqlType} END)`;
    }
    default:
      return null;
  }
}

/** What an anonymized column becomes (strategies of rules/retention/schema.ts). */
export function anonymizeExpression(column: string, strategy: string, shape: TableShape): string {
  const info = shape.columns.get(column);
  const col = `t.${quoteIdent(column)}`;
  const isJson = info?.dataType === "jsonb" || info?.dataType === "json";
  const isText = TEXT_TYPES.has(info?.dataType ?? "");
  switch (strategy) {
    case "null":
      if (info && !info.nullable) {
        return isJson ? "'{}'::jsonb" : isText ? fitted("'[redacted]'", info) : col;
      }
      return "NULL";
    case "empty_json":
      return isJson
        ? `(CASE WHEN jsonb_typeof(${col}) = 'array' THEN '[]'::jsonb ELSE '{}'::jsonb END)`
        : "NULL";
    case "hash":
      return isText
        ? fitted(`left(encode(sha256(convert_to(coalesce(${col}, ''), 'UTF8')), 'hex'), 16)`, info)
        : "NULL";
    default:
      return isText
        ? `(CASE WHEN ${col} IS NULL THEN NULL ELSE ${fitted("'REDACTED'", info)} END)`
        : "NULL";
  }
}

/**
 * The SET list of an anonymize or scrub batch: the plan's strategies, and for an erasure the
 * scrubs (a column anonymized is not also scrubbed).
 */
export function anonymizeSets(
  plan: PlanTable,
  shape: TableShape,
  identifiers: string[],
  lit: (value: string) => string,
): string {
  const assignments = new Map(
    Object.entries(plan.anonymize).map(([column, strategy]) => [
      column,
      anonymizeExpression(column, strategy, shape),
    ]),
  );
  if (plan.scrub) {
    // The plan's list (resolvePlan checked each can be scrubbed), or every column that can.
    const pattern = lit(identifierPattern(identifiers));
    for (const column of plan.scrubColumns ?? shape.columns.keys()) {
      const scrubbed = scrubExpression(column, shape, pattern);
      if (scrubbed && !assignments.has(column)) {
        assignments.set(column, scrubbed);
      }
    }
  }
  if (assignments.size === 0) {
    throw new ExecutorError(`${plan.action} on ${plan.table} names no columns`);
  }
  return [...assignments].map(([column, value]) => `${quoteIdent(column)} = ${value}`).join(", ");
}
