import { z } from "@hono/zod-openapi";
import { sql } from "kysely";
import { checkProvisioningGate } from "../../../masking/provision/plan.ts";
import type { Db } from "../../../schema/postgres.ts";

export const ZBlockingColumn = z
  .object({
    column: z.string().openapi({ example: "customers.backup_email" }),
    reason: z.string().openapi({ example: "unknown_column" }),
    /** Why a `not_classifiable` column had no usable samples (unreadable, empty, all NULL). */
    detail: z.string().nullable().openapi({
      example: "not sampled: govern_reader may not select from it",
    }),
    /** The catalog entry to review, when the catalog knows the column. */
    catalogColumnId: z.string().nullable(),
  })
  .openapi("BlockingColumn");
export type TBlockingColumn = z.infer<typeof ZBlockingColumn>;

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
