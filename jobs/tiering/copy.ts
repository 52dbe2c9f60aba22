import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { AnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import { copyOut } from "../../schema/copy-out.ts";
import { coldTable } from "./stores.ts";
import {
  chChecksumExpression,
  chQuoted,
  pgChecksumExpression,
  pgSelectList,
  quoted,
  type TableInfo,
  type Tally,
} from "./tables.ts";

/**
 * The data paths between the tiers: Postgres COPY text straight into ClickHouse (its TSV parser
 * reads COPY's escapes), ClickHouse rows back into a Postgres COPY, and the tallies (count and
 * order-independent checksum) each side computes of the rows it holds.
 */

/** A SQL literal of a text value (for COPY, which takes no parameters). */
export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Copies `SELECT … FROM relation t WHERE where` into the cold table, marked with `moveId`. */
export async function copyToCold(
  pool: pg.Pool,
  store: AnalyticsStore,
  input: { info: TableInfo; relation: string; where: string; dateColumn: string; moveId: string },
): Promise<void> {
  const { info } = input;
  const text = `COPY (SELECT ${pgSelectList(info)},
      to_char(t.${quoted(input.dateColumn)} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'),
      ${literal(input.moveId)}
    FROM ${input.relation} t WHERE ${input.where}) TO STDOUT`;
  const client = await pool.connect();
  try {
    const stream = client.query(copyOut(text));
    await store.insertText(
      coldTable(info.table),
      [...info.columns.map((c) => c.name), "_tier_time", "_move_id"],
      stream,
    );
  } finally {
    client.release();
  }
}

export async function pgTally(
  client: { query: pg.ClientBase["query"] } | pg.Pool,
  info: TableInfo,
  relation: string,
  where: string,
): Promise<Tally> {
  const result = await (client as pg.Pool).query<{ rows: string; checksum: string }>(
    `SELECT count(*)::text AS rows, ${pgChecksumExpression(info)} AS checksum FROM ${relation} t WHERE ${where}`,
  );
  const row = result.rows[0];
  return { rows: Number(row?.rows ?? 0), checksum: row?.checksum ?? "0" };
}

/** Count and checksum of ClickHouse rows `FROM source WHERE where` (source: table or file()). */
export async function chTally(
  store: AnalyticsStore,
  info: TableInfo,
  source: string,
  where: string,
  params: Record<string, unknown>,
): Promise<Tally> {
  const rows = await store.query<{ rows: string; checksum: string }>(
    `SELECT toString(count()) AS rows, ${chChecksumExpression(info)} AS checksum FROM ${source} WHERE ${where}`,
    params,
  );
  return { rows: Number(rows[0]?.rows ?? 0), checksum: rows[0]?.checksum ?? "0" };
}

export function sameTally(a: Tally, b: Tally): boolean {
  return a.rows === b.rows && a.checksum === b.checksum;
}

/** Escapes a value for Postgres COPY text. */
function copyText(value: unknown): string {
  if (value === null || value === undefined) {
    return "\\N";
  }
  return String(value)
    .replaceAll("\\", "\\\\")
    .replaceAll("\n", "\\n")
    .replaceAll("\r", "\\r")
    .replaceAll("\t", "\\t");
}

/**
 * Reads rows (the source's columns, as text) from ClickHouse `FROM source WHERE where` and
 * COPYs them into `relation` on `client` (inside the caller's transaction). Returns the count.
 */
export async function copyFromClickHouse(
  client: pg.PoolClient,
  store: AnalyticsStore,
  input: {
    info: TableInfo;
    relation: string;
    source: string;
    where: string;
    params: Record<string, unknown>;
  },
): Promise<number> {
  const names = input.info.columns.map((c) => c.name);
  const rows = await store.query<Record<string, string | null>>(
    `SELECT ${names.map(chQuoted).join(", ")} FROM ${input.source} WHERE ${input.where}`,
    input.params,
  );
  if (rows.length === 0) {
    return 0;
  }
  const lines = rows.map((r) => `${names.map((n) => copyText(r[n])).join("\t")}\n`);
  await pipeline(
    Readable.from(lines),
    client.query(copyFrom(`COPY ${input.relation} (${names.map(quoted).join(", ")}) FROM STDIN`)),
  );
  return rows.length;
}
