import { sql } from "kysely";
import type { Category } from "../../schema/domain/classification.ts";
import { reviewColumns } from "../../schema/governance/catalog-review.repository.ts";
import type { Db } from "../../schema/postgres.ts";

/**
 * A steward's overrides on one table, whatever the scanner proposed: `[column, jsonPath ("" for
 * the column itself), category]`. An entry the catalog does not know is passed over.
 */
export async function overrideColumns(
  db: Db,
  table: string,
  decisions: [column: string, path: string, category: Category][],
): Promise<void> {
  for (const [column, path, category] of decisions) {
    const ids = await sql<{ id: string }>`
      SELECT id::text AS id FROM governance.catalog_columns
      WHERE table_name = ${table} AND column_name = ${column} AND json_path = ${path}`.execute(db);
    if (ids.rows.length > 0) {
      await reviewColumns(db, {
        target: { ids: ids.rows.map((r) => r.id) },
        action: "override",
        category,
        actor: "steward@test",
      });
    }
  }
}
