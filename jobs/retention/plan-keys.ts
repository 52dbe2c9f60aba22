import { sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";
import { type RequestDefinition, rootPredicate } from "./definition.ts";
import { keyExpression, keyMatch, quoteIdent, type SchemaGraph, tableInfo } from "./graph.ts";

/**
 * A request's key set lives in governance.retention_request_keys, written by INSERT ... SELECT
 * (one statement per table and FK, never through Node's memory). Its hash is
 * `plannedKeySetHash` (ledger-hash.ts), the same function the executor applies to its ledger.
 *
 * Each statement inserts its rows in physical order (ORDER BY ctid) and records where each row
 * lay (`tid`): positions (`seq`, from a sequence) then follow the table's pages, so the executor's
 * batches are ranges of positions that touch pages in order and fetch rows by location.
 */

/** Rows per table of a request's planned keys. */
export async function keyCounts(db: Db, requestId: string): Promise<Record<string, number>> {
  const result = await sql<{ table_name: string; n: number }>`
    SELECT table_name, count(*)::int AS n FROM governance.retention_request_keys
    WHERE request_id = ${requestId}::uuid GROUP BY table_name ORDER BY table_name
  `.execute(db);
  return Object.fromEntries(result.rows.map((r) => [r.table_name, r.n]));
}

/**
 * Writes the candidate keys of `definition` for one tenant under `requestId`: the root rows
 * matching the predicate, then, parents first, every row whose FK points at a planned row
 * (self-references followed to a fixed point). Run inside the caller's transaction.
 */
export async function writeKeySet(
  trx: Db,
  graph: SchemaGraph,
  definition: RequestDefinition,
  requestId: string,
  tenantId: string,
  /** Root keys to leave out (a minimum-retention guard keeps them: a young child in a tier). */
  excludeRoots: string[] = [],
): Promise<void> {
  for (const planned of definition.tables) {
    const info = tableInfo(graph, planned.table);
    const target = sql.table(`public.${planned.table}`);
    const key = sql.raw(keyExpression(info));
    if (planned.table === definition.root.table) {
      await sql`
        INSERT INTO governance.retention_request_keys (request_id, table_name, key, ord, tid)
        SELECT ${requestId}::uuid, ${planned.table}, ${key}, ${planned.ord}, t.ctid
        FROM ${target} t
        WHERE t.tenant_id = ${tenantId}::uuid AND ${rootPredicate(definition)}
        ORDER BY t.ctid
        ON CONFLICT DO NOTHING
      `.execute(trx);
      for (let at = 0; at < excludeRoots.length; at += 10_000) {
        await sql`
          DELETE FROM governance.retention_request_keys
          WHERE request_id = ${requestId}::uuid AND table_name = ${planned.table}
            AND key = ANY(${excludeRoots.slice(at, at + 10_000)}::text[])
        `.execute(trx);
      }
    }
    for (const fk of planned.via.filter((f) => f.parent !== f.child)) {
      const parent = tableInfo(graph, fk.parent);
      await sql`
        INSERT INTO governance.retention_request_keys (request_id, table_name, key, ord, tid)
        SELECT ${requestId}::uuid, ${planned.table}, ${key}, ${planned.ord}, t.ctid
        FROM ${target} t
        JOIN governance.retention_request_keys k
          ON k.request_id = ${requestId}::uuid AND k.table_name = ${fk.parent}
         AND ${sql.raw(keyMatch({ keyColumn: fk.column, keyType: parent.keyType }, "k.key", "t"))}
        WHERE t.tenant_id = ${tenantId}::uuid
        ORDER BY t.ctid
        ON CONFLICT DO NOTHING
      `.execute(trx);
    }
    const selfRefs = planned.via.filter((f) => f.parent === f.child);
    for (let round = 0; selfRefs.length && round < 1000; round++) {
      let added = 0;
      for (const fk of selfRefs) {
        const result = await sql`
          INSERT INTO governance.retention_request_keys (request_id, table_name, key, ord, tid)
          SELECT ${requestId}::uuid, ${planned.table}, ${key}, ${planned.ord}, t.ctid
          FROM ${target} t
          JOIN ${target} p ON p.tenant_id = t.tenant_id
           AND ${sql.raw(`t.${quoteIdent(fk.column)} = p.${quoteIdent(info.keyColumn ?? "id")}`)}
          JOIN governance.retention_request_keys k
            ON k.request_id = ${requestId}::uuid AND k.table_name = ${planned.table}
           AND k.key = ${sql.raw(keyExpression(info, "p"))}
          WHERE t.tenant_id = ${tenantId}::uuid
          ORDER BY t.ctid
          ON CONFLICT DO NOTHING
        `.execute(trx);
        added += Number(result.numAffectedRows ?? 0);
      }
      if (added === 0) {
        break;
      }
    }
  }
}
