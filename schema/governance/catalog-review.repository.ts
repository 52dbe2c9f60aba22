import { type Expression, type SqlBool, sql } from "kysely";
import {
  CATEGORIES,
  type Category,
  SENSITIVITIES,
  type Sensitivity,
} from "../domain/classification.ts";
import type { Db } from "../postgres.ts";
import { isUuid } from "../uuid.ts";

/**
 * The steward's side of the catalog: decisions on proposals (accept, reject, override), in bulk
 * or one by one, and acknowledging drift. The scanner never writes decided_*; this is the only
 * writer, and every decision leaves a review event.
 */

export type ReviewAction = "accept" | "reject" | "override";

export type ReviewFilter = {
  /** The proposed category. */
  category?: Category;
  /** Proposals at least this confident (0..1). */
  minConfidence?: number;
  schema?: string;
  table?: string;
  store?: "postgres" | "clickhouse";
};

export type ReviewTarget = { ids: string[] } | { filter: ReviewFilter };

export type ReviewInput = {
  target: ReviewTarget;
  action: ReviewAction;
  /** Required for override; ignored otherwise. */
  category?: Category;
  /** For override (default: the proposal's when the category matches, else the category's usual) and reject (default internal). */
  sensitivity?: Sensitivity;
  comment?: string;
  actor: string;
};

export type ReviewResult = { changed: number; ids: string[] };

/** A decision that cannot be made as asked: the caller answers 4xx / exit 2 with its message. */
export class CatalogReviewError extends Error {
  constructor(
    public readonly code: "invalid_review" | "unknown_column",
    message: string,
  ) {
    super(message);
    this.name = "CatalogReviewError";
  }
}

/** The sensitivity a category usually carries, when a steward names a category without one. */
export const DEFAULT_SENSITIVITY: Record<Category, Sensitivity> = {
  email: "confidential",
  phone: "confidential",
  person_name: "confidential",
  postal_address: "confidential",
  date_of_birth: "confidential",
  government_id: "restricted",
  payment_card: "restricted",
  bank_account: "restricted",
  ip_address: "confidential",
  geolocation: "confidential",
  credential: "restricted",
  free_text_pii: "confidential",
  none: "internal",
};

const EVENT_ACTION = { accept: "accepted", reject: "rejected", override: "overridden" } as const;

/**
 * Applies one decision to the targeted catalog rows in one transaction, with one review event
 * per row. By ids: those rows, whatever their state (a steward may revisit a decision). By
 * filter: only live rows waiting for a human — pending proposals and decisions flagged for
 * re-review. Accept freezes decided_* := the proposal at that moment; reject decides `none`
 * (not personal data); override sets the steward's category and sensitivity. Every decision
 * clears the re-review flag. Each event keeps the proposal the steward saw, which is how a later
 * scan tells new evidence from evidence already weighed.
 */
export async function reviewColumns(db: Db, input: ReviewInput): Promise<ReviewResult> {
  validate(input);
  const status = EVENT_ACTION[input.action];
  const comment = input.comment ?? null;
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .updateTable("governance.catalog_columns")
      .set((eb) => ({
        review_status: status,
        decided_category:
          input.action === "accept"
            ? sql<string>`coalesce(${eb.ref("proposed_category")}, 'none')`
            : input.action === "reject"
              ? "none"
              : (input.category ?? "none"),
        decided_sensitivity:
          input.action === "accept"
            ? sql<string>`coalesce(${eb.ref("proposed_sensitivity")}, 'internal')`
            : input.action === "reject"
              ? (input.sensitivity ?? "internal")
              : overrideSensitivity(input),
        decided_by: input.actor,
        decided_at: sql<Date>`now()`,
        decision_comment: comment,
        needs_rereview: false,
        rereview_evidence: null,
      }))
      .where(targetCondition(input.target))
      .returning([
        "id",
        "decided_category",
        "decided_sensitivity",
        "proposed_category",
        "proposed_sensitivity",
        "confidence",
      ])
      .execute();
    if ("ids" in input.target) {
      const found = new Set(rows.map((r) => r.id));
      const missing = input.target.ids.filter((id) => !found.has(id));
      if (missing.length > 0) {
        throw new CatalogReviewError(
          "unknown_column",
          `no catalog column with the id ${missing.slice(0, 3).join(", ")}`,
        );
      }
    }
    for (let i = 0; i < rows.length; i += 1000) {
      await trx
        .insertInto("governance.catalog_review_events")
        .values(
          rows.slice(i, i + 1000).map((r) => ({
            column_id: r.id,
            actor: input.actor,
            action: status,
            category: r.decided_category,
            sensitivity: r.decided_sensitivity,
            confidence: r.confidence,
            comment,
            evidence: JSON.stringify({
              proposed_category: r.proposed_category,
              proposed_sensitivity: r.proposed_sensitivity,
              confidence: r.confidence,
            }),
          })),
        )
        .execute();
    }
    return { changed: rows.length, ids: rows.map((r) => r.id) };
  });
}

function overrideSensitivity(input: ReviewInput): Expression<string> | string {
  if (input.sensitivity) {
    return input.sensitivity;
  }
  const category = input.category ?? "none";
  // Same category as proposed: the proposal's sensitivity; otherwise the category's usual one.
  return sql<string>`CASE WHEN proposed_category = ${category} AND proposed_sensitivity IS NOT NULL
    THEN proposed_sensitivity ELSE ${DEFAULT_SENSITIVITY[category]} END`;
}

function validate(input: ReviewInput): void {
  if (!["accept", "reject", "override"].includes(input.action)) {
    throw new CatalogReviewError("invalid_review", `unknown review action ${input.action}`);
  }
  if (input.action === "override" && input.category === undefined) {
    throw new CatalogReviewError("invalid_review", "override needs a category");
  }
  if (input.category !== undefined && !CATEGORIES.includes(input.category)) {
    throw new CatalogReviewError(
      "invalid_review",
      `unknown category ${input.category} (one of ${CATEGORIES.join(", ")})`,
    );
  }
  if (input.sensitivity !== undefined && !SENSITIVITIES.includes(input.sensitivity)) {
    throw new CatalogReviewError(
      "invalid_review",
      `unknown sensitivity ${input.sensitivity} (one of ${SENSITIVITIES.join(", ")})`,
    );
  }
  if (!input.actor) {
    throw new CatalogReviewError("invalid_review", "a decision needs an actor");
  }
  const target = input.target;
  if ("ids" in target) {
    if (target.ids.length === 0) {
      throw new CatalogReviewError("invalid_review", "no column ids given");
    }
    const bad = target.ids.find((id) => !isUuid(id));
    if (bad !== undefined) {
      throw new CatalogReviewError("invalid_review", `not a column id: ${bad}`);
    }
  } else {
    const f = target.filter;
    if (f.category !== undefined && !CATEGORIES.includes(f.category)) {
      throw new CatalogReviewError("invalid_review", `unknown category ${f.category}`);
    }
    if (
      f.minConfidence !== undefined &&
      !(Number.isFinite(f.minConfidence) && f.minConfidence >= 0 && f.minConfidence <= 1)
    ) {
      throw new CatalogReviewError("invalid_review", "minConfidence must be between 0 and 1");
    }
  }
}

function targetCondition(target: ReviewTarget): Expression<SqlBool> {
  if ("ids" in target) {
    return sql<SqlBool>`id = ANY (${[...new Set(target.ids)]}::uuid[])`;
  }
  const f = target.filter;
  const conditions: Expression<SqlBool>[] = [
    sql<SqlBool>`dropped_at IS NULL`,
    sql<SqlBool>`proposed_category IS NOT NULL`,
    sql<SqlBool>`(review_status = 'pending' OR needs_rereview)`,
  ];
  if (f.category !== undefined) {
    conditions.push(sql<SqlBool>`proposed_category = ${f.category}`);
  }
  if (f.minConfidence !== undefined) {
    conditions.push(sql<SqlBool>`confidence >= ${f.minConfidence}`);
  }
  if (f.schema !== undefined) {
    conditions.push(sql<SqlBool>`schema_name = ${f.schema}`);
  }
  if (f.table !== undefined) {
    conditions.push(sql<SqlBool>`table_name = ${f.table}`);
  }
  if (f.store !== undefined) {
    conditions.push(sql<SqlBool>`store = ${f.store}`);
  }
  return sql<SqlBool>`${sql.join(conditions, sql` AND `)}`;
}

/**
 * Marks drift events as seen by `actor`. Already acknowledged events keep their first
 * acknowledgement; returns how many changed.
 */
export async function acknowledgeDrift(
  db: Db,
  ids: number[],
  actor: string,
): Promise<{ acknowledged: number; ids: number[] }> {
  const clean = [...new Set(ids)].filter((id) => Number.isSafeInteger(id) && id > 0);
  if (clean.length === 0) {
    return { acknowledged: 0, ids: [] };
  }
  const rows = await db
    .updateTable("governance.catalog_drift_events")
    .set({ acknowledged_by: actor, acknowledged_at: sql<Date>`now()` })
    .where("id", "in", clean)
    .where("acknowledged_at", "is", null)
    .returning("id")
    .execute();
  return { acknowledged: rows.length, ids: rows.map((r) => r.id) };
}

export type CatalogColumnRef = {
  id: string;
  store: string;
  schema_name: string;
  table_name: string;
  column_name: string;
  json_path: string;
};

/**
 * Finds live catalog rows by name, as people type them: `customers` or `public.customers`
 * (a ClickHouse table as `<database>.<table>`), a column, and optionally a JSON path ('' = the
 * column itself). Several stores may hold a table of the same name: all matches are returned.
 */
export async function findCatalogColumns(
  db: Db,
  ref: { table: string; column: string; path?: string },
): Promise<CatalogColumnRef[]> {
  const dot = ref.table.indexOf(".");
  const schema = dot > 0 ? ref.table.slice(0, dot) : undefined;
  const table = dot > 0 ? ref.table.slice(dot + 1) : ref.table;
  let query = db
    .selectFrom("governance.catalog_columns")
    .select(["id", "store", "schema_name", "table_name", "column_name", "json_path"])
    .where("table_name", "=", table)
    .where("column_name", "=", ref.column)
    .where("json_path", "=", ref.path ?? "")
    .where("dropped_at", "is", null);
  if (schema !== undefined) {
    query = query.where("schema_name", "=", schema);
  }
  return query.orderBy("store").orderBy("schema_name").execute();
}

/** Whether the catalog knows a live table of that name (for clear errors). */
export async function catalogTableExists(db: Db, name: string): Promise<boolean> {
  const dot = name.indexOf(".");
  let query = db
    .selectFrom("governance.catalog_tables")
    .select("id")
    .where("table_name", "=", dot > 0 ? name.slice(dot + 1) : name)
    .where("dropped_at", "is", null);
  if (dot > 0) {
    query = query.where("schema_name", "=", name.slice(0, dot));
  }
  return (await query.limit(1).executeTakeFirst()) !== undefined;
}
