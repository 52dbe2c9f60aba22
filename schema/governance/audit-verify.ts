import { sql } from "kysely";
import type { Db } from "../postgres.ts";

export type AuditVerifyResult = {
  ok: boolean;
  checked: number;
  firstBroken?: { id: number; reason: string };
};

const GENESIS = Buffer.alloc(32);
const PAGE = 5_000;

/**
 * Walks governance.audit_events in id (= chain) order, a keyset page at a time so memory stays
 * flat, recomputing each hash exactly as the insert trigger does (migration 03) and checking
 * that each row's prev_hash is the previous row's hash. A changed row fails its own hash; a
 * deleted row breaks the next row's link (ids have gaps anyway: the trigger numbers rows under
 * its lock, so gaps alone prove nothing). Deleting the newest rows leaves the chain intact but
 * ending before the head the trigger records beside it (governance.audit_chain_head).
 */
export async function verifyAuditChain(db: Db): Promise<AuditVerifyResult> {
  let previous: { id: number; hash: Buffer } | undefined;
  let checked = 0;
  for (;;) {
    const after = previous?.id ?? 0;
    const page = await sql<{ id: number; prev_hash: Buffer; hash: Buffer; recomputed: Buffer }>`
      SELECT e.id, e.prev_hash, e.hash,
             digest(e.prev_hash || governance.audit_event_content(e), 'sha256') AS recomputed
      FROM governance.audit_events e
      WHERE e.id > ${after}
      ORDER BY e.id
      LIMIT ${PAGE}`.execute(db);
    for (const row of page.rows) {
      const id = Number(row.id);
      const expectedPrev = previous?.hash ?? GENESIS;
      if (!row.prev_hash.equals(expectedPrev)) {
        const reason = previous
          ? `prev_hash does not match the hash of row ${previous.id}: rows between them were deleted or row ${previous.id} was rewritten`
          : "the first row does not start the chain: earlier rows were deleted";
        return { ok: false, checked, firstBroken: { id, reason } };
      }
      if (!row.hash.equals(row.recomputed)) {
        return {
          ok: false,
          checked,
          firstBroken: { id, reason: "the row's content does not match its hash: it was changed" },
        };
      }
      checked += 1;
      previous = { id, hash: row.hash };
    }
    if (page.rows.length < PAGE) {
      return checkHead(db, previous, checked);
    }
  }
}

/** The chain must end exactly where the insert trigger last left its head. */
async function checkHead(
  db: Db,
  last: { id: number; hash: Buffer } | undefined,
  checked: number,
): Promise<AuditVerifyResult> {
  const head = await sql<{ last_id: number; last_hash: Buffer }>`
    SELECT last_id, last_hash FROM governance.audit_chain_head`.execute(db);
  const recorded = head.rows[0];
  if (!recorded) {
    return last
      ? {
          ok: false,
          checked,
          firstBroken: { id: last.id, reason: "the chain head record is missing" },
        }
      : { ok: true, checked };
  }
  const headId = Number(recorded.last_id);
  if (!last || headId !== last.id || !recorded.last_hash.equals(last.hash)) {
    const reason = last
      ? `the chain ends at row ${last.id} but its head records row ${headId}: the newest rows were deleted or the head was rewritten`
      : `the chain is empty but its head records row ${headId}: every row was deleted`;
    return { ok: false, checked, firstBroken: { id: headId, reason } };
  }
  return { ok: true, checked };
}
