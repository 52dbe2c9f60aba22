import { sql } from "kysely";
import { type Format, type TQualityRule, ZQualityRule } from "../../rules/quality/schema.ts";
import type { Db } from "../../schema/postgres.ts";
import { withReader } from "../../schema/tenant.ts";
import { platformTables } from "./catalog.ts";
import { saveRule } from "./rules.repository.ts";

/**
 * Suggested rules, decided by a steward like classification proposals:
 * - from the catalog: an accepted (or overridden) PII column of a category with a format
 *   validator gets a format validity rule (email → email, phone → phone, card → Luhn, bank
 *   account → IBAN);
 * - from profiling (one aggregate per table): a column almost always filled gets a completeness
 *   rule at its observed share, an all-distinct column a per-tenant uniqueness rule, a numeric
 *   column never negative a range rule.
 * A suggestion already decided (accepted or rejected) is not proposed again.
 */

const FORMAT_BY_CATEGORY: Record<string, Format> = {
  email: "email",
  phone: "phone",
  payment_card: "luhn",
  bank_account: "iban",
};

export type Suggestion = {
  id: string;
  ruleId: string;
  rule: TQualityRule;
  reason: string;
  origin: "catalog" | "profile";
  status: "proposed" | "accepted" | "rejected";
  createdAt: string;
  decidedBy: string | null;
};

function ruleId(...parts: string[]): string {
  return parts
    .join("_")
    .replace(/[^a-z0-9_]/g, "_")
    .slice(0, 100);
}

const NUMERIC = /^(smallint|integer|bigint|numeric|real|double precision)/;

/** Proposes rules for the given tables (default: every tenant table); returns how many are new. */
export async function generateSuggestions(
  db: Db,
  options: { tables?: string[] } = {},
): Promise<number> {
  const tables = await platformTables(db);
  const proposals: { rule: TQualityRule; reason: string; origin: "catalog" | "profile" }[] = [];
  const catalog = await db
    .selectFrom("governance.catalog_effective_columns")
    .select(["table_name", "column_name", "effective_category"])
    .where("schema_name", "=", "public")
    .where("review_status", "in", ["accepted", "overridden"])
    .where("json_path", "is", null)
    .where("dropped_at", "is", null)
    .execute();
  for (const c of catalog) {
    const format = FORMAT_BY_CATEGORY[c.effective_category ?? ""];
    if (
      !format ||
      !c.table_name ||
      !c.column_name ||
      !tables.get(c.table_name)?.columns.has(c.column_name)
    ) {
      continue;
    }
    if (options.tables && !options.tables.includes(c.table_name)) {
      continue;
    }
    proposals.push({
      origin: "catalog",
      reason: `${c.table_name}.${c.column_name} is accepted as ${c.effective_category} in the catalog`,
      rule: ZQualityRule.parse({
        id: ruleId(c.table_name, c.column_name, format, "format"),
        table: c.table_name,
        column: c.column_name,
        kind: "validity",
        check: { format, ignore_nulls: true },
        threshold: 0.99,
        severity: "warning",
        tenants: tables.get(c.table_name)?.tenant ? "per_tenant" : "all",
      }),
    });
  }

  const names = options.tables ?? [...tables].filter(([, t]) => t.tenant).map(([n]) => n);
  for (const name of names) {
    const table = tables.get(name);
    if (!table) {
      continue;
    }
    const cols = [...table.columns]
      .filter(
        ([c, info]) =>
          c !== "tenant_id" &&
          !["jsonb", "json", "bytea", "tsvector"].includes(info.udt) &&
          !info.type.endsWith("[]"),
      )
      .slice(0, 40);
    if (!cols.length) {
      continue;
    }
    const row = await withReader(db, async (trx) =>
      sql<Record<string, string | number | null>>`
        SELECT count(*) AS total, ${sql.join(
          cols.flatMap(([c, info], i) => [
            sql`count(${sql.ref(c)}) AS ${sql.id(`n${i}`)}`,
            sql`count(DISTINCT (tenant_id, ${sql.ref(c)})) AS ${sql.id(`d${i}`)}`,
            NUMERIC.test(info.type)
              ? sql`min(${sql.ref(c)})::float8 AS ${sql.id(`lo${i}`)}`
              : sql`NULL AS ${sql.id(`lo${i}`)}`,
          ]),
        )} FROM ${sql.table(`public.${name}`)}`.execute(trx),
    );
    const r = row.rows[0];
    const total = Number(r?.total ?? 0);
    if (!r || total < 10) {
      continue;
    }
    cols.forEach(([c, info], i) => {
      const nonNull = Number(r[`n${i}`] ?? 0);
      const distinct = Number(r[`d${i}`] ?? 0);
      const share = nonNull / total;
      const tenants = "per_tenant" as const;
      if (share >= 0.9 && share < 1 && !table.key.includes(c)) {
        proposals.push({
          origin: "profile",
          reason: `${name}.${c} is filled in ${(share * 100).toFixed(1)}% of ${total} rows`,
          rule: ZQualityRule.parse({
            id: ruleId(name, c, "completeness"),
            table: name,
            column: c,
            kind: "completeness",
            threshold: Math.floor(share * 100) / 100,
            severity: "warning",
            tenants,
          }),
        });
      }
      if (
        distinct === nonNull &&
        nonNull === total &&
        !table.key.includes(c) &&
        info.udt !== "bool"
      ) {
        proposals.push({
          origin: "profile",
          reason: `${name}.${c} has ${distinct} distinct values in ${total} rows (per tenant)`,
          rule: ZQualityRule.parse({
            id: ruleId(name, c, "unique"),
            table: name,
            column: c,
            kind: "uniqueness",
            threshold: 1,
            severity: "warning",
            tenants,
          }),
        });
      }
      const lo = r[`lo${i}`];
      if (lo !== null && lo !== undefined && Number(lo) >= 0 && NUMERIC.test(info.type)) {
        proposals.push({
          origin: "profile",
          reason: `${name}.${c} is never negative (min ${lo})`,
          rule: ZQualityRule.parse({
            id: ruleId(name, c, "non_negative"),
            table: name,
            column: c,
            kind: "validity",
            check: { range: { min: 0 }, ignore_nulls: true },
            threshold: 1,
            severity: "warning",
            tenants,
          }),
        });
      }
    });
  }
  let added = 0;
  for (const p of proposals) {
    const res = await db
      .insertInto("governance.quality_suggestions")
      .values({
        rule_id: p.rule.id,
        definition: JSON.stringify(p.rule),
        reason: p.reason,
        origin: p.origin,
      })
      .onConflict((oc) => oc.column("rule_id").doNothing())
      .executeTakeFirst();
    added += Number(res.numInsertedOrUpdatedRows ?? 0);
  }
  return added;
}

export async function listSuggestions(
  db: Db,
  status?: Suggestion["status"],
): Promise<Suggestion[]> {
  let q = db
    .selectFrom("governance.quality_suggestions")
    .selectAll()
    .orderBy("origin")
    .orderBy("rule_id");
  if (status) {
    q = q.where("status", "=", status);
  }
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    ruleId: r.rule_id,
    rule: ZQualityRule.parse(r.definition),
    reason: r.reason,
    origin: r.origin as Suggestion["origin"],
    status: r.status as Suggestion["status"],
    createdAt: r.created_at.toISOString(),
    decidedBy: r.decided_by,
  }));
}

/** Accepts (stores the rule, source `suggestion`) or rejects a proposed suggestion. */
export async function decideSuggestion(
  db: Db,
  id: string,
  action: "accept" | "reject",
  actor: string,
): Promise<Suggestion | undefined> {
  const row = await db
    .updateTable("governance.quality_suggestions")
    .set({
      status: action === "accept" ? "accepted" : "rejected",
      decided_by: actor,
      decided_at: sql`now()`,
    })
    .where("id", "=", id)
    .where("status", "=", "proposed")
    .returning(["definition"])
    .executeTakeFirst();
  if (!row) {
    return undefined;
  }
  if (action === "accept") {
    await saveRule(db, ZQualityRule.parse(row.definition), actor, "suggestion");
  }
  return (await listSuggestions(db)).find((s) => s.id === id);
}
