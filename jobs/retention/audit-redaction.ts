import type pg from "pg";
import type { BatchRange, PlanTable } from "./execution-types.ts";
import type { RetentionRequest } from "./requests.ts";

/**
 * The platform's audit trigger copies each deleted (or updated) row into audit_logs. A retention
 * deletion that left a full copy there would not be a deletion: the copies this transaction just
 * made (same table, the keys of this batch's ledger rows, created now()) keep their audit event
 * but lose the data, which now points at the request.
 */
export async function redactAuditCopies(
  client: pg.PoolClient,
  request: RetentionRequest,
  plan: PlanTable,
  range: BatchRange,
  lit: (value: string) => string,
): Promise<void> {
  const marker = JSON.stringify({ redacted: true, retention_request: request.id });
  await client.query(
    `UPDATE public.audit_logs a
     SET old_values = CASE WHEN a.old_values IS NULL THEN NULL ELSE ${lit(marker)}::jsonb END,
         new_values = CASE WHEN a.new_values IS NULL OR a.action = 'DELETE' THEN NULL ELSE ${lit(marker)}::jsonb END
     WHERE a.tenant_id = ${lit(request.tenantId)}::uuid AND a.table_name = ${lit(plan.table)}
       AND a.created_at = now()
       AND a.record_id IN (
         SELECT l.key::uuid FROM governance.retention_ledger l
         WHERE l.request_id = ${lit(request.id)}::uuid AND l.table_name = ${lit(plan.table)}
           AND l.seq > ${BigInt(range.after)} AND l.seq <= ${BigInt(range.upto)})`,
  );
}
