import { sql } from "kysely";
import { CATEGORIES, type Category } from "../../schema/domain/classification.ts";
import type { Db } from "../../schema/postgres.ts";
import { defaultRule } from "../rules/defaults.ts";
import { listMaskingRules, type MaskingRule } from "../rules/masking-rules.repository.ts";
import type { Strategy, StrategyParams } from "../strategies/strategies.ts";

/**
 * The fail-closed gate and the masking plan: every column of every table provisioning would copy,
 * with the rule that applies to it. A column blocks when the catalog does not know it (added
 * since the last scan) or when its catalog row (or one of its JSONB paths) blocks provisioning
 * (a personal-data proposal pending review, a column the scanner had no usable samples of and
 * no steward has decided, or a decision flagged for re-review).
 */

/** Where a rule came from: a steward's rule, the category's default, or no personal data. */
export type RuleSource = "rule" | "default" | "none";

export type PathPlan = {
  path: string;
  category: Category;
  strategy: Strategy;
  params: StrategyParams;
  ruleSource: RuleSource;
};

export type ColumnPlan = {
  column: string;
  /** format_type(): e.g. `character varying(255)`, `jsonb`, `text[]`, `numeric(12,2)`. */
  type: string;
  /** pg_type.typcategory of the column (S string, U jsonb/uuid/bytea..., A array, D date, N numeric, I inet). */
  typeCategory: string;
  /** For arrays: the element type's category. */
  elementCategory: string | null;
  /** The underlying type name (udt), e.g. varchar, jsonb, _text, bytea, inet. */
  udt: string;
  nullable: boolean;
  category: Category;
  strategy: Strategy;
  params: StrategyParams;
  ruleSource: RuleSource;
  paths: PathPlan[];
};

export type TablePlan = {
  table: string;
  /** r = table, p = partitioned table (rows copied through the parent). */
  kind: "r" | "p";
  estimatedRows: number;
  columns: ColumnPlan[];
};

export type BlockReason =
  | "unknown_column"
  | "unclassified"
  /** Pending, and the scanner had no usable samples (unreadable, empty, all NULL so far). */
  | "not_classifiable"
  | "pending_review"
  | "needs_rereview";

export type GateResult =
  | { kind: "ok"; tables: TablePlan[] }
  | {
      kind: "refused";
      /** Every blocking column as `table.column`, sorted. */
      blocking: string[];
      reasons: Record<string, BlockReason>;
      /** Why a `not_classifiable` column could not be classified, by `table.column`. */
      details?: Record<string, string>;
      /** The plan of every column that does not block (the rule preview works while closed). */
      tables?: TablePlan[];
    };

type SourceColumn = {
  table_name: string;
  relkind: string;
  estimated_rows: number;
  column_name: string;
  type: string;
  typcategory: string;
  elemcategory: string | null;
  udt: string;
  nullable: boolean;
};

/** Every column of every table (partitions excluded: copied through their parent) in `schema`. */
export async function sourceColumns(source: Db, schema = "public"): Promise<SourceColumn[]> {
  const r = await sql<SourceColumn>`
    SELECT c.relname AS table_name, c.relkind::text AS relkind,
           greatest(c.reltuples, 0)::bigint AS estimated_rows,
           a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type,
           t.typcategory::text AS typcategory, et.typcategory::text AS elemcategory,
           t.typname::text AS udt, NOT a.attnotnull AS nullable
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    JOIN pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
    WHERE n.nspname = ${schema} AND c.relkind IN ('r', 'p') AND NOT c.relispartition
    ORDER BY c.relname, a.attnum`.execute(source);
  return r.rows;
}

type CatalogRow = {
  table_name: string;
  column_name: string;
  json_path: string;
  effective_category: string | null;
  review_status: string;
  needs_rereview: boolean;
  blocks_provisioning: boolean;
  unclassifiable_reason: string | null;
};

function ruleKey(table: string, column: string, path: string): string {
  return `${table}\u0000${column}\u0000${path}`;
}

function resolve(
  category: Category,
  rule: MaskingRule | undefined,
  columnOrPath: string,
): { strategy: Strategy; params: StrategyParams; ruleSource: RuleSource } {
  if (rule) {
    return { strategy: rule.strategy, params: rule.params, ruleSource: "rule" };
  }
  if (category === "none") {
    return { strategy: "allow", params: {}, ruleSource: "none" };
  }
  return { ...defaultRule(category, columnOrPath), ruleSource: "default" };
}

/**
 * Checks every source column against the catalog and resolves the rule of each column and JSONB
 * path. `db` holds governance (catalog, rules); `source` is the operational store (often the
 * same database).
 */
export async function checkProvisioningGate(
  deps: { db: Db; source: Db },
  options: { schema?: string } = {},
): Promise<GateResult> {
  const schema = options.schema ?? "public";
  const columns = await sourceColumns(deps.source, schema);
  const catalog = await sql<CatalogRow>`
    SELECT table_name, column_name, json_path, effective_category, review_status,
           needs_rereview, blocks_provisioning, unclassifiable_reason
    FROM governance.catalog_effective_columns
    WHERE store = 'postgres' AND schema_name = ${schema} AND dropped_at IS NULL`.execute(deps.db);
  const rules = new Map(
    (await listMaskingRules(deps.db, { store: "postgres" }))
      .filter((r) => r.schema === schema)
      .map((r) => [ruleKey(r.table, r.column, r.jsonPath), r]),
  );
  const byColumn = new Map<string, CatalogRow[]>();
  for (const row of catalog.rows) {
    const k = ruleKey(row.table_name, row.column_name, "");
    byColumn.set(k, [...(byColumn.get(k) ?? []), row]);
  }

  const reasons: Record<string, BlockReason> = {};
  const details: Record<string, string> = {};
  const tables = new Map<string, TablePlan>();
  for (const c of columns) {
    const name = `${c.table_name}.${c.column_name}`;
    const rows = byColumn.get(ruleKey(c.table_name, c.column_name, "")) ?? [];
    const self = rows.find((r) => r.json_path === "");
    if (!self) {
      reasons[name] = "unknown_column";
      continue;
    }
    const blocking = rows.find((r) => r.blocks_provisioning);
    if (blocking) {
      // "No evidence" is never "no personal data": a column the scanner could not sample
      // waits for a steward's decision, named with the reason.
      const unsampled = blocking.needs_rereview ? null : self.unclassifiable_reason;
      reasons[name] = blocking.needs_rereview
        ? "needs_rereview"
        : unsampled
          ? "not_classifiable"
          : "pending_review";
      if (unsampled) {
        details[name] = unsampled;
      }
      continue;
    }
    const category = self.effective_category as Category | null;
    if (!category || !(CATEGORIES as readonly string[]).includes(category)) {
      reasons[name] = "unclassified";
      continue;
    }
    const paths: PathPlan[] = [];
    for (const p of rows.filter((r) => r.json_path !== "")) {
      const pathCategory = (p.effective_category ?? "none") as Category;
      const rule = rules.get(ruleKey(c.table_name, c.column_name, p.json_path));
      if (pathCategory === "none" && !rule) {
        continue;
      }
      paths.push({
        path: p.json_path,
        category: pathCategory,
        ...resolve(pathCategory, rule, p.json_path),
      });
    }
    // A steward's rule on a path the scanner never saw still applies.
    for (const [k, rule] of rules) {
      if (
        k.startsWith(ruleKey(c.table_name, c.column_name, "")) &&
        rule.jsonPath !== "" &&
        !paths.some((p) => p.path === rule.jsonPath)
      ) {
        paths.push({ path: rule.jsonPath, category: "none", ...resolve("none", rule, "") });
      }
    }
    const plan: ColumnPlan = {
      column: c.column_name,
      type: c.type,
      typeCategory: c.typcategory,
      elementCategory: c.elemcategory,
      udt: c.udt,
      nullable: c.nullable,
      category,
      ...resolve(category, rules.get(ruleKey(c.table_name, c.column_name, "")), c.column_name),
      paths,
    };
    const table = tables.get(c.table_name) ?? {
      table: c.table_name,
      kind: c.relkind === "p" ? "p" : "r",
      estimatedRows: Number(c.estimated_rows),
      columns: [],
    };
    table.columns.push(plan);
    tables.set(c.table_name, table);
  }
  const blocking = Object.keys(reasons).sort();
  if (blocking.length > 0) {
    return { kind: "refused", blocking, reasons, details, tables: [...tables.values()] };
  }
  return { kind: "ok", tables: [...tables.values()] };
}
