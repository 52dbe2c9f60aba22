import type { Db } from "../schema/postgres.ts";

/**
 * Dataset requests refused before a dataset existed (over the requester's size limit, the
 * classification gate closed): kept so the datasets list shows them with their reason. Refusals
 * that happen while a dataset is built (the gate at start, a leak found) stay on the dataset row.
 */

export type DatasetRefusalReason = "size_limit" | "gate_closed";

export type DatasetRefusal = {
  id: string;
  name: string;
  kind: string;
  requestedBy: string;
  reason: DatasetRefusalReason;
  message: string;
  details: unknown;
  createdAt: Date;
};

export async function recordDatasetRefusal(
  db: Db,
  input: Omit<DatasetRefusal, "id" | "createdAt">,
): Promise<void> {
  await db
    .insertInto("governance.dataset_refusals")
    .values({
      name: input.name,
      kind: input.kind,
      requested_by: input.requestedBy,
      reason: input.reason,
      message: input.message,
      details: input.details === undefined ? null : JSON.stringify(input.details),
    })
    .execute();
}

/** The most recent refusals, newest first, optionally of one requester. */
export async function listDatasetRefusals(
  db: Db,
  query: { requestedBy?: string; limit?: number } = {},
): Promise<DatasetRefusal[]> {
  let q = db.selectFrom("governance.dataset_refusals").selectAll();
  if (query.requestedBy) {
    q = q.where("requested_by", "=", query.requestedBy);
  }
  const rows = await q
    .orderBy("created_at", "desc")
    .orderBy("id")
    .limit(query.limit ?? 50)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    kind: r.kind,
    requestedBy: r.requested_by,
    reason: r.reason as DatasetRefusalReason,
    message: r.message,
    details: r.details,
    createdAt: r.created_at,
  }));
}
