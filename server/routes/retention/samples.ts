import { sql } from "kysely";
import { keyExpression, keyMatch, loadSchemaGraph } from "../../../jobs/retention/graph.ts";
import type { RetentionRequest } from "../../../jobs/retention/requests.ts";
import type { Db } from "../../../schema/postgres.ts";
import { isUuid } from "../../../schema/uuid.ts";

/**
 * A few rows of a request's frozen key set, per table, masked for the impact preview: enough
 * for a compliance officer to recognise what the plan would delete, never the person behind it.
 */

const ROWS_PER_TABLE = 5;
const MAX_TABLES = 12;
const MAX_COLUMNS = 10;

/** Columns whose values are structure, not content: keys, states, times, amounts. */
const STRUCTURAL =
  /^(id|tenant_id|.*_id|status|state|type|kind|.*_type|.*_status|.*_at|.*_date|date|time|created|updated|currency|amount|total|.*_amount|.*_total|quantity|archived|is_.*|has_.*|direction|channel|priority|source)$/;

/**
 * One value as the preview shows it. Structural columns keep their value unless it looks like
 * contact data; everything else keeps only its shape (first character, length), so names,
 * e-mails, phones, addresses, notes and JSON never leave the server.
 */
export function maskValue(column: string, value: unknown): string | null {
  if (value === null || value === undefined) {
    return null;
  }
  if (value instanceof Date) {
    return value.toISOString();
  }
  if (typeof value === "boolean") {
    return String(value);
  }
  if (typeof value === "object") {
    const size = Array.isArray(value) ? value.length : Object.keys(value).length;
    return Array.isArray(value) ? `[…] (${size} items)` : `{…} (${size} keys)`;
  }
  const text = String(value);
  const looksPersonal = /@|\+?\d[\d\s().-]{6,}\d/.test(text) && !isUuid(text);
  if (STRUCTURAL.test(column) && !looksPersonal && text.length <= 64) {
    return text;
  }
  if (typeof value === "number" || typeof value === "bigint") {
    return "#".repeat(Math.min(String(value).length, 12));
  }
  if (/^[^\s@]+@[^\s@]+$/.test(text)) {
    // Keep only that it is an address and its top-level domain.
    const tld = text.split(".").at(-1)?.slice(0, 6) ?? "";
    return `${text[0] ?? ""}•••@•••.${tld}`;
  }
  return text.length <= 1
    ? "•"
    : `${text[0]}${"•".repeat(Math.min(text.length - 1, 8))} (${text.length})`;
}

/** The columns of `table` that executing the request changes (an anonymize's list). */
function changingColumns(request: RetentionRequest, table: string): Set<string> {
  const definition = request.definition as unknown as {
    root?: { table?: string };
    anonymize?: Record<string, string> | null;
    tables?: { table?: string; anonymize?: Record<string, string> }[];
  };
  if (request.kind === "erasure") {
    const planned = definition.tables?.find((t) => t.table === table);
    return new Set(Object.keys(planned?.anonymize ?? {}));
  }
  return definition.root?.table === table
    ? new Set(Object.keys(definition.anonymize ?? {}))
    : new Set();
}

const WEIGHED: RegExp[] = [
  /(amount|total|balance|price|subtotal|tax|quantity|currency)/,
  /(_at|_date|^date|time|created|updated)$/,
  /(status|state|stage|type|kind)$/,
];

function columnRank(column: string, changing: Set<string>): number {
  if (changing.has(column)) {
    return 0;
  }
  const weighed = WEIGHED.findIndex((pattern) => pattern.test(column));
  return weighed >= 0 ? 1 + weighed : column === "id" ? 4 : 5;
}

export type SampleTable = {
  table: string;
  columns: string[];
  rows: Record<string, string | null>[];
};

/** Masked sample rows of each table of the request's plan that still has rows. */
export async function maskedSamples(db: Db, request: RetentionRequest): Promise<SampleTable[]> {
  const tables = Object.entries(request.counts)
    .filter(([, rows]) => Number(rows) > 0)
    .map(([table]) => table)
    .slice(0, MAX_TABLES);
  if (tables.length === 0) {
    return [];
  }
  const graph = await loadSchemaGraph(db);
  const samples: SampleTable[] = [];
  for (const table of tables) {
    const info = graph.tables.get(table);
    if (!info) {
      continue; // A table the store no longer has: nothing to show, nothing to interpolate.
    }
    // Keys are per tenant; where the table carries tenant_id, say so to the join as well.
    const sameTenant = info.columns.has("tenant_id")
      ? sql`t.tenant_id = ${request.tenantId}::uuid AND`
      : sql``;
    const typedKey = info.keyColumn && info.keyType && /^[a-z ]+$/.test(info.keyType);
    // A table keyed by a column is joined through its key's index. A table without one (the
    // partitioned business_events: hundreds of partitions) would be matched by a digest of every
    // row, reading them all (1-2 s on the demo): its first keys are looked up where the planner
    // saw them (`tid`) and verified by digest, one TID scan.
    const result = typedKey
      ? await sql<Record<string, unknown>>`
      SELECT t.* FROM governance.retention_request_keys k
      JOIN ${sql.table(`public.${table}`)} t
        ON ${sameTenant} ${sql.raw(keyMatch(info, "k.key", "t"))}
      WHERE k.request_id = ${request.id}::uuid AND k.table_name = ${table}
      ORDER BY k.key
      LIMIT ${ROWS_PER_TABLE}`.execute(db)
      : await sql<Record<string, unknown>>`
      WITH k AS MATERIALIZED (
        SELECT key, tid FROM governance.retention_request_keys
        WHERE request_id = ${request.id}::uuid AND table_name = ${table} AND tid IS NOT NULL
        ORDER BY key
        LIMIT ${ROWS_PER_TABLE})
      SELECT t.* FROM ${sql.table(`public.${table}`)} t
      WHERE ${sameTenant} t.ctid = ANY(ARRAY(SELECT k.tid FROM k))
        AND ${sql.raw(keyExpression(info, "t"))} IN (SELECT k.key FROM k)
      ORDER BY ${sql.raw(keyExpression(info, "t"))}`.execute(db);
    // tenant_id is the request's own (shown beside the counts): room for a column that informs.
    // The columns an anonymize changes come first, then those a decision weighs (amounts, dates,
    // status), then the rest, as far as room allows.
    const changing = changingColumns(request, table);
    const columns = [...info.columns.keys()]
      .filter((c) => c !== "tenant_id")
      .map((column, index) => ({ column, index, rank: columnRank(column, changing) }))
      .sort((a, b) => a.rank - b.rank || a.index - b.index)
      .slice(0, MAX_COLUMNS)
      .sort((a, b) => a.index - b.index)
      .map((c) => c.column);
    samples.push({
      table,
      columns,
      rows: result.rows.map((row) =>
        Object.fromEntries(columns.map((column) => [column, maskValue(column, row[column])])),
      ),
    });
  }
  return samples;
}
