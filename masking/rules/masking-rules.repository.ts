import { sql } from "kysely";
import type { Db } from "../../schema/postgres.ts";
import { MaskingError } from "../masking-error.ts";
import { STRATEGIES, type Strategy, type StrategyParams } from "../strategies/strategies.ts";

/** Where a rule applies: one column, or one JSONB key path inside it. */
export type RuleTarget = {
  store?: "postgres" | "clickhouse";
  schema?: string;
  table: string;
  column: string;
  /** '' (default) = the column itself; else e.g. `address.street`, `items[].email`, `[].line1`. */
  jsonPath?: string;
};

export type MaskingRule = {
  id: string;
  store: string;
  schema: string;
  table: string;
  column: string;
  jsonPath: string;
  strategy: Strategy;
  params: StrategyParams;
  version: number;
  setBy: string;
  setAt: Date;
  reason: string | null;
};

export type MaskingRuleVersion = Omit<MaskingRule, "id"> & { ruleId: string };

type RuleRow = {
  id: string;
  store: string;
  schema_name: string;
  table_name: string;
  column_name: string;
  json_path: string;
  strategy: string;
  params: unknown;
  version: number;
  set_by: string;
  set_at: Date;
  reason: string | null;
};

function toRule(r: RuleRow): MaskingRule {
  return {
    id: r.id,
    store: r.store,
    schema: r.schema_name,
    table: r.table_name,
    column: r.column_name,
    jsonPath: r.json_path,
    strategy: r.strategy as Strategy,
    params: (r.params ?? {}) as StrategyParams,
    version: r.version,
    setBy: r.set_by,
    setAt: r.set_at,
    reason: r.reason,
  };
}

/** The rules in force, optionally for one table, ordered by table, column, path. */
export async function listMaskingRules(
  db: Db,
  filter: { table?: string; store?: string } = {},
): Promise<MaskingRule[]> {
  let q = db.selectFrom("governance.masking_rules").selectAll();
  if (filter.table) {
    q = q.where("table_name", "=", filter.table);
  }
  if (filter.store) {
    q = q.where("store", "=", filter.store);
  }
  const rows = await q.orderBy("table_name").orderBy("column_name").orderBy("json_path").execute();
  return rows.map((r) => toRule(r as RuleRow));
}

/**
 * Sets the rule for a column or JSONB path (a new version each time; every version kept in
 * governance.masking_rule_versions). The column must be known to the catalog. strategy 'allow'
 * (copy as is) needs a reason. The caller records the audit event (route / CLI).
 * Throws MaskingError('invalid') for an unknown strategy or column, or a missing reason.
 */
export async function setMaskingRule(
  db: Db,
  input: RuleTarget & {
    strategy: Strategy;
    params?: StrategyParams;
    reason?: string | null;
    setBy: string;
  },
): Promise<MaskingRule> {
  if (!(STRATEGIES as readonly string[]).includes(input.strategy)) {
    throw new MaskingError("invalid", `unknown strategy ${input.strategy}`);
  }
  if (input.strategy === "allow" && !input.reason?.trim()) {
    throw new MaskingError("invalid", "allowing a column as is needs a reason");
  }
  const store = input.store ?? "postgres";
  const schema = input.schema ?? "public";
  const jsonPath = input.jsonPath ?? "";
  const known = await db
    .selectFrom("governance.catalog_columns")
    .select("id")
    .where("store", "=", store)
    .where("schema_name", "=", schema)
    .where("table_name", "=", input.table)
    .where("column_name", "=", input.column)
    .where("dropped_at", "is", null)
    .executeTakeFirst();
  if (!known) {
    throw new MaskingError(
      "invalid",
      `${input.table}.${input.column} is not in the catalog (run govern classify first)`,
    );
  }
  return db.transaction().execute(async (trx) => {
    const row = (await trx
      .insertInto("governance.masking_rules")
      .values({
        store,
        schema_name: schema,
        table_name: input.table,
        column_name: input.column,
        json_path: jsonPath,
        strategy: input.strategy,
        params: JSON.stringify(input.params ?? {}),
        set_by: input.setBy,
        reason: input.reason ?? null,
      })
      .onConflict((oc) =>
        oc.columns(["store", "schema_name", "table_name", "column_name", "json_path"]).doUpdateSet({
          strategy: (eb) => eb.ref("excluded.strategy"),
          params: (eb) => eb.ref("excluded.params"),
          set_by: (eb) => eb.ref("excluded.set_by"),
          reason: (eb) => eb.ref("excluded.reason"),
          set_at: sql`now()`,
          version: sql`governance.masking_rules.version + 1`,
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow()) as RuleRow;
    await trx
      .insertInto("governance.masking_rule_versions")
      .values({
        rule_id: row.id,
        version: row.version,
        store: row.store,
        schema_name: row.schema_name,
        table_name: row.table_name,
        column_name: row.column_name,
        json_path: row.json_path,
        strategy: row.strategy,
        params: JSON.stringify(row.params ?? {}),
        set_by: row.set_by,
        set_at: row.set_at,
        reason: row.reason,
      })
      .execute();
    return toRule(row);
  });
}

/** Every version of the rule of one column or path, newest first. */
export async function maskingRuleHistory(
  db: Db,
  target: RuleTarget,
): Promise<MaskingRuleVersion[]> {
  const rows = await db
    .selectFrom("governance.masking_rule_versions")
    .selectAll()
    .where("store", "=", target.store ?? "postgres")
    .where("schema_name", "=", target.schema ?? "public")
    .where("table_name", "=", target.table)
    .where("column_name", "=", target.column)
    .where("json_path", "=", target.jsonPath ?? "")
    .orderBy("version", "desc")
    .execute();
  return rows.map((r) => {
    const { id: _id, ...rest } = toRule({ ...r, id: r.rule_id } as unknown as RuleRow);
    return { ...rest, ruleId: r.rule_id };
  });
}
