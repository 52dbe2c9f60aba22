import { sql } from "kysely";
import { loadQualityRules } from "../../rules/quality/loader.ts";
import { type TQualityRule, ZQualityRule } from "../../rules/quality/schema.ts";
import type { Db } from "../../schema/postgres.ts";
import type { RuleRecord } from "./types.ts";

/**
 * Rules come from two places: the files in rules/quality (built in, version 0) and the rules
 * stored through the console, CLI or API (governance.quality_rules, each change a new version in
 * quality_rule_versions). A stored rule with a built-in's id replaces it (an edit of the
 * built-in, audited like any other).
 */
export async function listRules(db: Db, dir?: string): Promise<RuleRecord[]> {
  const byId = new Map<string, RuleRecord>();
  for (const rule of loadQualityRules(dir)) {
    byId.set(rule.id, { rule, version: 0, source: "file" });
  }
  const stored = await db
    .selectFrom("governance.quality_rules")
    .select(["id", "version", "definition", "source"])
    .execute();
  for (const row of stored) {
    const parsed = ZQualityRule.safeParse(row.definition);
    if (parsed.success) {
      byId.set(row.id, { rule: parsed.data, version: row.version, source: row.source });
    }
  }
  return [...byId.values()].sort((a, b) => a.rule.id.localeCompare(b.rule.id));
}

/** Stores a rule as a new version (insert or update); returns the version written. */
export async function saveRule(
  db: Db,
  rule: TQualityRule,
  actor: string,
  source: "console" | "cli" | "api" | "suggestion",
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom("governance.quality_rules")
      .select("version")
      .where("id", "=", rule.id)
      .forUpdate()
      .executeTakeFirst();
    const version = (existing?.version ?? 0) + 1;
    const definition = JSON.stringify(rule);
    if (existing) {
      await trx
        .updateTable("governance.quality_rules")
        .set({ version, definition, updated_by: actor, updated_at: sql`now()` })
        .where("id", "=", rule.id)
        .execute();
    } else {
      await trx
        .insertInto("governance.quality_rules")
        .values({ id: rule.id, version, definition, source, created_by: actor, updated_by: actor })
        .execute();
    }
    await trx
      .insertInto("governance.quality_rule_versions")
      .values({ rule_id: rule.id, version, definition, changed_by: actor })
      .execute();
    return version;
  });
}
