import { sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";
import { type ArchivePart, writeManifest } from "./archive.ts";
import {
  type CertificateBody,
  getCertificate,
  type StoredCertificate,
  storeCertificate,
} from "./certificate.ts";
import type {
  ExecuteOptions,
  ExecutionReport,
  ExecutorDeps,
  PlanTable,
} from "./execution-types.ts";
import { ledgerKeySetHash, plannedKeySetHash } from "./ledger-hash.ts";
import type { RetentionRequest } from "./requests.ts";
import type { TableShape } from "./table-shape.ts";

/** Every planned key is done: writes the manifest (if archived) and issues the certificate. */
export async function finish(
  deps: ExecutorDeps,
  request: RetentionRequest,
  tables: { plan: PlanTable; shape: TableShape }[],
  report: ExecutionReport,
  options: ExecuteOptions,
): Promise<StoredCertificate> {
  const existing = await getCertificate(deps.db, request.id);
  if (existing) {
    await markDone(deps.db, request.id, report);
    return existing;
  }
  const parts = (
    await sql<{
      table_name: string;
      batch: number;
      path: string;
      rows: number;
      bytes: number;
      sha256: string;
    }>`
      SELECT table_name, batch, path, rows, bytes, sha256 FROM governance.retention_archives
      WHERE request_id = ${request.id} ORDER BY table_name, batch`.execute(deps.db)
  ).rows.map(
    (r): ArchivePart => ({
      table: r.table_name,
      batch: r.batch,
      path: r.path,
      rows: Number(r.rows),
      bytes: Number(r.bytes),
      sha256: r.sha256,
    }),
  );
  const archived = tables.some((t) => t.plan.action === "archive_then_delete");
  const columns = Object.fromEntries(
    tables.map(({ plan, shape }) => [
      plan.table,
      [...shape.columns].map(([name, info]) => ({ name, type: info.dataType })),
    ]),
  );
  const manifest = archived
    ? await writeManifest(deps.config.archiveDir, request.id, parts, columns)
    : null;
  const [ledgerHash, plannedHash] = await Promise.all([
    ledgerKeySetHash(deps.db, request.id),
    plannedKeySetHash(deps.db, request.id),
  ]);
  const archivedTables = new Set(
    tables.filter((t) => t.plan.action === "archive_then_delete").map((t) => t.plan.table),
  );
  const ledgerByTable = await sql<{ table_name: string; action: string; n: number }>`
    SELECT table_name, action, count(*)::int AS n FROM governance.retention_ledger
    WHERE request_id = ${request.id} GROUP BY table_name, action
    ORDER BY table_name, action`.execute(deps.db);
  const doneBy = new Map<string, Record<string, number>>();
  for (const r of ledgerByTable.rows) {
    doneBy.set(r.table_name, { ...doneBy.get(r.table_name), [r.action]: r.n });
  }
  // A table's parts (one per treatment) are one entry of the certificate.
  const planned = new Map<string, { planned: number; actions: string[] }>();
  for (const { plan } of tables) {
    const entry = planned.get(plan.table) ?? { planned: 0, actions: [] };
    entry.planned += plan.planned;
    entry.actions.push(plan.action);
    planned.set(plan.table, entry);
  }
  const skipped = await skippedKeys(deps.db, request.id);
  const extra = (await options.finish?.()) ?? {};
  const finishedAt = new Date();
  const approval = await sql<{ reason: string }>`
    SELECT reason FROM governance.retention_approvals
    WHERE request_id = ${request.id} AND decision IN ('approve', 'policy')
    ORDER BY decided_at DESC LIMIT 1`.execute(deps.db);
  const body: CertificateBody = {
    certificate: "govern.retention.deletion-certificate/v1",
    requestId: request.id,
    kind: request.kind,
    policy:
      request.policy && request.policyVersion !== null
        ? { id: request.policy, version: request.policyVersion }
        : null,
    tenantId: request.tenantId,
    subject:
      request.kind === "erasure" ? { customer_id: request.subject.customer_id } : request.subject,
    cutoff: request.cutoff ? request.cutoff.toISOString() : null,
    requestedBy: request.requestedBy,
    requestedAt: request.createdAt.toISOString(),
    approvedBy: request.approvedBy ?? (request.requiresApproval ? null : "policy"),
    approvedAt: request.approvedAt ? request.approvedAt.toISOString() : null,
    approvalReason: approval.rows[0]?.reason ?? request.decisionReason,
    executedBy: options.actor,
    startedAt: (request.startedAt ?? new Date()).toISOString(),
    finishedAt: finishedAt.toISOString(),
    fingerprint: request.fingerprint,
    tables: Object.fromEntries(
      [...planned].map(([table, entry]) => {
        const { skip = 0, ...done } = doneBy.get(table) ?? {};
        return [
          table,
          {
            planned: entry.planned,
            done: Object.values(done).reduce((n, d) => n + d, 0),
            action: entry.actions.join(" + "),
            ...(entry.actions.length > 1 ? { byAction: done } : {}),
            archived: archivedTables.has(table)
              ? parts.filter((p) => p.table === table).reduce((n, p) => n + p.rows, 0)
              : null,
            skipped: skip,
          },
        ];
      }),
    ),
    keySet: {
      planned: plannedHash,
      ledger: ledgerHash,
      archived: archived ? ledgerHashOfArchived(ledgerHash, parts, tables, skipped) : null,
    },
    archive: manifest
      ? {
          manifest: manifest.path,
          manifestSha256: manifest.sha256,
          files: parts.map((p) => ({
            table: p.table,
            path: p.path,
            rows: p.rows,
            sha256: p.sha256,
            bytes: p.bytes,
          })),
        }
      : null,
    ...(skipped.size ? { skipped: Object.fromEntries(skipped) } : {}),
    execution: {
      batches: report.batches,
      longestBatchLockMs: Math.round(report.longestBatchLockMs * 10) / 10,
      rowsPerSecond: report.rowsPerSecond,
    },
    ...extra,
  };
  const stored = await storeCertificate(deps.db, body);
  await markDone(deps.db, request.id, report);
  return stored;
}

/**
 * The archived key set equals the ledger's when every archived table's file rows add up to its
 * ledger count (each file is the output of the very statement that wrote those ledger rows);
 * the test suite checks it key by key from the files.
 */
function ledgerHashOfArchived(
  ledgerHash: string,
  parts: ArchivePart[],
  tables: { plan: PlanTable }[],
  skipped: Map<string, { rows: number }>,
): string | null {
  for (const { plan } of tables) {
    if (plan.action !== "archive_then_delete") {
      continue;
    }
    const rows = parts.filter((p) => p.table === plan.table).reduce((n, p) => n + p.rows, 0);
    if (rows !== plan.planned - (skipped.get(plan.table)?.rows ?? 0)) {
      return null;
    }
  }
  return ledgerHash;
}

async function markDone(db: Db, requestId: string, report: ExecutionReport): Promise<void> {
  await sql`
    UPDATE governance.retention_requests
    SET status = 'done', finished_at = coalesce(finished_at, now()), blocked_by = '[]'::jsonb,
        error = NULL, updated_at = now(),
        progress = progress || ${JSON.stringify({ longestBatchLockMs: report.longestBatchLockMs, batches: report.batches })}::jsonb
    WHERE id = ${requestId}`.execute(db);
}

/** Keys the batches skipped because their rows no longer qualified, per table (first 1,000). */
async function skippedKeys(
  db: Db,
  requestId: string,
): Promise<Map<string, { rows: number; keys: string[] }>> {
  const rows = await sql<{ table_name: string; n: number; keys: string[] }>`
    SELECT table_name, count(*)::int AS n,
           (array_agg(key ORDER BY seq))[1:1000] AS keys
    FROM governance.retention_ledger
    WHERE request_id = ${requestId} AND action = 'skip'
    GROUP BY table_name ORDER BY table_name`.execute(db);
  return new Map(rows.rows.map((r) => [r.table_name, { rows: r.n, keys: r.keys }]));
}
