import { sql } from "kysely";
import { keyMatch, loadSchemaGraph } from "../../../jobs/retention/graph.ts";
import type { RetentionRequest } from "../../../jobs/retention/requests.ts";
import type { Db } from "../../../schema/postgres.ts";

export type AgeBucket = { years: number; rows: number };

const IDENT = /^[a-z_][a-z0-9_]*$/;

/**
 * How old the rows of a policy's root table are, by whole years (from the policy's date
 * columns), over the request's frozen key set: the chart beside the impact preview. Null when
 * the plan has no dated root table (an erasure) or the root has no single typed key to join on.
 */
export async function rowsByAge(db: Db, request: RetentionRequest): Promise<AgeBucket[] | null> {
  const root = (request.definition as { root?: { table?: string; dateColumns?: string[] } }).root;
  if (!root?.table || !root.dateColumns?.length) {
    return null;
  }
  const graph = await loadSchemaGraph(db);
  const info = graph.tables.get(root.table);
  const dates = root.dateColumns.filter((c) => IDENT.test(c) && info?.columns.has(c));
  if (!info || dates.length === 0 || !info.keyColumn || !info.keyType) {
    return null;
  }
  if (!/^[a-z ]+$/.test(info.keyType)) {
    return null;
  }
  const sameTenant = info.columns.has("tenant_id")
    ? sql`t.tenant_id = ${request.tenantId}::uuid AND`
    : sql``;
  // Checked against the store's catalog above: known column names only, quoted.
  const date = sql.raw(`coalesce(${dates.map((c) => `t."${c}"`).join(", ")})`);
  const result = await sql<{ years: number; rows: number }>`
    SELECT floor(extract(epoch FROM (now() - ${date}::timestamptz)) / 31557600)::int AS years,
      count(*)::int AS rows
    FROM governance.retention_request_keys k
    JOIN ${sql.table(`public.${root.table}`)} t
      ON ${sameTenant} ${sql.raw(keyMatch(info, "k.key", "t"))}
    WHERE k.request_id = ${request.id}::uuid AND k.table_name = ${root.table}
    GROUP BY 1 ORDER BY 1`.execute(db);
  return result.rows
    .filter((r) => r.years !== null)
    .map((r) => ({ years: Number(r.years), rows: Number(r.rows) }));
}

const AGES = new Map<string, Promise<AgeBucket[] | null>>();
const AGES_KEPT = 200;

/** rowsByAge once per key set and phase (the key set never changes once planned). */
export function cachedRowsByAge(db: Db, request: RetentionRequest): Promise<AgeBucket[] | null> {
  const phase = request.finishedAt ? "finished" : request.startedAt ? "started" : "planned";
  const key = `${request.id}:${request.keySetHash ?? ""}:${phase}`;
  let ages = AGES.get(key);
  if (!ages) {
    ages = rowsByAge(db, request);
    AGES.set(key, ages);
    ages.catch(() => AGES.delete(key));
    for (const oldest of AGES.keys()) {
      if (AGES.size <= AGES_KEPT) {
        break;
      }
      AGES.delete(oldest);
    }
  }
  return ages;
}
