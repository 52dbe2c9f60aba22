import { createHash } from "node:crypto";
import { sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";

/**
 * The deletion certificate: what was deleted or anonymized, when, on whose request and whose
 * approval, counts per table, the key-set hashes that tie plan, ledger and archive together, and
 * the archive's checksums (and, for an erasure, the proof that the person's identifiers are gone).
 * Stored once per request (append-only) with the sha256 of its canonical JSON.
 */
export type CertificateBody = {
  certificate: "govern.retention.deletion-certificate/v1";
  requestId: string;
  kind: "retention" | "erasure" | "access";
  policy: { id: string; version: number } | null;
  tenantId: string;
  subject: Record<string, unknown>;
  cutoff: string | null;
  requestedBy: string;
  requestedAt: string;
  approvedBy: string | null;
  approvedAt: string | null;
  approvalReason: string | null;
  executedBy: string;
  startedAt: string;
  finishedAt: string;
  fingerprint: string;
  /**
   * Per table: planned keys, rows acted on (ledger), action, archived rows. A table whose rows
   * were treated two ways (an erasure's "anonymize + scrub") also counts rows per action.
   */
  tables: Record<
    string,
    {
      planned: number;
      done: number;
      action: string;
      byAction?: Record<string, number>;
      archived: number | null;
      skipped: number;
    }
  >;
  keySet: { planned: string | null; ledger: string; archived: string | null };
  /**
   * Planned rows left alone because they no longer qualified when their batch ran (the policy
   * re-applied: e.g. a customer reactivated after planning), per table: how many, and their keys
   * (the first 1,000). Absent when every planned row still qualified.
   */
  skipped?: Record<string, { rows: number; keys: string[] }>;
  archive: {
    manifest: string;
    manifestSha256: string;
    files: { table: string; path: string; rows: number; sha256: string; bytes: number }[];
  } | null;
  execution: { batches: number; longestBatchLockMs: number; rowsPerSecond: number };
  proof?: unknown;
};

export type StoredCertificate = {
  requestId: string;
  body: CertificateBody;
  sha256: string;
  issuedAt: Date;
};

/** JSON with object keys sorted, so the same certificate always hashes the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
        )
      : v,
  );
}

/** Stores the certificate unless one exists (a retried finish keeps the first), and returns it. */
export async function storeCertificate(db: Db, body: CertificateBody): Promise<StoredCertificate> {
  const sha256 = createHash("sha256").update(canonicalJson(body)).digest("hex");
  await sql`
    INSERT INTO governance.retention_certificates (request_id, body, sha256)
    VALUES (${body.requestId}, ${canonicalJson(body)}::jsonb, ${sha256})
    ON CONFLICT (request_id) DO NOTHING`.execute(db);
  const stored = await getCertificate(db, body.requestId);
  if (!stored) {
    throw new Error(`certificate of ${body.requestId} vanished`);
  }
  return stored;
}

export async function getCertificate(
  db: Db,
  requestId: string,
): Promise<StoredCertificate | undefined> {
  const row = await db
    .selectFrom("governance.retention_certificates")
    .select(["request_id", "body", "sha256", "issued_at"])
    .where("request_id", "=", requestId)
    .executeTakeFirst();
  return row
    ? {
        requestId: row.request_id,
        body: row.body as unknown as CertificateBody,
        sha256: row.sha256,
        issuedAt: row.issued_at,
      }
    : undefined;
}

/** The sha256 (hex) of a certificate body's canonical JSON: what is stored next to it. */
export function certificateHash(body: unknown): string {
  return createHash("sha256").update(canonicalJson(body)).digest("hex");
}

/** Recomputes a stored certificate's hash: true when its body is what was issued. */
export function verifyCertificate(certificate: StoredCertificate): boolean {
  return (
    createHash("sha256").update(canonicalJson(certificate.body)).digest("hex") ===
    certificate.sha256
  );
}
