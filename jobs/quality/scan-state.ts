import { createHash } from "node:crypto";
import { sql, type Transaction } from "kysely";
import type { DB } from "../../schema/database.ts";
import type { Db } from "../../schema/postgres.ts";

/**
 * Reuse of a table's last one-scan result when the table has not changed since (issue 17's
 * bench: most runs meet a table nobody wrote to). The result is reused only when it is provably
 * the same as evaluating every rule on every row again, checked under the new run's snapshot:
 *
 * - same aggregates (signature), same relation file (VACUUM FULL, CLUSTER, TRUNCATE rewrite it
 *   and move rows between pages without new row versions), same column definitions (a column
 *   dropped and added again with a default, or an enum label renamed, changes what rows read
 *   without writing them: the catalog rows of the columns and their enum labels are part of the
 *   key the state is stored under);
 * - no visible row is newer than the old snapshot's xmin horizon: every row version created
 *   since that snapshot (insert, or the new version of an update) carries the xid of a
 *   transaction that was running or not yet started then, hence not older than the horizon;
 * - the same number of visible rows: with no new row, rows can only have gone, and fewer would
 *   show. So the visible rows are exactly the old ones.
 *
 * The check reads only row headers (no column is deformed): one parallel scan costing about a
 * plain count(*) plus a hash probe per row. The statistics counters (pg_stat_all_tables) only decide whether the check is
 * worth running: they lag and are not transactional, so they never decide a reuse.
 *
 * A result depending on anything but the table's rows (another table: a reference rule; the
 * clock: a volume window without an index to move its edge) is never stored. VACUUM (FREEZE)
 * keeps a row's xmin as written, so it neither hides a change nor prevents a reuse.
 */

export type StoredGroup = { tenant: string | null; values: Record<string, unknown> };

export type Stored = {
  signature: string;
  filenode: string;
  horizon: string;
  row_count: string;
  changes: string;
  groups: StoredGroup[];
  updated_at: Date;
};

export type Snapshot = {
  /** xmin of the run's snapshot (xid8, decimal). */
  horizon: string;
  /** xmax of the run's snapshot (xid8, decimal). */
  next: string;
  filenode: string | null;
  changes: string | null;
  /** Fingerprint of the table's column definitions (catalog rows, enum labels). */
  definition: string;
};

/** The key a state is stored under: the aggregates and the columns they were evaluated on. */
function stateKey(signature: string, snap: Snapshot): string {
  return `${signature}:${snap.definition}`;
}

/** xids between the stored horizon and now beyond which age() would wrap: check no more. */
const MAX_XID_DISTANCE = 1_000_000_000n;
/** Up to this many xids since the horizon are listed for a hashed lookup. */
const MAX_XID_LIST = 100_000n;
/** A reused state's horizon moves up once this many xids have passed (a write, so not each run). */
const TOUCH_AFTER = 2_000n;

export function signatureOf(parts: unknown): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

/** Sets of rules kept per table (the most recently run): one per schedule in practice. */
const KEEP = 8;

/**
 * The stored groups when they still hold under the transaction's snapshot, else null. Runs the
 * header-only check only when the stored state could match (same signature, file, counters).
 */
export async function reusable(
  trx: Transaction<DB>,
  table: string,
  stored: Stored | null,
  snap: Snapshot,
): Promise<StoredGroup[] | null> {
  if (
    !stored ||
    snap.filenode === null ||
    stored.filenode !== snap.filenode ||
    snap.changes === null ||
    stored.changes !== snap.changes
  ) {
    return null;
  }
  const old = BigInt(stored.horizon);
  const next = BigInt(snap.next);
  if (next - old >= MAX_XID_DISTANCE || next < old) {
    return null;
  }
  // A row visible now but not then was written by an xid in [old horizon, this snapshot's xmax).
  // Few of them: one hashed `= ANY` probe per row, which parallel workers may run. Many: age(),
  // cheaper than a huge array but parallel restricted (it reads the backend's next xid).
  let fresh: ReturnType<typeof sql<boolean>>;
  if (next - old <= MAX_XID_LIST) {
    const xids: string[] = [];
    for (let x = old; x < next; x++) {
      xids.push((x % 4_294_967_296n).toString());
    }
    fresh = sql<boolean>`t.xmin = ANY(${`{${xids.join(",")}}`}::xid[])`;
  } else {
    fresh = sql<boolean>`age(t.xmin) <= age(${(old % 4_294_967_296n).toString()}::xid)`;
  }
  const got = await sql<{ n: string; fresh: string }>`
    SELECT count(*)::text AS n, count(*) FILTER (WHERE ${fresh})::text AS fresh
    FROM ${sql.table(`public.${table}`)} AS t`.execute(trx);
  const row = got.rows[0];
  if (row?.fresh !== "0" || row.n !== stored.row_count) {
    return null;
  }
  return stored.groups;
}

/**
 * A reused state holds under the new snapshot too: move its horizon there once many xids have
 * passed (fewer to look for next time). `updated_at` stays the time
 * the rows were evaluated.
 */
export async function touchState(
  db: Db,
  table: string,
  signature: string,
  stored: Stored,
  snap: Snapshot,
): Promise<void> {
  if (BigInt(snap.next) - BigInt(stored.horizon) < TOUCH_AFTER) {
    return;
  }
  await sql`
    UPDATE governance.quality_scan_state SET horizon = ${snap.horizon}, changes = ${snap.changes}::bigint
    WHERE table_name = ${table} AND signature = ${stateKey(signature, snap)}`.execute(db);
}

export async function saveState(
  db: Db,
  table: string,
  state: {
    signature: string;
    snap: Snapshot;
    rowCount: number;
    groups: StoredGroup[];
    /** The run's clock: window counts are moved from it on a reuse; reported as `reused`. */
    evaluatedAt: Date;
  },
): Promise<void> {
  const { snap } = state;
  if (snap.filenode === null || snap.changes === null) {
    return;
  }
  await sql`
    INSERT INTO governance.quality_scan_state
      (table_name, signature, filenode, horizon, row_count, changes, groups, updated_at)
    VALUES (${table}, ${stateKey(state.signature, snap)}, ${snap.filenode}::bigint, ${snap.horizon},
            ${state.rowCount}, ${snap.changes}::bigint, ${JSON.stringify(state.groups)}::jsonb,
            ${state.evaluatedAt})
    ON CONFLICT (table_name, signature) DO UPDATE SET
      filenode = excluded.filenode, horizon = excluded.horizon, row_count = excluded.row_count,
      changes = excluded.changes, groups = excluded.groups, updated_at = excluded.updated_at`.execute(
    db,
  );
  await sql`
    DELETE FROM governance.quality_scan_state s
    WHERE s.table_name = ${table} AND s.signature NOT IN (
      SELECT k.signature FROM governance.quality_scan_state k WHERE k.table_name = ${table}
      ORDER BY k.updated_at DESC LIMIT ${KEEP})`.execute(db);
}

/**
 * A read-only REPEATABLE READ transaction, one snapshot for every statement: its first statement
 * (as the owner) reads the snapshot and the stored state of (table, signature), then the rest
 * runs as the reader role. Few round trips: a run over an unchanged table is mostly this.
 */
export function withSnapshotReader<T>(
  db: Db,
  table: string,
  signature: string | null,
  fn: (trx: Transaction<DB>, snap: Snapshot, stored: Stored | null) => Promise<T>,
) {
  return db
    .transaction()
    .setIsolationLevel("repeatable read")
    .setAccessMode("read only")
    .execute(async (trx) => {
      // Any change to a column's definition writes its pg_attribute row (a new xmin).
      const rows = await sql<Snapshot & { state: Stored | null }>`
        SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon,
               pg_snapshot_xmax(pg_current_snapshot())::text AS next,
               pg_relation_filenode(c.oid)::text AS filenode,
               (SELECT (s.n_tup_ins + s.n_tup_upd + s.n_tup_del)::text
                FROM pg_stat_all_tables s WHERE s.relid = c.oid) AS changes,
               d.definition,
               (SELECT json_build_object('signature', q.signature, 'filenode', q.filenode::text,
                         'horizon', q.horizon, 'row_count', q.row_count::text,
                         'changes', q.changes::text, 'groups', q.groups, 'updated_at', q.updated_at)
                FROM governance.quality_scan_state q
                WHERE q.table_name = ${table}
                  AND q.signature = ${signature}::text || ':' || d.definition) AS state
        FROM pg_class c, LATERAL (
          SELECT md5(string_agg(concat_ws(' ', a.attnum, a.xmin, (
                   SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
                   FROM pg_enum e WHERE e.enumtypid = a.atttypid)), ',' ORDER BY a.attnum)) AS definition
          FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0) d
        WHERE c.oid = ${`public.${table}`}::regclass`.execute(trx);
      const row = rows.rows[0];
      if (!row) {
        throw new Error(`table public.${table} does not exist`);
      }
      const { state, ...snap } = row;
      // JIT compiling a dozen filter expressions costs more than it saves on a scan like this.
      await sql`SELECT set_config('role', 'govern_reader', true), set_config('jit', 'off', true)`.execute(
        trx,
      );
      const stored = state ? { ...state, updated_at: new Date(state.updated_at) } : null;
      return fn(trx, snap, stored);
    });
}
