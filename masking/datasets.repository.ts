import { sql } from "kysely";
import type { Db } from "../schema/postgres.ts";
import { isUuid } from "../schema/uuid.ts";

/**
 * governance.datasets: masked clones (this engine) and synthetic platforms (masking/synthetic)
 * handed to engineers. Plain functions taking `db` first; the caller owns transactions.
 */

export const DATASET_KINDS = ["masked", "synthetic"] as const;
export type DatasetKind = (typeof DATASET_KINDS)[number];

export const DATASET_STATUSES = [
  "requested",
  "running",
  "verifying",
  "ready",
  "failed",
  "refused",
  "dropped",
  "expired",
] as const;
export type DatasetStatus = (typeof DATASET_STATUSES)[number];

/** Per table: where the copy stands. */
export type TableProgress = {
  status: "pending" | "copying" | "done" | "failed";
  rows: number;
  /** Source rows expected (estimate for a full copy, null when unknown). */
  expected?: number | null;
  ms?: number;
};

export type Dataset = {
  id: string;
  name: string;
  kind: DatasetKind;
  status: DatasetStatus;
  owner: string;
  databaseName: string | null;
  /** Where to connect (the dataset's own role), without password. */
  databaseUrl: string | null;
  /** OID of the database govern created: only that database is ever dropped. */
  databaseOid: number | null;
  /** The dataset's own login role and its OID. */
  roleName: string | null;
  roleOid: number | null;
  /** The role's password, sealed (dataset-database.ts); never shown as is. */
  passwordEnc: string | null;
  /** Another server's admin connection, sealed; null: govern's own server. */
  serverUrlEnc: string | null;
  cancelRequestedAt: Date | null;
  cancelRequestedBy: string | null;
  /** Rows and bytes estimated when it was requested. */
  estimate: unknown;
  tenants: string[] | null;
  percent: number | null;
  keyFingerprint: string | null;
  progress: Record<string, TableProgress>;
  report: unknown;
  sizeBytes: number | null;
  expiresAt: Date | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  error: string | null;
  /** The refresh schedule (five-field cron, UTC), and what its last refresh did. */
  refreshCron: string | null;
  refreshedAt: Date | null;
  refreshError: string | null;
  expiryExtendedBy: string | null;
};

type Row = {
  id: string;
  name: string;
  kind: string;
  status: string;
  owner: string;
  database_name: string | null;
  database_url: string | null;
  database_oid: number | string | null;
  role_name: string | null;
  role_oid: number | string | null;
  password_enc: string | null;
  server_url_enc: string | null;
  cancel_requested_at: Date | null;
  cancel_requested_by: string | null;
  estimate: unknown;
  tenants: string[] | null;
  percent: string | number | null;
  key_fingerprint: string | null;
  progress: unknown;
  report: unknown;
  size_bytes: number | null;
  expires_at: Date | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  error: string | null;
  refresh_cron?: string | null;
  refreshed_at?: Date | null;
  refresh_error?: string | null;
  expiry_extended_by?: string | null;
};

function toDataset(r: Row): Dataset {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind as DatasetKind,
    status: r.status as DatasetStatus,
    owner: r.owner,
    databaseName: r.database_name,
    databaseUrl: r.database_url,
    databaseOid: r.database_oid === null ? null : Number(r.database_oid),
    roleName: r.role_name,
    roleOid: r.role_oid === null ? null : Number(r.role_oid),
    passwordEnc: r.password_enc,
    serverUrlEnc: r.server_url_enc,
    cancelRequestedAt: r.cancel_requested_at,
    cancelRequestedBy: r.cancel_requested_by,
    estimate: r.estimate ?? null,
    tenants: r.tenants,
    percent: r.percent === null ? null : Number(r.percent),
    keyFingerprint: r.key_fingerprint,
    progress: (r.progress ?? {}) as Record<string, TableProgress>,
    report: r.report,
    sizeBytes: r.size_bytes,
    expiresAt: r.expires_at,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    error: r.error,
    refreshCron: r.refresh_cron ?? null,
    refreshedAt: r.refreshed_at ?? null,
    refreshError: r.refresh_error ?? null,
    expiryExtendedBy: r.expiry_extended_by ?? null,
  };
}

/** Dataset names become database names: lower-case letters, digits, `_` and `-`, ≤ 40. */
export const DATASET_NAME = /^[a-z][a-z0-9_-]{0,39}$/;

/** Inserts a dataset in status `requested`. Undefined when the name is taken. */
export async function createDataset(
  db: Db,
  input: {
    name: string;
    kind: DatasetKind;
    owner: string;
    tenants?: string[] | null;
    percent?: number | null;
    expiresAt?: Date | null;
    keyFingerprint?: string | null;
    estimate?: unknown;
  },
): Promise<Dataset | undefined> {
  const row = await db
    .insertInto("governance.datasets")
    .values({
      name: input.name,
      kind: input.kind,
      status: "requested",
      owner: input.owner,
      tenants: input.tenants ?? null,
      percent: input.percent ?? null,
      expires_at: input.expiresAt ?? null,
      key_fingerprint: input.keyFingerprint ?? null,
      estimate: input.estimate === undefined ? null : JSON.stringify(input.estimate),
    })
    .onConflict((oc) => oc.column("name").doNothing())
    .returningAll()
    .executeTakeFirst();
  return row ? toDataset(row as Row) : undefined;
}

/** Partial update; `progress` replaces the whole map, use setTableProgress for one table. */
export async function updateDataset(
  db: Db,
  id: string,
  patch: Partial<{
    status: DatasetStatus;
    databaseName: string | null;
    databaseUrl: string | null;
    progress: Record<string, TableProgress>;
    report: unknown;
    sizeBytes: number | null;
    startedAt: Date | null;
    finishedAt: Date | null;
    error: string | null;
    expiresAt: Date | null;
    databaseOid: number | null;
    roleName: string | null;
    roleOid: number | null;
    passwordEnc: string | null;
    serverUrlEnc: string | null;
    cancelRequestedAt: Date | null;
    cancelRequestedBy: string | null;
    refreshCron: string | null;
    refreshedAt: Date | null;
    refreshError: string | null;
    expiryExtendedAt: Date | null;
    expiryExtendedBy: string | null;
  }>,
): Promise<void> {
  const values: Record<string, unknown> = {};
  const map: Record<string, string> = {
    status: "status",
    databaseName: "database_name",
    databaseUrl: "database_url",
    sizeBytes: "size_bytes",
    startedAt: "started_at",
    finishedAt: "finished_at",
    error: "error",
    expiresAt: "expires_at",
    databaseOid: "database_oid",
    roleName: "role_name",
    roleOid: "role_oid",
    passwordEnc: "password_enc",
    serverUrlEnc: "server_url_enc",
    cancelRequestedAt: "cancel_requested_at",
    cancelRequestedBy: "cancel_requested_by",
    refreshCron: "refresh_cron",
    refreshedAt: "refreshed_at",
    refreshError: "refresh_error",
    expiryExtendedAt: "expiry_extended_at",
    expiryExtendedBy: "expiry_extended_by",
  };
  for (const [k, column] of Object.entries(map)) {
    if (k in patch) {
      values[column] = (patch as Record<string, unknown>)[k];
    }
  }
  if (patch.progress !== undefined) {
    values.progress = JSON.stringify(patch.progress);
  }
  if (patch.report !== undefined) {
    values.report = JSON.stringify(patch.report);
  }
  if (Object.keys(values).length === 0) {
    return;
  }
  await db.updateTable("governance.datasets").set(values).where("id", "=", id).execute();
}

/** Merges one table's progress into the dataset's progress map (one statement, no lost update). */
export async function setTableProgress(
  db: Db,
  id: string,
  table: string,
  progress: TableProgress,
): Promise<void> {
  await sql`UPDATE governance.datasets
    SET progress = progress || jsonb_build_object(${table}::text, ${JSON.stringify(progress)}::jsonb)
    WHERE id = ${id}`.execute(db);
}

export async function getDataset(db: Db, idOrName: string): Promise<Dataset | undefined> {
  const byId = isUuid(idOrName);
  const row = await db
    .selectFrom("governance.datasets")
    .selectAll()
    .where(byId ? "id" : "name", "=", idOrName)
    .executeTakeFirst();
  return row ? toDataset(row as Row) : undefined;
}

export type DatasetListQuery = {
  kind?: DatasetKind;
  status?: DatasetStatus;
  owner?: string;
  /** Include dropped and expired datasets (default false). */
  includeGone?: boolean;
  sort?: "created_at" | "name" | "size_bytes" | "status";
  order?: "asc" | "desc";
  limit?: number;
  offset?: number;
};

/** A page of datasets (newest first by default) and the total matching. */
export async function listDatasets(
  db: Db,
  query: DatasetListQuery = {},
): Promise<{ items: Dataset[]; total: number }> {
  let q = db.selectFrom("governance.datasets");
  if (query.kind) {
    q = q.where("kind", "=", query.kind);
  }
  if (query.status) {
    q = q.where("status", "=", query.status);
  } else if (!query.includeGone) {
    q = q.where("status", "not in", ["dropped", "expired"]);
  }
  if (query.owner) {
    q = q.where("owner", "=", query.owner);
  }
  const total = await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirst();
  const rows = await q
    .selectAll()
    .orderBy(query.sort ?? "created_at", query.order ?? "desc")
    .orderBy("id")
    .limit(query.limit ?? 50)
    .offset(query.offset ?? 0)
    .execute();
  return { items: rows.map((r) => toDataset(r as Row)), total: Number(total?.n ?? 0) };
}

/** Datasets whose expiry has passed and whose database may still exist. */
export async function listExpiredDatasets(db: Db, now = new Date()): Promise<Dataset[]> {
  const rows = await db
    .selectFrom("governance.datasets")
    .selectAll()
    .where("expires_at", "<=", now)
    .where("status", "in", ["ready", "failed", "refused"])
    .execute();
  return rows.map((r) => toDataset(r as Row));
}

/** Raises a dataset's abort flag (a running copy or generation checks it between batches). */
export async function requestCancel(db: Db, id: string, by: string): Promise<void> {
  await db
    .updateTable("governance.datasets")
    .set({ cancel_requested_at: new Date(), cancel_requested_by: by })
    .where("id", "=", id)
    .where("cancel_requested_at", "is", null)
    .execute();
}

/** Whether someone asked to cancel this dataset. */
export async function cancelRequested(db: Db, id: string): Promise<boolean> {
  const row = await db
    .selectFrom("governance.datasets")
    .select("cancel_requested_at")
    .where("id", "=", id)
    .executeTakeFirst();
  return Boolean(row?.cancel_requested_at);
}
