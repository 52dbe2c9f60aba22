import type { AnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import type { TableDef } from "./catalog-types.ts";
import { type SampleLimits, type TableSample, tableSeed } from "./sample-postgres.ts";

/** Rows ClickHouse may read for one sample before it stops (read_overflow_mode = 'break'). */
const MAX_ROWS_READ = 200_000;

/**
 * One bounded query per analytics table: identifiers as `{name:Identifier}` parameters, at most
 * `limits.rows` rows, no more than a fifth of them from any one tenant (`LIMIT n BY tenant_id`),
 * and ClickHouse stops reading after MAX_ROWS_READ rows whatever the table's size. The same data
 * gives the same sample.
 */
export async function sampleClickhouseTable(
  store: AnalyticsStore,
  table: TableDef,
  limits: SampleLimits,
): Promise<TableSample> {
  const values = new Map<string, unknown[]>(table.columns.map((c) => [c.name, []]));
  if (table.columns.length === 0 || /View$/.test(table.kind)) {
    return {
      rowsRead: 0,
      method: "skipped",
      skippedReason: table.columns.length === 0 ? "no columns" : "view",
      values,
    };
  }
  const params: Record<string, unknown> = { table: table.name, rows: limits.rows };
  const select = table.columns.map((c, i) => {
    params[`c${i}`] = c.name;
    return `{c${i}:Identifier} AS v${i}`;
  });
  const hasTenant = table.columns.some((c) => c.name === "tenant_id");
  if (hasTenant) {
    params.perTenant = Math.max(1, Math.ceil(limits.rows / 5));
  }
  // Reproducible: one reading thread (the same rows before the read limit breaks), then rows
  // ranked by a hash of their values with a per-table seed, never in the order threads deliver.
  params.seed = tableSeed(table) >>> 0;
  const hashed = table.columns.map((_, i) => `v${i}`).join(", ");
  const rows = await store.query<Record<string, unknown>>(
    `SELECT ${select.join(", ")}${hasTenant ? ", tenant_id AS __tenant" : ""}
     FROM {table:Identifier}
     ORDER BY cityHash64({seed:UInt32}, ${hashed}), toString(tuple(${hashed}))
     ${hasTenant ? "LIMIT {perTenant:UInt32} BY tenant_id" : ""}
     LIMIT {rows:UInt32}
     SETTINGS max_rows_to_read = ${MAX_ROWS_READ}, read_overflow_mode = 'break', max_threads = 1`,
    params,
  );
  const tenants = new Set<unknown>();
  for (const row of rows) {
    tenants.add(row.__tenant);
    table.columns.forEach((c, i) => {
      const v = row[`v${i}`];
      values
        .get(c.name)
        ?.push(
          typeof v === "string" && v.length > limits.textChars ? v.slice(0, limits.textChars) : v,
        );
    });
  }
  return {
    rowsRead: rows.length,
    method: "limit",
    tenants: hasTenant ? tenants.size : undefined,
    values,
  };
}
