import { type RawBuilder, sql } from "kysely";
import type { TQualityRule } from "../../rules/quality/schema.ts";
import type { PlatformTable } from "./catalog.ts";

/**
 * The row-level pass condition of a structured rule, as SQL over the table aliased `t`. Every
 * identifier is checked against the catalog before it is quoted; every value is a parameter.
 * The result may be NULL (a NULL value, where the seed's `COUNT(*) WHERE cond` counts it as not
 * passing): aggregates use `FILTER (WHERE pass)` and samples `WHERE (pass) IS NOT TRUE`, which
 * partition the rows without a COALESCE on every row.
 */

export class RuleTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RuleTargetError";
  }
}

const NUMERIC_TYPES = /^(smallint|integer|bigint|numeric|real|double precision|decimal)(\(.*\))?$/;

function column(table: PlatformTable, tableName: string, name: string | null | undefined) {
  if (!name || !table.columns.has(name)) {
    throw new RuleTargetError(`column ${tableName}.${name ?? "(none)"} does not exist`);
  }
  return sql.ref(`t.${name}`);
}

/** The declared maximum length of a varchar(n)/char(n) column, else null. */
function declaredLength(table: PlatformTable, name: string): number | null {
  const m = /^(character varying|character|varchar|char)\((\d+)\)$/.exec(
    table.columns.get(name)?.type ?? "",
  );
  return m?.[2] ? Number(m[2]) : null;
}

/** The value a rule looks at: a column, or a JSONB path below it (as text or jsonb). */
function target(rule: TQualityRule, table: PlatformTable, tableName: string) {
  const ref = column(table, tableName, rule.column);
  if (!rule.path) {
    return { value: ref, text: sql`${ref}::text`, isJsonPath: false };
  }
  const info = table.columns.get(rule.column as string);
  if (info?.udt !== "jsonb" && info?.udt !== "json") {
    throw new RuleTargetError(`column ${tableName}.${rule.column} is not JSON; path needs JSON`);
  }
  const keys = rule.path.split(".");
  const value = sql`(${ref}::jsonb #> ${keys}::text[])`;
  return {
    value,
    text: sql`(${ref}::jsonb #>> ${keys}::text[])`,
    isJsonPath: true,
  };
}

/** Whether the rule is checked by a predicate in the table's one aggregate SELECT. */
export function isRowRule(rule: TQualityRule): boolean {
  return (
    rule.kind === "completeness" ||
    (rule.kind === "validity" && rule.check.format === undefined) ||
    rule.kind === "consistency"
  );
}

/** The pass condition of a row-level rule. */
export function passCondition(
  rule: TQualityRule,
  table: PlatformTable,
  tableName: string,
  tables: Map<string, PlatformTable>,
): RawBuilder<boolean> {
  const c = rule.check;
  let pass: RawBuilder<unknown>;
  if (rule.kind === "completeness") {
    const t = target(rule, table, tableName);
    pass = t.isJsonPath
      ? sql`(${t.value} IS NOT NULL AND ${t.value} <> 'null'::jsonb)`
      : sql`(${t.value} IS NOT NULL)`;
    return sql<boolean>`${pass}`;
  }
  if (rule.kind === "validity") {
    const t = target(rule, table, tableName);
    if (c.regex !== undefined) {
      pass = sql`(${t.text} ~ ${c.regex})`;
    } else if (c.set !== undefined) {
      pass = sql`(${t.text} = ANY(${c.set.map(String)}::text[]))`;
    } else if (c.range !== undefined) {
      const info = table.columns.get(rule.column as string);
      const numeric = t.isJsonPath ? sql`(${t.text})::numeric` : t.value;
      if (!t.isJsonPath && !NUMERIC_TYPES.test(info?.type ?? "")) {
        throw new RuleTargetError(
          `column ${tableName}.${rule.column} is not numeric; range needs a number`,
        );
      }
      const lo = c.range.exclusive ? sql`>` : sql`>=`;
      const hi = c.range.exclusive ? sql`<` : sql`<=`;
      const parts: RawBuilder<unknown>[] = [];
      if (c.range.min !== undefined) {
        parts.push(sql`${numeric} ${lo} ${c.range.min}::numeric`);
      }
      if (c.range.max !== undefined) {
        parts.push(sql`${numeric} ${hi} ${c.range.max}::numeric`);
      }
      pass = sql`(${sql.join(parts, sql` AND `)})`;
    } else if (c.length !== undefined) {
      // Per-row function calls are what a scan pays for: a bound the column's type already
      // guarantees (varchar(3) is never longer than 3) is not checked, and min = max is one test.
      const declared = t.isJsonPath ? null : declaredLength(table, rule.column as string);
      const max = declared !== null && (c.length.max ?? 0) >= declared ? undefined : c.length.max;
      const min = (c.length.min ?? 0) > 0 ? c.length.min : undefined;
      const parts: RawBuilder<unknown>[] = [];
      if (min !== undefined && min === max) {
        parts.push(sql`char_length(${t.text}) = ${min}::int`);
      } else {
        if (min !== undefined) {
          parts.push(sql`char_length(${t.text}) >= ${min}::int`);
        }
        if (max !== undefined) {
          parts.push(sql`char_length(${t.text}) <= ${max}::int`);
        }
      }
      // No bound left to check: only a NULL fails (as char_length(NULL) would).
      pass = parts.length ? sql`(${sql.join(parts, sql` AND `)})` : sql`(${t.text} IS NOT NULL)`;
    } else {
      throw new RuleTargetError("validity format rules are checked by the streamed pass");
    }
    return c.ignore_nulls ? sql<boolean>`(${t.text} IS NULL OR ${pass})` : sql<boolean>`${pass}`;
  }
  if (rule.kind === "consistency") {
    if (c.allowed !== undefined) {
      const t = target(rule, table, tableName);
      return sql<boolean>`(${t.text} = ANY(${c.allowed.map(String)}::text[]))`;
    }
    if (c.compare !== undefined) {
      const left = column(table, tableName, c.compare.left);
      const right = column(table, tableName, c.compare.right);
      // Rows where either side is NULL are not compared (they pass): completeness is its own rule.
      return sql<boolean>`COALESCE(${left} ${sql.raw(c.compare.op)} ${right}, true)`;
    }
    if (c.reference !== undefined) {
      const ref = column(table, tableName, rule.column);
      const other = tables.get(c.reference.table);
      if (!other?.columns.has(c.reference.column)) {
        throw new RuleTargetError(
          `reference ${c.reference.table}.${c.reference.column} does not exist`,
        );
      }
      const sameTenant = other.tenant && table.tenant ? sql` AND r.tenant_id = t.tenant_id` : sql``;
      return sql<boolean>`(${ref} IS NULL OR EXISTS (SELECT 1 FROM ${sql.table(
        `public.${c.reference.table}`,
      )} AS r WHERE ${sql.ref(`r.${c.reference.column}`)} = ${ref}${sameTenant}))`;
    }
  }
  throw new RuleTargetError(`${rule.kind} is not a row-level rule`);
}
