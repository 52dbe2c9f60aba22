import { createHash } from "node:crypto";
import { type RawBuilder, sql, type Transaction } from "kysely";
import type { DB } from "../../schema/database.ts";
import type { Db } from "../../schema/postgres.ts";

/**
 * Reuse of a table's last one-scan result (issue 17's bench: most runs meet a table nobody wrote
 * to, or one only appended to). A stored result is used only when that is provably the same as
 * evaluating every rule on every row again, checked under the new run's snapshot:
 *
 * - same aggregates (signature), same relation file (VACUUM FULL, CLUSTER, TRUNCATE rewrite it
 *   and move rows between pages without new row versions), same column definitions (a column
 *   dropped and added again with a default, or an enum label renamed, changes what rows read
 *   without writing them: the catalog rows of the columns and their enum labels are part of the
 *   key the state is stored under);
 * - a visible row is "fresh" when its xmin is not older than the stored snapshot's xmin (every
 *   row version written since, insert or update, is; so may be a few rows committed just
 *   before that snapshot, which only costs a reuse); every other visible row was visible to
 *   the stored snapshot too, so those are the stored rows exactly when there are as many as
 *   then (rows can only have gone, and fewer would show);
 * - then no fresh row: the stored aggregates are the table's. Fresh rows only (appended): their
 *   aggregates, from the same scan restricted to them, are added to the stored ones (sums and
 *   maxima merge; a count(DISTINCT …) does not, and a table with one is evaluated whole).
 *
 * The check reads only row headers (no column is deformed): one parallel scan costing about a
 * plain count(*) plus a hash probe per row. The statistics counters (pg_stat_all_tables) only
 * decide whether it is worth running (no update or delete counted since): they lag and are not
 * transactional, so they never decide a reuse.
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
  /** The run's snapshot, `xmin:xmax:xip,…` (stored as the state's `horizon`). */
  snapshot: string;
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

/** xids between the stored snapshot and now beyond which age() would wrap: check no more. */
const MAX_XID_DISTANCE = 1_000_000_000n;
/** Up to this many xids since the stored snapshot are listed for a hashed lookup. */
const MAX_XID_LIST = 100_000n;
/** A reused state's snapshot moves up once this many xids have passed (a write, so not each run). */
const TOUCH_AFTER = 2_000n;
const XID_WRAP = 4_294_967_296n;

export function signatureOf(parts: unknown): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

/** Sets of rules kept per table (the most recently run): one per schedule in practice. */
const KEEP = 8;

/** A pg_snapshot's text form `xmin:xmax:xip,…` (xid8, decimal): its xmin and xmax. */
function parseSnapshot(text: string): { xmin: bigint; xmax: bigint } | null {
  const m = /^(\d+):(\d+):[\d,]*$/.exec(text);
  return m ? { xmin: BigInt(m[1] as string), xmax: BigInt(m[2] as string) } : null;
}

/**
 * What the header check found: the stored groups hold as they are (`fresh` null), or rows were
 * written since, which `fresh` (SQL over the table aliased `t`) selects; when they are exactly
 * `appended` (the rows then visible all still there), evaluating them alone and adding their
 * aggregates to the stored ones is evaluating every row.
 */
export type Proof = { groups: StoredGroup[]; fresh: RawBuilder<boolean> | null; appended: number };

/**
 * Checks the stored state under the transaction's snapshot (one scan of row headers). A row
 * visible now but not to the stored snapshot was written by a transaction running then or not
 * yet started, so by an xid from that snapshot's xmin on: "fresh". The other visible rows were
 * visible then too, so they are the stored rows exactly when there are as many.
 * Runs only when the state could match: same key, file, and no update or delete counted since
 * (counters lag, so they only decide whether the check is worth running).
 */
export async function reusable(
  trx: Transaction<DB>,
  table: string,
  stored: Stored | null,
  snap: Snapshot,
  canAppend: boolean,
): Promise<Proof | null> {
  if (
    !stored ||
    snap.filenode === null ||
    stored.filenode !== snap.filenode ||
    snap.changes === null ||
    stored.changes !== snap.changes
  ) {
    return null;
  }
  const old = parseSnapshot(stored.horizon);
  const next = BigInt(snap.next);
  if (!old || next < old.xmax || next - old.xmin >= MAX_XID_DISTANCE) {
    return null;
  }
  // Every xid from the stored snapshot's xmin on: its xip list names running top-level
  // transactions only, not their subtransactions, whose xids may be below its xmax (a row written
  // under a savepoint of a transaction running then). Few xids: one hashed `= ANY` probe per row,
  // which parallel workers may run. Many: age(), cheaper than a huge array but parallel
  // restricted (it reads the backend's next xid).
  let fresh: RawBuilder<boolean>;
  if (next - old.xmin <= MAX_XID_LIST) {
    const xids: string[] = [];
    for (let x = old.xmin; x < next; x++) {
      xids.push((x % XID_WRAP).toString());
    }
    fresh = sql<boolean>`t.xmin = ANY(${`{${xids.join(",")}}`}::xid[])`;
  } else {
    fresh = sql<boolean>`age(t.xmin) <= age(${(old.xmin % XID_WRAP).toString()}::xid)`;
  }
  // The first fresh row's place, not their count: one aggregate fed by fresh rows only. Their
  // number is what the appended rows' scan counts (scan.ts checks it against n - stored rows).
  const got = await sql<{ n: string; first: string | null; pages: string }>`
    SELECT count(*)::text AS n, min(t.ctid) FILTER (WHERE ${fresh})::text AS first,
           (pg_relation_size(${`public.${table}`}::regclass)
            / current_setting('block_size')::bigint)::text AS pages
    FROM ${sql.table(`public.${table}`)} AS t`.execute(trx);
  const row = got.rows[0];
  const appended = BigInt(row?.n ?? "-1") - BigInt(stored.row_count);
  if (!row || row.first === null) {
    return appended === 0n ? { groups: stored.groups, fresh: null, appended: 0 } : null;
  }
  if (!canAppend || appended <= 0n) {
    return null;
  }
  // Appended rows mostly fill the last pages: from the first one on, a TID range scan reads
  // only those. When it would read more than half the table, the parallel scan is cheaper.
  const block = Number(/^\((\d+),/.exec(row.first)?.[1] ?? 0);
  const tail = block * 2 >= Number(row.pages);
  return {
    groups: stored.groups,
    fresh: tail ? sql<boolean>`(t.ctid >= ${row.first}::tid AND ${fresh})` : fresh,
    appended: Number(appended),
  };
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
  const old = parseSnapshot(stored.horizon);
  if (old && BigInt(snap.next) - old.xmax < TOUCH_AFTER) {
    return;
  }
  await sql`
    UPDATE governance.quality_scan_state SET horizon = ${snap.snapshot}, changes = ${snap.changes}::bigint
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
    VALUES (${table}, ${stateKey(state.signature, snap)}, ${snap.filenode}::bigint, ${snap.snapshot},
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
        SELECT pg_current_snapshot()::text AS snapshot,
               pg_snapshot_xmax(pg_current_snapshot())::text AS next,
               pg_relation_filenode(c.oid)::text AS filenode,
               (pg_stat_get_tuples_updated(c.oid) + pg_stat_get_tuples_deleted(c.oid))::text
                 AS changes,
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
