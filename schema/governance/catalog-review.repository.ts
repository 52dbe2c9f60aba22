import { type Expression, type SqlBool, sql } from "kysely";
import {
  CATEGORIES,
  type Category,
  SENSITIVITIES,
  type Sensitivity,
} from "../domain/classification.ts";
import type { Db } from "../postgres.ts";
import { isUuid } from "../uuid.ts";
import {
  recordDecisionSuppressions,
  removeSuppressionsOfEvent,
} from "./suppressions.repository.ts";

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
  /** Reject/override: also ignore the leading detector's call for that category on every table. */
  suppressAcrossTables?: boolean;
};

/** `suppressions`: ids of the suppressions the decision created (issue 21). */
export type ReviewResult = { changed: number; ids: string[]; suppressions: number[] };

/** A decision that cannot be made as asked: the caller answers 4xx / exit 2 with its message. */
export class CatalogReviewError extends Error {
  constructor(
    /** reason_required: rejecting a proposal of personal data needs the steward's reason. */
    public readonly code: "invalid_review" | "unknown_column" | "reason_required" | "cannot_undo",
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
    // The rows as they stand before the decision, locked: whether a reason is owed, and what an
    // undo restores (kept in each event of a decision by ids).
    const before = await trx
      .selectFrom("governance.catalog_columns")
      .select([
        "id",
        "proposed_category",
        "review_status",
        "decided_category",
        "decided_sensitivity",
        "decided_by",
        "decided_at",
        "decision_comment",
        "needs_rereview",
        "rereview_evidence",
      ])
      .where(targetCondition(input.target))
      .forUpdate()
      .execute();
    if (input.action === "reject" && !comment?.trim()) {
      const pii = before.filter((r) => r.proposed_category && r.proposed_category !== "none");
      if (pii.length > 0) {
        throw new CatalogReviewError(
          "reason_required",
          `rejecting a proposal of personal data needs a reason (comment): ${pii.length} of the columns were proposed as ${[...new Set(pii.map((r) => r.proposed_category))].slice(0, 3).join(", ")}`,
        );
      }
    }
    const previous = new Map(
      "ids" in input.target
        ? before.map((r) => [
            r.id,
            {
              review_status: r.review_status,
              decided_category: r.decided_category,
              decided_sensitivity: r.decided_sensitivity,
              decided_by: r.decided_by,
              decided_at: r.decided_at ? new Date(r.decided_at).toISOString() : null,
              decision_comment: r.decision_comment,
              needs_rereview: r.needs_rereview,
              rereview_evidence: r.rereview_evidence,
            },
          ])
        : [],
    );
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
    const events: { id: number; column_id: string }[] = [];
    for (let i = 0; i < rows.length; i += 1000) {
      const written = await trx
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
              ...(previous.has(r.id) ? { previous: previous.get(r.id) } : {}),
            }),
          })),
        )
        .returning(["id", "column_id"])
        .execute();
      events.push(...written);
    }
    // Learning from stewards: a rejection or override becomes a suppression (issue 21).
    const suppressions = await recordDecisionSuppressions(trx, {
      events,
      action: input.action,
      actor: input.actor,
      comment,
      acrossTables: input.suppressAcrossTables,
    });
    return { changed: rows.length, ids: rows.map((r) => r.id), suppressions };
  });
}

/** How long after a decision its maker may still undo it (the console offers it for seconds). */
export const UNDO_WINDOW_MS = 5 * 60_000;

type PreviousState = {
  review_status: string;
  decided_category: string | null;
  decided_sensitivity: string | null;
  decided_by: string | null;
  decided_at: string | null;
  decision_comment: string | null;
  needs_rereview: boolean;
  rereview_evidence: unknown;
};

/**
 * Undoes one decision on one column: the column goes back to exactly what it was before (pending,
 * or the earlier decision and its re-review flag), and a review event records the undo. Only the
 * decision's maker, only within {@link UNDO_WINDOW_MS}, and only while it is still the column's
 * latest event (a later decision or scan is never silently reverted). The restoring event repeats
 * the earlier decision with the proposal seen then, so a later scan weighs evidence as before.
 */
export async function undoReview(
  db: Db,
  input: { columnId: string; eventId: number; actor: string; now?: Date },
): Promise<{ restoredStatus: string; undone: { action: string; category: string | null } }> {
  if (!isUuid(input.columnId)) {
    throw new CatalogReviewError(
      "unknown_column",
      `no catalog column with the id ${input.columnId}`,
    );
  }
  return db.transaction().execute(async (trx) => {
    const column = await trx
      .selectFrom("governance.catalog_columns")
      .select("id")
      .where("id", "=", input.columnId)
      .forUpdate()
      .executeTakeFirst();
    if (!column) {
      throw new CatalogReviewError(
        "unknown_column",
        `no catalog column with the id ${input.columnId}`,
      );
    }
    const latest = await trx
      .selectFrom("governance.catalog_review_events")
      .select(["id", "actor", "action", "category", "occurred_at", "evidence"])
      .where("column_id", "=", input.columnId)
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst();
    if (!latest || latest.id !== input.eventId) {
      throw new CatalogReviewError(
        "cannot_undo",
        "this decision is no longer the column's latest event (decided or re-scanned since); nothing was changed",
      );
    }
    const evidence = (latest.evidence ?? {}) as { previous?: PreviousState };
    // The suppressions the undone decision created go with it (issue 21).
    await removeSuppressionsOfEvent(trx, latest.id, input.actor);
    if (!["accepted", "rejected", "overridden"].includes(latest.action) || !evidence.previous) {
      throw new CatalogReviewError(
        "cannot_undo",
        "this event is not a decision that can be undone",
      );
    }
    if (latest.actor !== input.actor) {
      throw new CatalogReviewError(
        "cannot_undo",
        `only ${latest.actor}, who made this decision, may undo it`,
      );
    }
    const now = input.now ?? new Date();
    if (now.getTime() - new Date(latest.occurred_at).getTime() > UNDO_WINDOW_MS) {
      throw new CatalogReviewError(
        "cannot_undo",
        `a decision can be undone for ${UNDO_WINDOW_MS / 60_000} minutes; decide again instead`,
      );
    }
    const p = evidence.previous;
    await trx
      .updateTable("governance.catalog_columns")
      .set({
        review_status: p.review_status,
        decided_category: p.decided_category,
        decided_sensitivity: p.decided_sensitivity,
        decided_by: p.decided_by,
        decided_at: p.decided_at ? new Date(p.decided_at) : null,
        decision_comment: p.decision_comment,
        needs_rereview: p.needs_rereview,
        rereview_evidence:
          p.rereview_evidence === null || p.rereview_evidence === undefined
            ? null
            : JSON.stringify(p.rereview_evidence),
      })
      .where("id", "=", input.columnId)
      .execute();
    const restoresDecision = p.review_status !== "pending";
    const earlier = restoresDecision
      ? await trx
          .selectFrom("governance.catalog_review_events")
          .select(["evidence", "confidence"])
          .where("column_id", "=", input.columnId)
          .where("id", "<", latest.id)
          .where("action", "in", ["accepted", "rejected", "overridden"])
          .orderBy("id", "desc")
          .limit(1)
          .executeTakeFirst()
      : undefined;
    const earlierEvidence = (earlier?.evidence ?? {}) as Record<string, unknown>;
    await trx
      .insertInto("governance.catalog_review_events")
      .values({
        column_id: input.columnId,
        actor: input.actor,
        action: restoresDecision ? p.review_status : "reopened",
        category: restoresDecision ? p.decided_category : null,
        sensitivity: restoresDecision ? p.decided_sensitivity : null,
        confidence: earlier?.confidence ?? null,
        comment: `undo of decision #${latest.id} (${latest.action})`,
        evidence: JSON.stringify({
          proposed_category: earlierEvidence.proposed_category ?? null,
          proposed_sensitivity: earlierEvidence.proposed_sensitivity ?? null,
          undo_of: latest.id,
        }),
      })
      .execute();
    return {
      restoredStatus: p.needs_rereview ? "needs_rereview" : p.review_status,
      undone: { action: latest.action, category: latest.category },
    };
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
