import type { Insertable, Kysely, Selectable } from "kysely";
import type { TSuppression } from "../contracts/recognizers.ts";
import type { DB as Database, GovernanceClassificationSuppressions } from "../database.ts";
import type { Evidence } from "../domain/classification.ts";
import type { Db } from "../postgres.ts";

/**
 * What stewards' decisions teach the scanner (issue 21, "learning from stewards"). A rejection or
 * an override of a personal-data proposal becomes a suppression of the proposed category on that
 * column; asked to, also a suppression of the detector that made the call on every table. The
 * scanner reads the live ones (jobs/classify/suppressions.ts); removing one keeps its row.
 */

export type SuppressionRow = Selectable<GovernanceClassificationSuppressions>;

type Executor = Kysely<Database>;

/** The detector that spoke loudest for a category: the value detector matching most samples. */
export function leadingDetector(evidence: Evidence[], category: string): string | null {
  const forCategory = evidence.filter((e) => e.category === category && e.signal !== "steward");
  const values = forCategory.filter((e) => e.signal === "value");
  const pick = (values.length ? values : forCategory).reduce<Evidence | null>(
    (best, e) => (!best || e.matched > best.matched ? e : best),
    null,
  );
  return pick?.detector ?? null;
}

/**
 * Called inside a review's transaction with the events it wrote. For every rejected or
 * overridden column whose proposal named personal data other than the decision: a `column`
 * suppression of that category (replaced by the decision); with `acrossTables`, also an
 * `all_tables` suppression of the leading detector for that category. Any decision also retires
 * the column's earlier suppressions that now disagree with it (superseded, kept in the trail).
 */
export async function recordDecisionSuppressions(
  trx: Executor,
  input: {
    events: { id: number; column_id: string }[];
    action: "accept" | "reject" | "override";
    actor: string;
    comment: string | null;
    acrossTables?: boolean;
  },
): Promise<number[]> {
  if (input.events.length === 0) {
    return [];
  }
  const columnIds = input.events.map((e) => e.column_id);
  const columns = await trx
    .selectFrom("governance.catalog_columns")
    .select([
      "id",
      "store",
      "schema_name",
      "table_name",
      "column_name",
      "json_path",
      "proposed_category",
      "decided_category",
      "evidence",
    ])
    .where("id", "in", columnIds)
    .execute();
  const byId = new Map(columns.map((c) => [c.id, c]));
  const ids: number[] = [];
  for (const event of input.events) {
    const c = byId.get(event.column_id);
    if (!c) {
      continue;
    }
    const decided = c.decided_category ?? "none";
    // A new decision retires this column's suppressions that say something else now.
    await trx
      .updateTable("governance.classification_suppressions")
      .set({ removed_by: input.actor, removed_at: new Date() })
      .where("scope", "=", "column")
      .where("removed_at", "is", null)
      .where("store", "=", c.store)
      .where("schema_name", "=", c.schema_name)
      .where("table_name", "=", c.table_name)
      .where("column_name", "=", c.column_name)
      .where("json_path", "=", c.json_path)
      .where((eb) =>
        eb.or([eb("replacement_category", "!=", decided), eb("category", "=", decided)]),
      )
      .execute();
    if (input.action === "accept") {
      continue;
    }
    const proposed = c.proposed_category;
    if (!proposed || proposed === "none" || proposed === decided) {
      continue;
    }
    const common = {
      category: proposed,
      decision: input.action === "reject" ? "rejected" : "overridden",
      review_event_id: event.id,
      column_id: c.id,
      comment: input.comment,
      created_by: input.actor,
    };
    const rows: Insertable<GovernanceClassificationSuppressions>[] = [
      {
        ...common,
        scope: "column",
        store: c.store,
        schema_name: c.schema_name,
        table_name: c.table_name,
        column_name: c.column_name,
        json_path: c.json_path,
        detector: null,
        replacement_category: decided,
      },
    ];
    const detector = input.acrossTables
      ? leadingDetector((c.evidence ?? []) as Evidence[], proposed)
      : null;
    if (detector) {
      rows.push({
        ...common,
        scope: "all_tables",
        store: null,
        schema_name: null,
        table_name: null,
        column_name: null,
        json_path: null,
        detector,
        replacement_category: "none",
      });
    }
    const inserted = await trx
      .insertInto("governance.classification_suppressions")
      .values(rows)
      .onConflict((oc) => oc.doNothing())
      .returning("id")
      .execute();
    ids.push(...inserted.map((r) => r.id));
  }
  return ids;
}

/** Undoing a decision removes the suppressions it created. */
export async function removeSuppressionsOfEvent(
  trx: Executor,
  eventId: number,
  actor: string,
): Promise<number[]> {
  const rows = await trx
    .updateTable("governance.classification_suppressions")
    .set({ removed_by: actor, removed_at: new Date() })
    .where("review_event_id", "=", eventId)
    .where("removed_at", "is", null)
    .returning("id")
    .execute();
  return rows.map((r) => r.id);
}

/** Live suppressions, for a scan. */
export async function liveSuppressions(db: Db): Promise<SuppressionRow[]> {
  return db
    .selectFrom("governance.classification_suppressions")
    .selectAll()
    .where("removed_at", "is", null)
    .orderBy("id")
    .execute();
}

export async function listSuppressions(
  db: Db,
  filter: { columnId?: string; includeRemoved?: boolean } = {},
): Promise<SuppressionRow[]> {
  let q = db.selectFrom("governance.classification_suppressions").selectAll();
  if (!filter.includeRemoved) {
    q = q.where("removed_at", "is", null);
  }
  if (filter.columnId) {
    q = q.where("column_id", "=", filter.columnId);
  }
  return q.orderBy("id", "desc").limit(1000).execute();
}

/** Removes one live suppression (kept with who removed it); undefined when none is live. */
export async function removeSuppression(
  db: Db,
  id: number,
  actor: string,
): Promise<SuppressionRow | undefined> {
  return db
    .updateTable("governance.classification_suppressions")
    .set({ removed_by: actor, removed_at: new Date() })
    .where("id", "=", id)
    .where("removed_at", "is", null)
    .returningAll()
    .executeTakeFirst();
}

export async function getSuppression(db: Db, id: number): Promise<SuppressionRow | undefined> {
  return db
    .selectFrom("governance.classification_suppressions")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirst();
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** A row in the API's shape (schema/contracts/recognizers.ts). */
export function toSuppression(row: SuppressionRow): TSuppression {
  return {
    id: row.id,
    scope: row.scope as TSuppression["scope"],
    store: row.store,
    schema: row.schema_name,
    table: row.table_name,
    column: row.column_name,
    jsonPath: row.json_path,
    category: row.category,
    detector: row.detector,
    replacementCategory: row.replacement_category,
    decision: row.decision,
    reviewEventId: row.review_event_id,
    columnId: row.column_id,
    comment: row.comment,
    createdBy: row.created_by,
    createdAt: iso(row.created_at) as string,
    removedBy: row.removed_by,
    removedAt: iso(row.removed_at),
  };
}
