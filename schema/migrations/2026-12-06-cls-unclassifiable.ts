import { type Kysely, sql } from "kysely";

/**
 * "No evidence" is not "no PII" (issue 14): a column the scanner could not sample usefully
 * (unreadable by govern_reader, an empty table, every value NULL so far) records why in
 * `unclassifiable_reason`, and blocks provisioning while it is pending, until a steward decides
 * (accept as none, reject, or override). Frozen once released; the view is recreated because
 * `c.*` gains the new column.
 */

const EFFECTIVE_CATEGORY = `(CASE WHEN review_status IN ('accepted', 'overridden', 'rejected')
  THEN decided_category ELSE proposed_category END)`;

const DDL = /* sql */ `
ALTER TABLE governance.catalog_columns ADD COLUMN unclassifiable_reason TEXT;

DROP VIEW governance.catalog_effective_columns;
CREATE VIEW governance.catalog_effective_columns AS
SELECT c.*,
    ${EFFECTIVE_CATEGORY} AS effective_category,
    (CASE WHEN review_status IN ('accepted', 'overridden', 'rejected')
      THEN coalesce(decided_sensitivity, proposed_sensitivity) ELSE proposed_sensitivity END)
      AS effective_sensitivity,
    (${EFFECTIVE_CATEGORY} IS NOT NULL AND ${EFFECTIVE_CATEGORY} <> 'none') AS is_pii,
    (dropped_at IS NULL AND (needs_rereview OR
      (review_status = 'pending' AND (coalesce(proposed_category, 'none') <> 'none'
        OR unclassifiable_reason IS NOT NULL))))
      AS blocks_provisioning
FROM governance.catalog_columns c;
`;

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen and must not depend on app types
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(DDL).execute(db);
}
