import type { Category, Evidence, Sensitivity } from "../../schema/domain/classification.ts";
import type { Db } from "../../schema/postgres.ts";

/**
 * The catalog's current proposals and review states in the offline contract's shape
 * (`govern classify [--json]`): one entry per live column, `table` schema-qualified
 * (`public.customers`, `<clickhouse database>.revenue_daily`), JSON paths listed under their
 * column, plus each entry's review status and re-review flag.
 */

export type ProposalPath = {
  path: string;
  category: Category | null;
  sensitivity: Sensitivity | null;
  confidence: number | null;
  status: string;
  needs_rereview: boolean;
};

export type Decision = {
  category: string | null;
  sensitivity: string | null;
  by: string | null;
  at: string | null;
  comment: string | null;
};

export type ProposalEntry = {
  table: string;
  column: string;
  store: string;
  type: string;
  category: Category | null;
  sensitivity: Sensitivity | null;
  confidence: number | null;
  evidence: Evidence[];
  paths: ProposalPath[];
  status: string;
  needs_rereview: boolean;
  /** Why the scanner had no usable samples (unreadable, empty, all NULL so far), or null. */
  not_classifiable: string | null;
  decision: Decision | null;
};

/**
 * Calls `onEntry` for every live catalog column in catalog order (store, schema, table, column
 * position), reading one table's rows at a time so a catalog of any size streams.
 */
export async function forEachProposal(
  db: Db,
  onEntry: (entry: ProposalEntry) => void | Promise<void>,
): Promise<number> {
  const tables = await db
    .selectFrom("governance.catalog_tables")
    .select(["id", "store", "schema_name", "table_name"])
    .where("dropped_at", "is", null)
    .orderBy("store", "desc")
    .orderBy("schema_name")
    .orderBy("table_name")
    .execute();
  let count = 0;
  for (const table of tables) {
    const rows = await db
      .selectFrom("governance.catalog_columns")
      .selectAll()
      .where("table_id", "=", table.id)
      .where("dropped_at", "is", null)
      .orderBy("ordinal")
      .orderBy("column_name")
      .orderBy("json_path")
      .execute();
    let current: ProposalEntry | undefined;
    const flush = async () => {
      if (current) {
        count += 1;
        await onEntry(current);
      }
    };
    for (const row of rows) {
      const confidence = row.confidence === null ? null : Math.round(row.confidence * 100) / 100;
      if (row.json_path === "") {
        await flush();
        current = {
          table: `${table.schema_name}.${table.table_name}`,
          column: row.column_name,
          store: row.store,
          type: row.data_type,
          category: row.proposed_category as Category | null,
          sensitivity: row.proposed_sensitivity as Sensitivity | null,
          confidence,
          evidence: row.evidence as Evidence[],
          paths: [],
          status: row.review_status,
          needs_rereview: row.needs_rereview,
          not_classifiable: row.unclassifiable_reason,
          decision:
            row.review_status === "pending"
              ? null
              : {
                  category: row.decided_category,
                  sensitivity: row.decided_sensitivity,
                  by: row.decided_by,
                  at: row.decided_at ? new Date(row.decided_at).toISOString() : null,
                  comment: row.decision_comment,
                },
        };
      } else if (current && current.column === row.column_name) {
        current.paths.push({
          path: row.json_path,
          category: row.proposed_category as Category | null,
          sensitivity: row.proposed_sensitivity as Sensitivity | null,
          confidence,
          status: row.review_status,
          needs_rereview: row.needs_rereview,
        });
      }
    }
    await flush();
  }
  return count;
}
