import { type Kysely, sql, type Transaction } from "kysely";
import { isUuid } from "./uuid.ts";

export type TenantContext = { tenantId: string; userId?: string };

/**
 * Runs `fn` in a transaction whose `app.tenant_id` (and `app.user_id`) are set with
 * `set_config(..., true)`: transaction-local, so a pooled connection never carries one
 * request's tenant into the next, even when `fn` throws.
 */
export async function withTenant<DB, T>(
  db: Kysely<DB>,
  context: TenantContext,
  fn: (trx: Transaction<DB>) => Promise<T>,
): Promise<T> {
  if (!isUuid(context.tenantId)) {
    throw new TypeError(`tenantId must be a UUID, got ${JSON.stringify(context.tenantId)}`);
  }
  if (context.userId !== undefined && !isUuid(context.userId)) {
    throw new TypeError(`userId must be a UUID, got ${JSON.stringify(context.userId)}`);
  }
  return db.transaction().execute(async (trx) => {
    await sql`SELECT set_config('app.tenant_id', ${context.tenantId}, true),
                     set_config('app.user_id', ${context.userId ?? ""}, true)`.execute(trx);
    return fn(trx);
  });
}

/**
 * Runs `fn` as govern_reader (SET LOCAL ROLE inside a transaction): every tenant's rows,
 * read-only. Scanning, quality, tiering, retention planning and ETL read through this.
 */
export async function withReader<DB, T>(
  db: Kysely<DB>,
  fn: (trx: Transaction<DB>) => Promise<T>,
): Promise<T> {
  return db
    .transaction()
    .setAccessMode("read only")
    .execute(async (trx) => {
      await sql`SET LOCAL ROLE govern_reader`.execute(trx);
      return fn(trx);
    });
}
