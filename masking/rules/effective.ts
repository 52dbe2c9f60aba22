import { sql } from "kysely";
import type { TRuleRow } from "../../schema/contracts/datasets.ts";
import type { Category } from "../../schema/domain/classification.ts";
import type { Db } from "../../schema/postgres.ts";
import { defaultRule } from "./defaults.ts";
import { listMaskingRules } from "./masking-rules.repository.ts";

/**
 * The effective masking rules: every personal-data column and JSONB path the catalog knows, with
 * the rule in force (a steward's, or its category's default), plus every steward rule on a column
 * the catalog no longer calls personal (e.g. allowed as is). The console's and the API's rules table.
 */
export type EffectiveRule = TRuleRow;

type CatalogRow = {
  id: string;
  table_name: string;
  column_name: string;
  json_path: string;
  effective_category: string | null;
  review_status: string;
  blocks_provisioning: boolean;
};

export async function effectiveMaskingRules(
  db: Db,
  filter: { table?: string },
): Promise<EffectiveRule[]> {
  const catalog = await sql<CatalogRow>`
    SELECT id, table_name, column_name, json_path, effective_category, review_status,
           blocks_provisioning
    FROM governance.catalog_effective_columns
    WHERE store = 'postgres' AND schema_name = 'public' AND dropped_at IS NULL
      AND (is_pii OR blocks_provisioning)
      AND (${filter.table ?? null}::text IS NULL OR table_name = ${filter.table ?? null})
    ORDER BY table_name, column_name, json_path`.execute(db);
  const rules = await listMaskingRules(db, { store: "postgres", table: filter.table });
  const key = (t: string, c: string, p: string) => `${t}\u0000${c}\u0000${p}`;
  const byKey = new Map(
    rules.filter((r) => r.schema === "public").map((r) => [key(r.table, r.column, r.jsonPath), r]),
  );
  const rows: EffectiveRule[] = [];
  const seen = new Set<string>();
  for (const c of catalog.rows) {
    const k = key(c.table_name, c.column_name, c.json_path);
    seen.add(k);
    const rule = byKey.get(k);
    const category = (c.effective_category ?? "none") as Category;
    const fallback = defaultRule(category, c.json_path || c.column_name);
    rows.push({
      catalogColumnId: c.id,
      table: c.table_name,
      column: c.column_name,
      jsonPath: c.json_path,
      category: c.effective_category,
      reviewStatus: c.review_status,
      blocksProvisioning: c.blocks_provisioning,
      strategy: rule?.strategy ?? fallback.strategy,
      params: (rule?.params ?? fallback.params) as Record<string, unknown>,
      source: rule ? "rule" : "default",
      version: rule?.version ?? null,
      setBy: rule?.setBy ?? null,
      setAt: rule ? new Date(rule.setAt).toISOString() : null,
      reason: rule?.reason ?? null,
    });
  }
  for (const [k, rule] of byKey) {
    if (seen.has(k)) {
      continue;
    }
    rows.push({
      catalogColumnId: null,
      table: rule.table,
      column: rule.column,
      jsonPath: rule.jsonPath,
      category: null,
      reviewStatus: null,
      blocksProvisioning: false,
      strategy: rule.strategy,
      params: rule.params as Record<string, unknown>,
      source: "rule",
      version: rule.version,
      setBy: rule.setBy,
      setAt: new Date(rule.setAt).toISOString(),
      reason: rule.reason,
    });
  }
  return rows.sort((a, b) =>
    `${a.table}.${a.column}.${a.jsonPath}`.localeCompare(`${b.table}.${b.column}.${b.jsonPath}`),
  );
}
