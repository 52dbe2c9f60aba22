import { randomBytes } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sql } from "kysely";
import type pg from "pg";
import { z } from "zod";
import type { AnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import type { Config } from "../../schema/config.ts";
import type { TPackageTable } from "../../schema/contracts/access.ts";
import { appendAuditEvent } from "../../schema/governance/audit-events.repository.ts";
import type { Db } from "../../schema/postgres.ts";
import { readAsReader } from "../etl/reader-stream.ts";
import { hashFile, type PackageFile, TableWriter, writeTarGz } from "./access-package.ts";
import { redactValue, type SubjectOwnership, subjectOwnership } from "./access-redaction.ts";
import { accessFingerprint } from "./access-request.ts";
import { checkExecutable } from "./approvals.ts";
import { analyticsMatch, analyticsStringColumns, type Identifier } from "./erasure-proof.ts";
import { loadSchemaGraph, quoteIdent } from "./graph.ts";
import { getRequest } from "./requests.ts";
import { identifiersOf, loadSubjectPerson, subjectRowPredicate } from "./subject-rows.ts";

/**
 * The export of an approved access request: every row about the person in both stores, as a
 * package (JSON and CSV per table, a manifest with row counts and sha256 per file).
 *
 * Operational store: the rows the erasure would plan (subject-rows.ts: linked to the person
 * through foreign keys, or holding one of their identifiers), read through a cursor. A row
 * linked to them is theirs and exported whole; a row that only mentions them (another
 * customer's message naming them) is someone else's, so only its key and the columns that
 * mention them are exported. Analytics store: rows whose customer_id is theirs (whole) or whose
 * String columns hold an identifier (those columns). In every value, anyone else's personal
 * data is redacted (access-redaction.ts).
 */

const BATCH = 500;
const REACH = "_reach";

/** `retention` job payload `{action: "access", requestId}`: produce an approved request's package. */
export const ZRetentionAccessPayload = z.strictObject({
  action: z.literal("access"),
  requestId: z.uuid(),
  actor: z.string().min(1).max(255).optional(),
});
export type TRetentionAccessPayload = z.infer<typeof ZRetentionAccessPayload>;

export type AccessExportDeps = {
  db: Db;
  pool: pg.Pool;
  config: Config;
  analytics?: AnalyticsStore;
};

type Subject = {
  tenantId: string;
  customerId: string;
  identifiers: Identifier[];
  owner: SubjectOwnership;
  /** Case-insensitive test for "mentions the person". */
  mentions: RegExp;
};

/** The package's manifest (manifest.json inside it, and stored with the request). */
export type AccessManifest = {
  format: 1;
  requestId: string;
  tenantId: string;
  customerId: string;
  generatedAt: string;
  rows: number;
  tables: TPackageTable[];
  notes: string[];
};

function escapeRe(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Of a row that only mentions the person: its key and the columns naming them. */
function mentionedPart(
  row: Record<string, unknown>,
  columns: string[],
  keep: string[],
  subject: Subject,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const column of columns) {
    const value = row[column];
    const text = typeof value === "string" ? value : value == null ? "" : JSON.stringify(value);
    out[column] = keep.includes(column) || subject.mentions.test(text) ? value : null;
  }
  return out;
}

async function exportPostgres(
  deps: AccessExportDeps,
  subject: Subject,
  root: string,
  onTable: (entry: TPackageTable) => void,
): Promise<void> {
  const graph = await loadSchemaGraph(deps.db);
  for (const [name, info] of [...graph.tables].sort(([a], [b]) => a.localeCompare(b))) {
    if (!info.columns.has("tenant_id")) {
      continue;
    }
    const columns = [...info.columns.keys()];
    const rows = subjectRowPredicate(graph, name, subject);
    const query = sql<Record<string, unknown>>`
      SELECT t.*, coalesce(${rows.linked}, false) AS ${sql.raw(quoteIdent(REACH))}
      FROM ${sql.raw(`public.${quoteIdent(name)}`)} t
      WHERE t.tenant_id = ${subject.tenantId}::uuid AND ${rows.where}`.compile(deps.db);
    const keep = ["tenant_id", ...(info.keyColumn ? [info.keyColumn] : [])];
    let writer: TableWriter | undefined;
    const entry = { linked: 0, mentioned: 0, redactions: 0 };
    const count = (n: number) => {
      entry.redactions += n;
    };
    for await (const batch of readAsReader<Record<string, unknown>>(deps.pool, query, BATCH)) {
      writer ??= await TableWriter.open(root, `postgres/${name}`, [...columns, REACH]);
      for (const row of batch) {
        const linked = row[REACH] === true;
        const part = linked ? row : mentionedPart(row, columns, keep, subject);
        const clean = redactValue(part, subject.owner, count) as Record<string, unknown>;
        await writer.add({ ...clean, [REACH]: linked ? "linked" : "mentioned" });
        entry[linked ? "linked" : "mentioned"]++;
      }
    }
    if (writer) {
      onTable({
        store: "postgres",
        table: name,
        rows: entry.linked + entry.mentioned,
        ...entry,
        files: await writer.close(),
      });
    }
  }
}

async function exportAnalytics(
  store: AnalyticsStore,
  subject: Subject,
  root: string,
  onTable: (entry: TPackageTable) => void,
): Promise<void> {
  const needles = subject.identifiers.map((i) => i.value);
  const tables = await analyticsStringColumns(store);
  for (const [table, info] of [...tables].sort(([a], [b]) => a.localeCompare(b))) {
    const parts: string[] = [];
    if (info.columns.length) {
      parts.push(analyticsMatch(info.columns));
    }
    if (info.hasCustomer) {
      parts.push("customer_id = {customer:UUID}");
    }
    if (!parts.length) {
      continue;
    }
    const tenant = info.hasTenant ? "tenant_id = {tenant:UUID} AND " : "";
    const linkedSql = info.hasCustomer ? "ifNull(customer_id = {customer:UUID}, false)" : "false";
    const params = { table, needles, customer: subject.customerId, tenant: subject.tenantId };
    const described = await store.query<{ name: string }>(
      "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = {table:String} ORDER BY position",
      { table },
    );
    const columns = described.map((c) => c.name);
    let writer: TableWriter | undefined;
    const entry = { linked: 0, mentioned: 0, redactions: 0 };
    const count = (n: number) => {
      entry.redactions += n;
    };
    // Pages in a total order, so no row is read twice or skipped between pages.
    for (let offset = 0; ; offset += BATCH) {
      const page = await store.query<Record<string, unknown>>(
        `SELECT *, ${linkedSql} AS ${REACH} FROM {table:Identifier}
         WHERE ${tenant}(${parts.join(" OR ")}) ORDER BY ALL LIMIT ${BATCH} OFFSET ${offset}`,
        params,
      );
      if (!page.length) {
        break;
      }
      writer ??= await TableWriter.open(root, `clickhouse/${table}`, [...columns, REACH]);
      for (const row of page) {
        const linked = row[REACH] === true || row[REACH] === 1 || row[REACH] === "1";
        const part = linked
          ? row
          : mentionedPart(row, columns, info.hasTenant ? ["tenant_id"] : [], subject);
        const clean = redactValue(part, subject.owner, count) as Record<string, unknown>;
        await writer.add({ ...clean, [REACH]: linked ? "linked" : "mentioned" });
        entry[linked ? "linked" : "mentioned"]++;
      }
      if (page.length < BATCH) {
        break;
      }
    }
    if (writer) {
      onTable({
        store: "clickhouse",
        table,
        rows: entry.linked + entry.mentioned,
        ...entry,
        files: await writer.close(),
      });
    }
  }
}

/** Where a request's package lies. */
export function accessPackagePath(config: Config, requestId: string): string {
  return join(config.archiveDir, "access", `access-${requestId}.tar.gz`);
}

/**
 * Writes the package of one person (tenant, customer) and returns its manifest, path, size and
 * sha256. Work files go to a scratch directory removed afterwards, whatever happens.
 */
export async function buildAccessPackage(
  deps: AccessExportDeps,
  input: { requestId: string; tenantId: string; customerId: string; now?: Date },
): Promise<{ manifest: AccessManifest; path: string; bytes: number; sha256: string }> {
  const customer = await sql<Record<string, unknown>>`
    SELECT * FROM customers WHERE tenant_id = ${input.tenantId}::uuid AND id = ${input.customerId}::uuid`.execute(
    deps.db,
  );
  const row = customer.rows[0];
  if (!row) {
    throw new Error(`no customer ${input.customerId} in tenant ${input.tenantId}`);
  }
  const identifiers = identifiersOf(row as Parameters<typeof identifiersOf>[0]);
  // Ids only (never their rows): a row about the person may point at another customer.
  const others = await sql<{ id: string }>`
    SELECT id::text FROM customers
    WHERE tenant_id = ${input.tenantId}::uuid AND id <> ${input.customerId}::uuid`.execute(deps.db);
  const subject: Subject = {
    tenantId: input.tenantId,
    customerId: input.customerId,
    identifiers,
    owner: subjectOwnership(identifiers, row, new Set(others.rows.map((o) => o.id.toLowerCase()))),
    mentions: new RegExp(identifiers.map((i) => escapeRe(i.value)).join("|") || "(?!x)x", "i"),
  };
  const root = join(
    deps.config.archiveDir,
    "access",
    `.work-${input.requestId}-${randomBytes(4).toString("hex")}`,
  );
  const tables: TPackageTable[] = [];
  try {
    await exportPostgres(deps, subject, root, (t) => tables.push(t));
    if (deps.analytics) {
      await exportAnalytics(deps.analytics, subject, root, (t) => tables.push(t));
    }
    const now = input.now ?? new Date();
    const manifest: AccessManifest = {
      format: 1,
      requestId: input.requestId,
      tenantId: input.tenantId,
      customerId: input.customerId,
      generatedAt: now.toISOString(),
      rows: tables.reduce((n, t) => n + t.rows, 0),
      tables,
      notes: [
        "_reach: linked = a row about you; mentioned = someone else's row naming you (only its key and the parts naming you).",
        "Other people's personal data in these rows is replaced by [redacted <category>].",
      ],
    };
    await writeFile(join(root, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    const files: PackageFile[] = [
      await hashFile(root, "manifest.json"),
      ...tables.flatMap((t) => t.files),
    ];
    const path = accessPackagePath(deps.config, input.requestId);
    const written = await writeTarGz(root, files, path, now);
    return { manifest, path, ...written };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * The job: gate (approved by another officer, approval not expired), mark running, build the
 * package, record it and mark the request done. Running it again after a crash builds the
 * package again from the data (the request stays `running`, which the gate lets through); a
 * done request is left alone.
 */
export async function runAccessExport(
  deps: AccessExportDeps & { progress?: (percent: number) => Promise<void> | void },
  payload: TRetentionAccessPayload,
  options: { now?: Date } = {},
): Promise<Record<string, unknown>> {
  const request = await getRequest(deps.db, payload.requestId);
  if (request?.kind !== "access") {
    return {
      outcome: "refused",
      reason: "not_found",
      message: `no access request ${payload.requestId}`,
    };
  }
  if (request.status === "done") {
    return { outcome: "done", already: true };
  }
  const gate = await checkExecutable(deps.db, payload.requestId, { now: options.now });
  if (!gate.ok) {
    return { outcome: "refused", reason: gate.code, message: gate.message };
  }
  const customerId = String(request.subject.customer_id ?? "");
  const person = await loadSubjectPerson(deps.db, request.tenantId, customerId);
  if (!person || accessFingerprint(customerId, person) !== request.approvedFingerprint) {
    await finish(deps.db, request.id, "failed", "the person changed (or is gone) since approval");
    return { outcome: "refused", reason: "fingerprint_mismatch" };
  }
  await deps.db
    .updateTable("governance.retention_requests")
    .set({
      status: "running",
      started_at: sql<Date>`coalesce(started_at, now())`,
      executed_by: payload.actor ?? "worker",
      updated_at: sql<Date>`now()`,
    })
    .where("id", "=", request.id)
    .where("status", "in", ["approved", "running"])
    .execute();
  await deps.progress?.(5);
  let built: Awaited<ReturnType<typeof buildAccessPackage>>;
  try {
    built = await buildAccessPackage(deps, {
      requestId: request.id,
      tenantId: request.tenantId,
      customerId,
      now: options.now,
    });
  } catch (error) {
    await finish(deps.db, request.id, "failed", (error as Error).message.slice(0, 1000));
    throw error;
  }
  const counts = Object.fromEntries(
    built.manifest.tables.map((t) => [`${t.store}.${t.table}`, t.rows]),
  );
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .updateTable("governance.access_requests")
      .set({
        package_path: built.path,
        package_bytes: built.bytes,
        package_sha256: built.sha256,
        manifest: JSON.stringify(built.manifest),
        produced_at: options.now ?? new Date(),
      })
      .where("request_id", "=", request.id)
      .execute();
    await trx
      .updateTable("governance.retention_requests")
      .set({
        status: "done",
        counts: JSON.stringify(counts),
        total_rows: built.manifest.rows,
        finished_at: sql<Date>`now()`,
        error: null,
        updated_at: sql<Date>`now()`,
      })
      .where("id", "=", request.id)
      .execute();
    await appendAuditEvent(trx, {
      actor: payload.actor ?? "worker",
      action: "retention.access.produced",
      target: `retention-request:${request.id}`,
      summary: { sha256: built.sha256, bytes: built.bytes, rows: built.manifest.rows },
    });
  });
  await deps.progress?.(100);
  return { outcome: "done", rows: built.manifest.rows, sha256: built.sha256 };
}

async function finish(db: Db, id: string, status: "failed", error: string): Promise<void> {
  await db
    .updateTable("governance.retention_requests")
    .set({ status, error, finished_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where("id", "=", id)
    .execute();
}
