import { sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";

/**
 * Key-set hashes tie a request's plan, its ledger and its archive together: the sha256 of the
 * lines `table<TAB>key<LF>` sorted bytewise (COLLATE "C"), so two sets hash the same exactly
 * when they hold the same keys of the same tables. Computed by Postgres, next to the keys.
 */
export const KEY_SET_LINE = (table: string, key: string) => `${table}\t${key}\n`;

async function hashOf(db: Db, source: "plan" | "ledger", requestId: string): Promise<string> {
  const from =
    source === "plan" ? sql`governance.retention_request_keys` : sql`governance.retention_ledger`;
  // Sorting the lines themselves orders them as (table, key) does (a tab sorts before every
  // character of a table name) at half the cost of a sort on two keys.
  const result = await sql<{ hash: string }>`
    SELECT encode(sha256(convert_to(coalesce(string_agg(line, '' ORDER BY line), ''), 'UTF8')), 'hex') AS hash
    FROM (SELECT (table_name || E'\t' || key || E'\n') COLLATE "C" AS line
          FROM ${from} WHERE request_id = ${requestId}
          -- The ledger's hash is of the rows acted on: a key skipped because its row no longer
          -- qualified is reported apart (certificate \`skipped\`), so a skip shows as a difference.
          ${source === "ledger" ? sql`AND action <> 'skip'` : sql``}) lines`.execute(db);
  return result.rows[0]?.hash ?? "";
}

/** The hash of the keys the request planned (and was approved for). */
export function plannedKeySetHash(db: Db, requestId: string): Promise<string> {
  return hashOf(db, "plan", requestId);
}

/** The hash of the keys the executor acted on (its ledger). */
export function ledgerKeySetHash(db: Db, requestId: string): Promise<string> {
  return hashOf(db, "ledger", requestId);
}

/** The same hash computed in JS over (table, key) pairs, e.g. read back from archive files. */
export async function keySetHashOf(pairs: Iterable<[string, string]>): Promise<string> {
  const { createHash } = await import("node:crypto");
  const lines = [...pairs].map(([t, k]) => KEY_SET_LINE(t, k));
  lines.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const hash = createHash("sha256");
  for (const line of lines) {
    hash.update(line);
  }
  return hash.digest("hex");
}
