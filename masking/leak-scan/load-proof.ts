import type pg from "pg";
import { inParallel } from "../parallel.ts";
import { ident } from "../provision/select.ts";

/**
 * Why the leak scan may read the stream instead of the target (stream-scan.ts): the rows of a
 * streamed table are exactly the bytes the copy wrote, because nothing else writes them before
 * hand-over —
 * - defaults and generated values: COPY names every column of the table, so no default fires;
 *   a generated column is not in the stream and is read from the target afterwards;
 * - triggers and rules: pg_restore creates them in post-data, after the load (a schema's rules
 *   never fire on COPY); `foreignTriggers` proves no other trigger exists, so none fired;
 * - other connections: the dataset's role gets CONNECT only at hand-over (dataset-database.ts),
 *   and whatever another session (a superuser's) writes carries its own transaction id:
 *   `foreignRows` finds every row version no copy (or govern's own collision fix) wrote.
 * A table that fails either check is read from the target like any column the stream missed.
 */

/** The 32-bit transaction id of the current transaction, as row versions' xmin carry it. */
export async function currentXid(client: pg.PoolClient): Promise<string> {
  const r = await client.query<{ xid: string }>(
    "SELECT (pg_current_xact_id()::text::bigint % 4294967296)::text AS xid",
  );
  return r.rows[0]?.xid as string;
}

/** The tables (`schema.table`) holding a row version written by none of `xids`. */
export async function foreignRows(
  target: pg.Pool,
  schema: string,
  tables: readonly string[],
  xids: readonly string[],
  parallel: number,
): Promise<Set<string>> {
  const foreign = new Set<string>();
  await inParallel([...tables], parallel, {
    open: () => target.connect(),
    each: async (client, table) => {
      const r = await client.query(
        `SELECT 1 FROM ${ident(schema)}.${ident(table)}
         WHERE NOT (xmin::text::bigint = ANY ($1::bigint[])) LIMIT 1`,
        [xids],
      );
      if ((r.rowCount ?? 0) > 0) {
        foreign.add(table);
      }
    },
    close: async (client) => client.release(),
  });
  return foreign;
}

type TriggerRow = { tbl: string; def: string };

const TRIGGERS = `SELECT c.relname AS tbl, pg_get_triggerdef(g.oid) AS def
  FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE NOT g.tgisinternal AND n.nspname = $1`;

/**
 * The target's triggers on `schema`'s tables that the source's schema does not have (the copy's
 * post-data made the others, after the load), and whether any table of another schema has one.
 */
export async function foreignTriggers(
  source: pg.Pool,
  target: pg.Pool,
  schema: string,
): Promise<string[]> {
  const key = (t: TriggerRow) => `${t.tbl}\u0000${t.def}`;
  const own = new Set((await source.query<TriggerRow>(TRIGGERS, [schema])).rows.map(key));
  const there = (await target.query<TriggerRow>(TRIGGERS, [schema])).rows;
  const elsewhere = await target.query<TriggerRow>(
    `SELECT c.relname AS tbl, g.tgname AS def FROM pg_trigger g
     JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE NOT g.tgisinternal AND n.nspname <> $1`,
    [schema],
  );
  return [...there.filter((t) => !own.has(key(t))), ...elsewhere.rows].map((t) => t.tbl);
}
