import type { RawBuilder } from "kysely";
import type { Db } from "../../schema/postgres.ts";
import { anonymizeSets } from "./anonymize-sql.ts";
import { rootPredicate } from "./definition.ts";
import type { BatchRange, PlanTable } from "./execution-types.ts";
import { type SchemaGraph, tableInfo } from "./graph.ts";
import type { RetentionRequest } from "./requests.ts";
import { quoteIdent, type TableShape } from "./table-shape.ts";

/** The fast statement's plan: the TID array scan joined to the batch's keys by hash. */
export const FAST_PLAN = {
  off: "SET LOCAL enable_nestloop = off",
  on: "SET LOCAL enable_nestloop = on",
};

/** Column names of the statement's rows that carry the plan's position and key. */
const SEQ = "__govern_seq";
const KEY = "__govern_key";

/**
 * The batch's statement: delete (or anonymize) the planned rows at positions (after, upto] and
 * write their ledger rows; its result is the count, or for archive-then-delete the rows
 * themselves as CSV (the caller wraps it in COPY ... TO STDOUT).
 *
 * - `b`: the batch's plan keys (one range scan of the position index), less held keys and, when
 *   resuming, keys already in the ledger.
 * - `d1`: rows fetched where the planner saw them (`ctid = tid`) and verified by key, so a row
 *   that moved, or another row now at that place, is never touched by location.
 * - `m`, `d2`: the keys not found there (updated or moved since planning, or planned without a
 *   location) looked up by key; the lookup runs only when there are such keys.
 * - `l`: the ledger rows, from the plan's own (position, key) of each row acted on; the ledger's
 *   unique (request, position) makes a retried or concurrent batch fail and roll back
 *   rather than act on a row twice.
 * - the policy re-applied (`plan.recheck`, see policyRecheck): a row acted on must still qualify
 *   (the root's cutoff and condition, or for a row of the cascade, a parent that still does);
 *   `s`, `ls`: a planned row still there that no longer qualifies gets a `skip` ledger row.
 */
export function batchStatement(
  input: {
    request: Pick<RetentionRequest, "id" | "tenantId">;
    plan: PlanTable;
    shape: TableShape;
    range: Pick<BatchRange, "after" | "upto">;
    batch: number;
    skip: string[];
    resumed: boolean;
    /**
     * Archive-then-delete's fast form: a ledger row for every key of `b` and the rows deleted
     * where the plan saw them, streamed straight out of the DELETE (nothing held in memory). The
     * caller commits it only when as many rows came out as `b` has keys.
     */
    fast?: boolean;
  },
  identifiers: string[],
  lit: (value: string) => string,
): string {
  const { request, plan, shape, range, batch } = input;
  const table = `public.${quoteIdent(plan.table)}`;
  const requestId = `${lit(request.id)}::uuid`;
  const tableName = lit(plan.table);
  const after = BigInt(range.after).toString();
  const upto = BigInt(range.upto).toString();
  const tenant = shape.hasTenant ? ` AND t.tenant_id = ${lit(request.tenantId)}::uuid` : "";
  const skip = input.skip.length
    ? ` AND k.key <> ALL(ARRAY[${input.skip.map(lit).join(", ")}]::text[])`
    : "";
  const unlogged = input.resumed
    ? ` AND NOT EXISTS (SELECT 1 FROM governance.retention_ledger l
         WHERE l.request_id = k.request_id AND l.table_name = k.table_name AND l.seq = k.seq)`
    : "";
  const b = `SELECT k.seq, k.key, k.tid FROM governance.retention_request_keys k
      WHERE k.request_id = ${requestId} AND k.table_name = ${tableName}
        AND k.seq > ${after} AND k.seq <= ${upto} AND k.treatment = ${lit(plan.treatment)}${skip}${unlogged}`;
  const action = plan.action === "archive_then_delete" ? "delete" : plan.action;
  // The policy applied again to each row: one that stopped qualifying since planning (a
  // customer reactivated) is not acted on; `s` below records it as skipped.
  const qualifies = plan.recheck ? ` AND (${plan.recheck})` : "";
  const act = (from: string, where: string, returning: string) => {
    if (action === "delete") {
      return `DELETE FROM ${table} AS t${from ? ` USING ${from}` : ""} WHERE ${where}${tenant}${qualifies} RETURNING ${returning}`;
    }
    return `UPDATE ${table} AS t SET ${anonymizeSets(plan, shape, identifiers, lit)}${from ? ` FROM ${from}` : ""} WHERE ${where}${tenant}${qualifies} RETURNING ${returning}`;
  };
  const ledger = (source: string) =>
    `INSERT INTO governance.retention_ledger (request_id, table_name, seq, key, batch, action)
     SELECT ${requestId}, ${tableName}, d.${SEQ}, d.${KEY}, ${batch}, '${action}' FROM (${source}) d`;
  // Rows come back whole only when they go into the archive; else position and key suffice.
  const archive = plan.action === "archive_then_delete";
  const columns = [...shape.columns.keys()].map(quoteIdent);
  const located = `t.ctid = b.tid AND ${shape.keyText} = b.key`;
  if (archive && input.fast) {
    // The batch's locations as one array: a single TID scan visits them in page order and sizes
    // the table once, where a TID lookup per key asks the file system for its size every time.
    // The caller runs it with nested loops off (FAST_PLAN): estimates of freshly planned keys
    // are often one row, and a nested loop would then test the whole array on every row.
    return `COPY (
      WITH b AS (${b}),
           l AS (${ledger(`SELECT b.seq AS ${SEQ}, b.key AS ${KEY} FROM b`)})
      ${act("b", `t.ctid = ANY(ARRAY(SELECT b.tid FROM b)) AND ${located}`, columns.map((c) => `t.${c}`).join(", "))}
    ) TO STDOUT (FORMAT csv, HEADER)`;
  }
  const d1 = act("b", located, `b.seq AS ${SEQ}, b.key AS ${KEY}${archive ? ", t.*" : ""}`);
  // Only when d1 missed keys (a one-time filter): which ones, by EXCEPT (hashed or sorted, n log
  // n however many), looked up by key: a primary key through its index, a row digest by reading
  // the table.
  const missed = "(SELECT count(*) FROM d1) < (SELECT count(*) FROM b)";
  const m = `SELECT b.seq, b.key FROM b WHERE ${missed}
       EXCEPT ALL SELECT d1.${SEQ}, d1.${KEY} FROM d1 WHERE ${missed}`;
  const d2 = act(
    "m",
    `EXISTS (SELECT 1 FROM m) AND ${shape.keyEquals("m.key")}`,
    `m.seq AS ${SEQ}, m.key AS ${KEY}${archive ? ", t.*" : ""}`,
  );
  // Keys neither statement acted on whose row is still there: it no longer qualifies. Looked
  // for only when the policy is re-applied and some key was missed (a one-time filter).
  const skipped = plan.recheck
    ? `,
       s AS (SELECT b.seq, b.key FROM b
         WHERE (SELECT count(*) FROM d1) + (SELECT count(*) FROM d2) < (SELECT count(*) FROM b)
           AND NOT EXISTS (SELECT 1 FROM d1 WHERE d1.${SEQ} = b.seq)
           AND NOT EXISTS (SELECT 1 FROM d2 WHERE d2.${SEQ} = b.seq)
           AND EXISTS (SELECT 1 FROM ${table} t WHERE ${shape.keyEquals("b.key")}${tenant})),
       ls AS (INSERT INTO governance.retention_ledger (request_id, table_name, seq, key, batch, action)
         SELECT ${requestId}, ${tableName}, s.seq, s.key, ${batch}, 'skip' FROM s)`
    : "";
  const rows = `WITH b AS (${b}),
       d1 AS (${d1}),
       m AS (${m}),
       d2 AS (${d2}),
       l AS (${ledger(`SELECT ${SEQ}, ${KEY} FROM d1 UNION ALL SELECT ${SEQ}, ${KEY} FROM d2`)})${skipped}`;
  if (!archive) {
    return `${rows} SELECT ((SELECT count(*) FROM d1) + (SELECT count(*) FROM d2))::int AS n`;
  }
  const list = columns.join(", ");
  return `COPY (${rows} SELECT ${list} FROM d1 UNION ALL SELECT ${list} FROM d2)
    TO STDOUT (FORMAT csv, HEADER)`;
}

/** How deep the cascade's parents are followed to the root (plans are a few levels deep). */
const MAX_DEPTH = 8;

/**
 * The policy's condition and cutoff for a row of `table` (alias `t`) as SQL with its values
 * inlined (batches run as COPY, which takes no parameters): the root's predicate for the root
 * table; for a table of the cascade, a parent by one of the plan's foreign keys that still
 * qualifies. A row that entered the plan through its own table's parent (self-reference) also
 * qualifies through that parent. Null for requests without a policy (erasures).
 */
export function policyRecheck(
  db: Db,
  graph: SchemaGraph,
  request: Pick<RetentionRequest, "kind" | "definition">,
  table: string,
): string | null {
  if (request.kind !== "retention") {
    return null;
  }
  const definition = request.definition;
  let aliases = 0;
  const rootOn = (alias: string) => inlined(db, rootPredicate(definition, alias));
  const on = (name: string, alias: string, depth: number): string => {
    const planned = definition.tables.find((t) => t.table === name);
    const parts: string[] = [];
    if (name === definition.root.table) {
      parts.push(rootOn(alias));
    }
    if (depth < MAX_DEPTH) {
      for (const fk of planned?.via ?? []) {
        const parentKey = tableInfo(graph, fk.parent).keyColumn;
        if (!parentKey) {
          continue;
        }
        aliases += 1;
        const p = `p${aliases}`;
        // A self-reference's parent qualifies on its own, not through further self-references.
        const parent =
          fk.parent === fk.child && fk.parent === definition.root.table
            ? rootOn(p)
            : fk.parent === fk.child
              ? "false"
              : on(fk.parent, p, depth + 1);
        parts.push(`EXISTS (SELECT 1 FROM public.${quoteIdent(fk.parent)} ${p}
          WHERE ${p}.tenant_id = ${alias}.tenant_id
            AND ${p}.${quoteIdent(parentKey)} = ${alias}.${quoteIdent(fk.column)} AND ${parent})`);
      }
    }
    return parts.length ? `(${parts.join(" OR ")})` : "false";
  };
  return on(table, "t", 0);
}

/** A Kysely SQL fragment compiled, its parameters inlined as literals. */
function inlined(db: Db, fragment: RawBuilder<unknown>): string {
  const compiled = fragment.compile(db);
  return compiled.sql.replace(/(?<![\w"$])\$(\d+)\b/g, (_, n: string) =>
    literal(compiled.parameters[Number(n) - 1]),
  );
}

function literal(value: unknown): string {
  if (value === null || value === undefined) {
    return "NULL";
  }
  if (typeof value === "number" || typeof value === "bigint") {
    return String(value);
  }
  if (typeof value === "boolean") {
    return value ? "TRUE" : "FALSE";
  }
  if (Array.isArray(value)) {
    // An untyped array literal, as a bound parameter is: PostgreSQL types it from what it meets
    // (`uuid_col = ANY('{…}')` is uuid[]), where ARRAY['…'] would be text[] and fail on uuid.
    const items = value.map((v) =>
      v === null || v === undefined
        ? "NULL"
        : `"${(v instanceof Date ? v.toISOString() : String(v)).replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`,
    );
    return literal(`{${items.join(",")}}`);
  }
  if (value instanceof Date) {
    return literal(value.toISOString());
  }
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return `'${text.replaceAll("'", "''")}'`;
}
