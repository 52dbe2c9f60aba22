import { sql } from "kysely";
import type { TTieringPolicy } from "../../rules/tiering/schema.ts";
import type { Db } from "../../schema/postgres.ts";
import { activeInvestigation } from "../retention/holds.ts";
import { OPEN_STATUSES } from "../retention/requests.ts";
import { quoted, type TableInfo } from "./tables.ts";

/**
 * What keeps rows where they are. Tiering moves nothing that a legal hold covers, nothing of a
 * SOX-governed table while the SOX investigation flag is set, and nothing about a person with an
 * open erasure request. Rows of customers active recently stay hot when the policy says so.
 * Everything here fails closed: a hold narrowed to a customer covers every row of a table
 * without a customer column.
 */

/** SQL (alias `t`) true for a row that must not move; `table` is checked against the catalog. */
export function pgBlockedRow(info: TableInfo, policy: TTieringPolicy, alias = "t"): string {
  const date = `${alias}.${quoted(policy.date_column)}`;
  const customer = info.customerColumn ? `${alias}.${quoted(info.customerColumn)}` : "NULL::uuid";
  const table = info.table.replaceAll("'", "''");
  const hold = `EXISTS (SELECT 1 FROM governance.legal_holds h
      WHERE h.released_at IS NULL
        AND (h.tenant_id IS NULL OR h.tenant_id = ${alias}.tenant_id)
        AND (h.table_name IS NULL OR h.table_name = '${table}')
        AND (h.customer_id IS NULL OR ${customer} IS NULL OR h.customer_id = ${customer})
        AND (h.date_from IS NULL OR ${date} IS NULL OR ${date} >= h.date_from)
        AND (h.date_to IS NULL OR ${date} IS NULL OR ${date} <= h.date_to))`;
  const statuses = OPEN_STATUSES.map((s) => `'${s}'`).join(", ");
  const erasure = info.customerColumn
    ? `EXISTS (SELECT 1 FROM governance.retention_requests r
        WHERE r.kind = 'erasure' AND r.status IN (${statuses})
          AND r.tenant_id = ${alias}.tenant_id
          AND r.subject->>'customer_id' = ${customer}::text)`
    : `EXISTS (SELECT 1 FROM governance.retention_requests r
        WHERE r.kind = 'erasure' AND r.status IN (${statuses})
          AND r.tenant_id = ${alias}.tenant_id
          AND '${table}' = ANY (SELECT jsonb_object_keys(r.counts)))`;
  const parts = [hold, erasure];
  if (policy.business_rules.retain_active_customers && info.customerColumn) {
    const days = Math.trunc(policy.business_rules.active_customer_days);
    parts.push(`EXISTS (SELECT 1 FROM public.customers c
        WHERE c.tenant_id = ${alias}.tenant_id AND c.id = ${customer}
          AND c.last_interaction_at >= now() - interval '${days} days')`);
  }
  return `(${parts.join(" OR ")})`;
}

/** Why a whole table must not move now (the SOX investigation flag), or undefined. */
export async function tableBlocker(db: Db, policy: TTieringPolicy): Promise<string | undefined> {
  const regs = policy.business_rules.comply_with_regulations as string[];
  if (regs.includes("SOX") || policy.table === "audit_logs") {
    const flag = await activeInvestigation(db, "SOX");
    if (flag) {
      return `SOX investigation flag set (${flag.reason})`;
    }
  }
  return undefined;
}

/**
 * Tenants none of whose rows in the cold tier may go to the archive (or be rewritten there):
 * every tenant under an active hold on this table (any scope), or with an open erasure request.
 * `all` when a hold covers every tenant.
 */
export async function frozenTenants(
  db: Db,
  table: string,
): Promise<{ all: boolean; tenants: string[] }> {
  const holds = await sql<{ tenant_id: string | null }>`
    SELECT DISTINCT tenant_id FROM governance.legal_holds
    WHERE released_at IS NULL AND (table_name IS NULL OR table_name = ${table})`.execute(db);
  const erasures = await sql<{ tenant_id: string }>`
    SELECT DISTINCT tenant_id FROM governance.retention_requests
    WHERE kind = 'erasure' AND status = ANY(${[...OPEN_STATUSES]}::text[])`.execute(db);
  const all = holds.rows.some((h) => h.tenant_id === null);
  const tenants = new Set<string>();
  for (const row of [...holds.rows, ...erasures.rows]) {
    if (row.tenant_id) {
      tenants.add(row.tenant_id);
    }
  }
  return { all, tenants: [...tenants].sort() };
}
