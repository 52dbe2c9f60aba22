import { maskedJson, scrubbedInNode } from "./node-masks.ts";
import type { ColumnPlan, TablePlan } from "./plan.ts";

/**
 * Turns a table's masking plan into the SELECT list of `COPY (SELECT ...) TO STDOUT`: each masked
 * column becomes a call of the session's pg_temp.gm_* functions (sql-functions.ts), cast back to
 * the column's exact type (binary COPY needs identical types; a cast to varchar(n) also keeps
 * the value within the column's length). Identifiers are quoted by `ident`, after plan.ts read
 * them from pg_catalog.
 */

export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A text expression masked by the column's strategy (null for unsupported combinations). */
function textExpr(c: ColumnPlan, v: string): string {
  const p = c.params;
  switch (c.strategy) {
    case "substitute":
      switch (p.category ?? c.category) {
        case "email":
          return `pg_temp.gm_email(${v})`;
        case "phone":
          return `pg_temp.gm_phone(${v})`;
        case "person_name":
          return `pg_temp.gm_name(${v}, ${literal(p.part ?? "full")})`;
        case "postal_address":
          return `pg_temp.gm_address(${v})`;
        case "ip_address":
          return `pg_temp.gm_ip(${v})`;
        case "payment_card":
        case "bank_account":
        case "government_id":
          return `pg_temp.gm_tokenize(${v})`;
        case "credential":
          return `pg_temp.gm_hash(${v})`;
        case "free_text_pii":
          return `pg_temp.gm_scrub(${v})`;
        default:
          return `pg_temp.gm_scramble(${v})`;
      }
    case "scramble":
      return `pg_temp.gm_scramble(${v})`;
    case "tokenize":
      return `pg_temp.gm_tokenize(${v})`;
    case "encrypt":
      return `pg_temp.gm_encrypt(${v})`;
    case "hash":
      return `pg_temp.gm_hash(${v})`;
    case "partial":
      return `pg_temp.gm_partial(${v}, ${Math.max(0, Math.floor(p.keep ?? 4))})`;
    case "scrub":
      return `pg_temp.gm_scrub(${v})`;
    default:
      return `pg_temp.gm_text(${v}, ${literal(c.strategy)}, ${literal(c.category)}, ${literal(JSON.stringify(p))}::jsonb)`;
  }
}

/** The entity whose offset a date_shift uses: the rule's column, else customer_id, else id. */
function entityColumn(c: ColumnPlan, table: TablePlan): string | null {
  const names = new Set(table.columns.map((x) => x.column));
  for (const candidate of [c.params.entity, "customer_id", "id"]) {
    if (candidate && names.has(candidate)) {
      return candidate;
    }
  }
  return null;
}

/** The SELECT expression of one column. */
export function columnExpr(c: ColumnPlan, table: TablePlan): string {
  const col = ident(c.column);
  const hasPathRules = c.paths.some((p) => p.strategy !== "allow");
  if (c.strategy === "allow" && !hasPathRules) {
    return col;
  }
  if (c.strategy === "nullify" && c.nullable) {
    return `NULL::${c.type}`;
  }
  // Free text and JSON are masked in Node on the COPY stream (node-masks.ts).
  if (scrubbedInNode(c) || maskedJson(c)) {
    return col;
  }
  const cast = (e: string) => `(${e})::${c.type}`;
  if (c.strategy === "date_shift" && (c.typeCategory === "D" || c.udt === "date")) {
    const entity = entityColumn(c, table);
    const key = entity ? `${ident(entity)}::text` : `${col}::text`;
    return cast(
      `${col} + make_interval(days => pg_temp.gm_shift_days(${key}, ${Math.floor(c.params.days ?? 30)}))`,
    );
  }
  if (c.strategy === "noise" && c.typeCategory === "N") {
    return cast(`pg_temp.gm_noise(${col}::numeric, ${Number(c.params.bound ?? 0.1)})`);
  }
  if (c.udt === "bytea") {
    return `pg_temp.gm_hash_bytes(${col})`;
  }
  if (c.udt === "inet" || c.udt === "cidr") {
    return cast(
      textExpr(
        { ...c, strategy: "substitute", params: { category: "ip_address" } },
        `host(${col})`,
      ),
    );
  }
  if (c.typeCategory === "A") {
    const element = textExpr(c, "x");
    return `CASE WHEN ${col} IS NULL THEN NULL ELSE ARRAY(SELECT ${element} FROM unnest(${col}::text[]) WITH ORDINALITY AS u(x, o) ORDER BY o)::${c.type} END`;
  }
  if (c.typeCategory === "S") {
    return cast(textExpr(c, col));
  }
  // Numbers, dates and other types with a text strategy: masked as text, cast back.
  return cast(textExpr(c, `${col}::text`));
}

/** `SELECT <masked columns> FROM <table> [WHERE filter]`. */
export function maskedSelect(table: TablePlan, schema: string, where: string | null): string {
  const list = table.columns.map((c) => columnExpr(c, table)).join(", ");
  return `SELECT ${list} FROM ${ident(schema)}.${ident(table.table)} AS t${where ? ` WHERE ${where}` : ""}`;
}
