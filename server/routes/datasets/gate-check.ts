import { sql } from "kysely";
import { checkProvisioningGate } from "../../../masking/provision/plan.ts";
import type { TBlockingColumn } from "../../../schema/contracts/datasets.ts";
import type { Db } from "../../../schema/postgres.ts";

/**
 * The masking engine's gate, with each blocking column's catalog id attached so the console can
 * link to its review page (unknown columns have none: they need a scan first).
 */
export async function blockingColumns(db: Db): Promise<TBlockingColumn[]> {
  const gate = await checkProvisioningGate({ db, source: db });
  if (gate.kind === "ok") {
    return [];
  }
  const ids = await sql<{ name: string; id: string }>`
    SELECT table_name || '.' || column_name AS name, id
    FROM governance.catalog_columns
    WHERE store = 'postgres' AND schema_name = 'public' AND json_path = '' AND dropped_at IS NULL
      AND table_name || '.' || column_name = ANY(${gate.blocking}::text[])`.execute(db);
  const byName = new Map(ids.rows.map((r) => [r.name, r.id]));
  return gate.blocking.map((column) => ({
    column,
    reason: gate.reasons[column] ?? "blocked",
    detail: gate.details?.[column] ?? null,
    catalogColumnId: byName.get(column) ?? null,
  }));
}
