import { sql } from "kysely";
import type { Tier } from "../../rules/tiering/schema.ts";
import type { Db } from "../../schema/postgres.ts";

/** governance.tier_moves: one row per unit moved, its state and what names its rows. */

export type MoveState = "copying" | "verified" | "done" | "rolled_back";

export type MoveSpec = {
  /** Partition moves: the partition and its bounds (to attach it back on roll-back). */
  partition?: { name: string; from: string; to: string };
  /** Row batches: the source keys. */
  keys?: string[];
  /** Archive moves: the cold rows' range and the tenants left out. */
  range?: { from: string; to: string };
  tenantId?: string | null;
  excludeTenants?: string[];
  /** Archive files replaced (restore, erasure): their paths. */
  replaces?: string[];
  /** Cold move ids (restores and archive moves name the rows they take by range + these). */
  coldMoveIds?: string[];
  /** Restore: the tiers read. */
  sources?: Tier[];
  /** Restore from the archive: the new files written without the restored rows. */
  rewritten?: string[];
};

export type Move = {
  id: string;
  table: string;
  from: Tier;
  to: Tier;
  partition: string | null;
  state: MoveState;
  spec: MoveSpec;
  rows: number | null;
  checksum: string | null;
  location: string | null;
  requestedBy: string;
  createdAt: Date;
  updatedAt: Date;
  error: string | null;
};

type Row = {
  id: string;
  table_name: string;
  from_tier: string;
  to_tier: string;
  partition_name: string | null;
  state: string;
  spec: unknown;
  rows: number | string | null;
  checksum: string | null;
  location: string | null;
  requested_by: string;
  created_at: Date;
  updated_at: Date;
  error: string | null;
};

export function toMove(row: Row): Move {
  return {
    id: row.id,
    table: row.table_name,
    from: row.from_tier as Tier,
    to: row.to_tier as Tier,
    partition: row.partition_name,
    state: row.state as MoveState,
    spec: (row.spec ?? {}) as MoveSpec,
    rows: row.rows === null ? null : Number(row.rows),
    checksum: row.checksum,
    location: row.location,
    requestedBy: row.requested_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    error: row.error,
  };
}

export async function insertMove(
  db: Db,
  move: {
    id: string;
    table: string;
    from: Tier;
    to: Tier;
    partition: string | null;
    spec: MoveSpec;
    runId?: string | null;
    requestedBy: string;
    location?: string | null;
  },
): Promise<void> {
  await db
    .insertInto("governance.tier_moves")
    .values({
      id: move.id,
      table_name: move.table,
      from_tier: move.from,
      to_tier: move.to,
      partition_name: move.partition,
      state: "copying",
      spec: JSON.stringify(move.spec),
      run_id: move.runId ?? null,
      requested_by: move.requestedBy,
      location: move.location ?? null,
    })
    .execute();
}

export async function setMoveState(
  db: Db,
  id: string,
  state: MoveState,
  extra: { rows?: number; checksum?: string; error?: string | null; spec?: MoveSpec } = {},
): Promise<void> {
  await db
    .updateTable("governance.tier_moves")
    .set({
      state,
      updated_at: new Date(),
      ...(extra.rows !== undefined ? { rows: extra.rows } : {}),
      ...(extra.checksum !== undefined ? { checksum: extra.checksum } : {}),
      ...(extra.error !== undefined ? { error: extra.error } : {}),
      ...(extra.spec !== undefined ? { spec: JSON.stringify(extra.spec) } : {}),
    })
    .where("id", "=", id)
    .execute();
}

export async function getMove(db: Db, id: string): Promise<Move | undefined> {
  const row = await db
    .selectFrom("governance.tier_moves")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirst();
  return row ? toMove(row as Row) : undefined;
}

/** Moves not finished (copying or verified), oldest first: a run first completes or undoes them. */
export async function openMoves(db: Db): Promise<Move[]> {
  const rows = await db
    .selectFrom("governance.tier_moves")
    .selectAll()
    .where("state", "in", ["copying", "verified"])
    .orderBy("created_at")
    .execute();
  return rows.map((r) => toMove(r as Row));
}

/** Ids of a table's open moves: their destination rows are not read as being there yet. */
export async function openMoveIds(db: Db, table: string): Promise<string[]> {
  const rows = await sql<{ id: string }>`
    SELECT id::text FROM governance.tier_moves
    WHERE table_name = ${table} AND state IN ('copying', 'verified')`.execute(db);
  return rows.rows.map((r) => r.id);
}

export async function recentMoves(db: Db, limit = 50): Promise<Move[]> {
  const rows = await db
    .selectFrom("governance.tier_moves")
    .selectAll()
    .orderBy("created_at", "desc")
    .limit(limit)
    .execute();
  return rows.map((r) => toMove(r as Row));
}

/** Tables tiering ever moved rows of (a cold table or archive files may hold some). */
export async function tieredTables(db: Db): Promise<string[]> {
  const rows = await sql<{ table_name: string }>`
    SELECT DISTINCT table_name FROM governance.tier_moves`.execute(db);
  return rows.rows.map((r) => r.table_name).sort();
}
