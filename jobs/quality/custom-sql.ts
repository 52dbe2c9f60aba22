import { sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";
import { isUuid } from "../../schema/uuid.ts";
import type { PlatformTable } from "./catalog.ts";
import { guardCustomSql } from "./sql-guard.ts";

/** Bounds of one custom SQL evaluation. */
export type CustomSqlLimits = {
  /** statement_timeout of each statement, in milliseconds. */
  timeoutMs: number;
  /** Failing rows counted at most (the LIMIT wrapper); more reads as this many. */
  countCap: number;
  /** Failing rows returned as samples. */
  sampleSize: number;
};

export const DEFAULT_CUSTOM_LIMITS: CustomSqlLimits = {
  timeoutMs: 10_000,
  countCap: 1_000_000,
  sampleSize: 10,
};

export type CustomSqlOutcome = {
  failing: number;
  total: number;
  /** Sample rows of the failing set, as returned by the text (values are masked by callers). */
  samples: Record<string, unknown>[];
};

/**
 * Runs a checked custom SQL text (a SELECT of the failing rows) for one tenant: in a READ ONLY
 * transaction, `app.tenant_id` set, then `SET LOCAL ROLE govern_quality` (SELECT on tenant
 * tables only, its own RLS policy on app.tenant_id), `statement_timeout`, and the text inside a
 * LIMIT wrapper whose limit is a bind parameter — so the statement always goes through the
 * extended protocol (Parse/Bind/Execute), which refuses more than one command even if the
 * parser check were bypassed. Rows in scope: count(*) of the rule's table under the same RLS.
 */
export async function runCustomSql(
  db: Db,
  tables: Map<string, PlatformTable>,
  input: { sql: string; table: string; tenantId: string },
  limits: CustomSqlLimits = DEFAULT_CUSTOM_LIMITS,
): Promise<CustomSqlOutcome> {
  if (!isUuid(input.tenantId)) {
    throw new TypeError("tenantId must be a UUID");
  }
  const readable = new Set([...tables].filter(([, t]) => t.customReadable).map(([n]) => n));
  const guarded = await guardCustomSql(input.sql, { tables: readable });
  if (!readable.has(input.table)) {
    throw new Error(`table public.${input.table} is not a tenant table custom SQL may read`);
  }
  return db
    .transaction()
    .setAccessMode("read only")
    .execute(async (trx) => {
      await sql`SELECT set_config('app.tenant_id', ${input.tenantId}, true),
                       set_config('statement_timeout', ${String(limits.timeoutMs)}, true),
                       set_config('lock_timeout', '1000', true)`.execute(trx);
      await sql`SET LOCAL ROLE govern_quality`.execute(trx);
      const body = sql.raw(guarded.text);
      const failing = await sql<{ n: number }>`
        SELECT count(*) AS n FROM (SELECT 1 FROM (
${body}
) AS q LIMIT ${limits.countCap}) AS c`.execute(trx);
      const samples = await sql<Record<string, unknown>>`
        SELECT * FROM (
${body}
) AS q LIMIT ${limits.sampleSize}`.execute(trx);
      const total = await sql<{ n: number }>`
        SELECT count(*) AS n FROM ${sql.table(`public.${input.table}`)}
        WHERE ${limits.countCap} > 0`.execute(trx);
      return {
        failing: Number(failing.rows[0]?.n ?? 0),
        total: Number(total.rows[0]?.n ?? 0),
        samples: samples.rows,
      };
    });
}
