import { type Expression, type SelectQueryBuilder, type SqlBool, sql } from "kysely";
import type { TCatalogSummary, TColumnDefinition, TForeignKeyRef } from "../contracts/catalog.ts";
import type { DB } from "../database.ts";
import type { Category, Evidence, ReviewStatus, Sensitivity } from "../domain/classification.ts";
import type { Db } from "../postgres.ts";

/**
 * The read side of the catalog: the console's table, a column's detail, the overview figures,
 * drift events and the export. Decisions are written by catalog-review.repository.ts.
 */

/**
 * A review status, `needs_rereview` (a re-scan contradicted a decision), or `open` (waiting for a
 * steward: a pending proposal or a flagged decision).
 */
export type CatalogStatusFilter = ReviewStatus | "needs_rereview" | "open" | "not_classifiable";

export type CatalogFilter = {
  store?: string;
  /** Exact schema name. */
  schema?: string;
  /** Exact table name. */
  table?: string;
  /** The effective category (the steward's decision, else the proposal). */
  category?: Category;
  /** The scanner's proposed category, whatever was decided. */
  proposedCategory?: Category;
  sensitivity?: Sensitivity;
  status?: CatalogStatusFilter;
  minConfidence?: number;
  maxConfidence?: number;
  /** Case-insensitive substring of `schema.table.column` (and the JSONB path). */
  search?: string;
  piiOnly?: boolean;
  includeDropped?: boolean;
  /** Columns only, JSONB paths only, or both (default). */
  level?: "column" | "path";
};

export const CATALOG_SORTS = [
  "table",
  "column",
  "category",
  "sensitivity",
  "confidence",
  "status",
  "classifiedAt",
  "queue",
] as const;
export type CatalogSortField = (typeof CATALOG_SORTS)[number];

export type CatalogPage = {
  page: number;
  pageSize: number;
  sort: CatalogSortField;
  direction: "asc" | "desc";
};

/** One catalog entry: a column, or a JSONB key path inside one (`jsonPath` not empty). */
export type CatalogColumn = {
  id: string;
  store: string;
  schema: string;
  table: string;
  column: string;
  jsonPath: string;
  dataType: string;
  isNullable: boolean;
  isPrimaryKey: boolean;
  proposedCategory: Category | null;
  proposedSensitivity: Sensitivity | null;
  confidence: number | null;
  effectiveCategory: Category | null;
  effectiveSensitivity: Sensitivity | null;
  isPii: boolean;
  reviewStatus: ReviewStatus;
  decidedCategory: Category | null;
  decidedSensitivity: Sensitivity | null;
  decidedBy: string | null;
  decidedAt: string | null;
  needsRereview: boolean;
  /**
   * Why the scanner had no usable samples of it (unreadable, empty, all NULL so far), or null.
   * Pending with a reason: not yet classifiable, and provisioning waits for a steward.
   */
  unclassifiableReason: string | null;
  classifiedAt: string | null;
  droppedAt: string | null;
  version: number;
};

export type ReviewEvent = {
  id: number;
  occurredAt: string;
  actor: string;
  action: string;
  category: Category | null;
  sensitivity: Sensitivity | null;
  confidence: number | null;
  comment: string | null;
  evidence: Evidence[] | null;
};

export type DriftEvent = {
  id: number;
  scanId: string | null;
  occurredAt: string;
  kind: string;
  store: string;
  schema: string;
  table: string;
  column: string | null;
  before: unknown;
  after: unknown;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
};

export type ColumnVersion = {
  version: number;
  definition: TColumnDefinition | null;
  scanId: string | null;
  recordedAt: string;
};

export type CatalogColumnDetail = CatalogColumn & {
  comment: string | null;
  ordinal: number;
  foreignKey: TForeignKeyRef | null;
  evidence: Evidence[];
  maskedSamples: unknown[];
  stats: Record<string, unknown>;
  decisionComment: string | null;
  rereviewEvidence: Evidence[] | null;
  tableInfo: {
    kind: string;
    rowEstimate: number | null;
    comment: string | null;
    constraints: unknown;
    /** Foreign keys declared by any column of the table. */
    foreignKeys: Array<{ column: string; references: TForeignKeyRef }>;
  } | null;
  paths: CatalogColumn[];
  versions: ColumnVersion[];
  history: ReviewEvent[];
  drift: DriftEvent[];
};

/** The catalog's figures: the wire shape is the API's (schema/contracts/catalog.ts). */
export type CatalogSummary = TCatalogSummary;

export type DriftFilter = {
  kind?: string;
  store?: string;
  schema?: string;
  table?: string;
  acknowledged?: boolean;
};

type Effective = "governance.catalog_effective_columns";
type ColumnQuery = SelectQueryBuilder<DB, Effective, object>;
type Drift = "governance.catalog_drift_events";
type DriftQuery = SelectQueryBuilder<DB, Drift, object>;

const SENSITIVITY_RANK = sql<number>`CASE effective_sensitivity
  WHEN 'public' THEN 1 WHEN 'internal' THEN 2 WHEN 'confidential' THEN 3
  WHEN 'restricted' THEN 4 END`;

/** Where an entry or a drift event is: the part of a filter both kinds of row answer to. */
type CatalogLocation = Pick<CatalogFilter, "store" | "schema" | "table">;

/**
 * Narrows a query over catalog entries or drift events (both carry store, schema_name and
 * table_name) to the store, schema and table a filter names; an unset field matches all.
 */
function applyCatalogFilter<TB extends Effective | Drift>(
  query: SelectQueryBuilder<DB, TB, object>,
  filter: CatalogLocation,
): SelectQueryBuilder<DB, TB, object> {
  const conditions = [
    ["store", filter.store],
    ["schema_name", filter.schema],
    ["table_name", filter.table],
  ] as const;
  let narrowed = query;
  for (const [column, value] of conditions) {
    if (value) {
      narrowed = narrowed.where(sql<SqlBool>`${sql.ref(column)} = ${value}`);
    }
  }
  return narrowed;
}

function filtered(db: Db, filter: CatalogFilter): ColumnQuery {
  let query: ColumnQuery = db.selectFrom("governance.catalog_effective_columns");
  if (!filter.includeDropped) {
    query = query.where("dropped_at", "is", null);
  }
  query = applyCatalogFilter(query, filter);
  if (filter.category) {
    query = query.where("effective_category", "=", filter.category);
  }
  if (filter.proposedCategory) {
    query = query.where("proposed_category", "=", filter.proposedCategory);
  }
  if (filter.sensitivity) {
    query = query.where("effective_sensitivity", "=", filter.sensitivity);
  }
  const status = filter.status;
  if (status === "needs_rereview") {
    query = query.where("needs_rereview", "=", true);
  } else if (status === "not_classifiable") {
    // No usable samples and no steward's decision yet: blocks provisioning.
    query = query
      .where("unclassifiable_reason", "is not", null)
      .where("review_status", "=", "pending");
  } else if (status === "open") {
    // Waiting for a steward: a pending proposal or a decision a re-scan contradicted (an entry
    // never classified has nothing to decide yet). The same rows a bulk decision by filter
    // touches (catalog-review.repository.ts), so its preview count is exact.
    query = query
      .where("proposed_category", "is not", null)
      .where((eb) => eb.or([eb("review_status", "=", "pending"), eb("needs_rereview", "=", true)]));
  } else if (status) {
    query = query.where("review_status", "=", status);
  }
  if (filter.minConfidence !== undefined) {
    query = query.where("confidence", ">=", filter.minConfidence);
  }
  if (filter.maxConfidence !== undefined) {
    query = query.where("confidence", "<=", filter.maxConfidence);
  }
  if (filter.search) {
    // strpos, not LIKE: a % or _ typed by a person is matched literally.
    query = query.where(
      sql<boolean>`strpos(lower(schema_name || '.' || table_name || '.' || column_name
        || CASE WHEN json_path = '' THEN '' ELSE '.' || json_path END), lower(${filter.search})) > 0`,
    );
  }
  if (filter.piiOnly) {
    query = query.where("is_pii", "=", true);
  }
  if (filter.level === "column") {
    query = query.where("json_path", "=", "");
  } else if (filter.level === "path") {
    query = query.where("json_path", "<>", "");
  }
  return query;
}

const COLUMN_FIELDS = [
  "id",
  "store",
  "schema_name",
  "table_name",
  "column_name",
  "json_path",
  "data_type",
  "is_nullable",
  "is_primary_key",
  "proposed_category",
  "proposed_sensitivity",
  "confidence",
  "effective_category",
  "effective_sensitivity",
  "is_pii",
  "review_status",
  "decided_category",
  "decided_sensitivity",
  "decided_by",
  "decided_at",
  "needs_rereview",
  "unclassifiable_reason",
  "classified_at",
  "dropped_at",
  "version",
] as const;

type ColumnRow = {
  id: string | null;
  store: string | null;
  schema_name: string | null;
  table_name: string | null;
  column_name: string | null;
  json_path: string | null;
  data_type: string | null;
  is_nullable: boolean | null;
  is_primary_key: boolean | null;
  proposed_category: string | null;
  proposed_sensitivity: string | null;
  confidence: number | null;
  effective_category: string | null;
  effective_sensitivity: string | null;
  is_pii: boolean | null;
  review_status: string | null;
  decided_category: string | null;
  decided_sensitivity: string | null;
  decided_by: string | null;
  decided_at: Date | string | null;
  needs_rereview: boolean | null;
  unclassifiable_reason: string | null;
  classified_at: Date | string | null;
  dropped_at: Date | string | null;
  version: number | null;
};

const iso = (value: Date | string | null | undefined): string | null =>
  value === null || value === undefined ? null : new Date(value).toISOString();

/** REAL confidences come back as 0.8999999761581421; two decimals more than anyone reads. */
const roundConfidence = (value: number | null): number | null =>
  value === null ? null : Math.round(value * 10_000) / 10_000;

function toColumn(row: ColumnRow): CatalogColumn {
  return {
    id: row.id ?? "",
    store: row.store ?? "",
    schema: row.schema_name ?? "",
    table: row.table_name ?? "",
    column: row.column_name ?? "",
    jsonPath: row.json_path ?? "",
    dataType: row.data_type ?? "",
    isNullable: row.is_nullable ?? true,
    isPrimaryKey: row.is_primary_key ?? false,
    proposedCategory: row.proposed_category as Category | null,
    proposedSensitivity: row.proposed_sensitivity as Sensitivity | null,
    confidence: roundConfidence(row.confidence),
    effectiveCategory: row.effective_category as Category | null,
    effectiveSensitivity: row.effective_sensitivity as Sensitivity | null,
    isPii: row.is_pii ?? false,
    reviewStatus: (row.review_status ?? "pending") as ReviewStatus,
    decidedCategory: row.decided_category as Category | null,
    decidedSensitivity: row.decided_sensitivity as Sensitivity | null,
    decidedBy: row.decided_by,
    decidedAt: iso(row.decided_at),
    needsRereview: row.needs_rereview ?? false,
    unclassifiableReason: row.unclassifiable_reason ?? null,
    classifiedAt: iso(row.classified_at),
    droppedAt: iso(row.dropped_at),
    version: row.version ?? 1,
  };
}

/** The place of an entry in its table: store, schema, table, column position, then path. */
function tableOrder<O>(
  query: SelectQueryBuilder<DB, Effective, O>,
  direction: "asc" | "desc",
): SelectQueryBuilder<DB, Effective, O> {
  return query
    .orderBy("store", direction)
    .orderBy("schema_name", direction)
    .orderBy("table_name", direction)
    .orderBy("ordinal", direction)
    .orderBy("json_path", direction);
}

function sorted<O>(
  query: SelectQueryBuilder<DB, Effective, O>,
  page: CatalogPage,
): SelectQueryBuilder<DB, Effective, O> {
  const dir = page.direction;
  // Nulls (never classified) go last whichever way the list is sorted.
  const nulls = (expr: Expression<unknown>) =>
    sql`${expr} ${sql.raw(dir === "asc" ? "ASC" : "DESC")} NULLS LAST`;
  let ordered: SelectQueryBuilder<DB, Effective, O>;
  switch (page.sort) {
    case "table":
      ordered = tableOrder(query, dir);
      break;
    case "column":
      ordered = tableOrder(query.orderBy("column_name", dir), "asc");
      break;
    case "category":
      ordered = tableOrder(query.orderBy(nulls(sql.ref("effective_category"))), "asc");
      break;
    case "sensitivity":
      ordered = tableOrder(query.orderBy(nulls(SENSITIVITY_RANK)), "asc");
      break;
    case "confidence":
      ordered = tableOrder(query.orderBy(nulls(sql.ref("confidence"))), "asc");
      break;
    case "status":
      ordered = tableOrder(
        query
          .orderBy("needs_rereview", dir === "asc" ? "desc" : "asc")
          .orderBy("review_status", dir),
        "asc",
      );
      break;
    case "classifiedAt":
      ordered = tableOrder(query.orderBy(nulls(sql.ref("classified_at"))), "asc");
      break;
    case "queue":
      // The review queue: contradicted decisions first, then open proposals, surest first so a
      // steward can confirm the easy ones quickly; within that, table order.
      ordered = tableOrder(
        query
          .orderBy("needs_rereview", "desc")
          .orderBy(sql`(review_status = 'pending')`, "desc")
          .orderBy(sql`confidence DESC NULLS LAST`),
        "asc",
      );
      break;
  }
  return ordered.orderBy("id", "asc");
}

/**
 * One page of catalog entries and the number matching. Filters and sort run in Postgres (the
 * effective-category, status and confidence filters are indexed), so a catalog of tens of
 * thousands of columns costs one page of rows plus a count.
 */
export async function listCatalogColumns(
  db: Db,
  filter: CatalogFilter,
  page: CatalogPage,
): Promise<{ items: CatalogColumn[]; total: number }> {
  const query = filtered(db, filter);
  const [rows, total] = await Promise.all([
    sorted(query.select(COLUMN_FIELDS), page)
      .limit(page.pageSize)
      .offset((page.page - 1) * page.pageSize)
      .execute(),
    query.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(toColumn), total: Number(total.n) };
}

/** How many entries match a filter (the bulk-review preview). */
export async function countCatalogColumns(db: Db, filter: CatalogFilter): Promise<number> {
  const row = await filtered(db, filter)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const asArray = <T>(value: unknown): T[] => (Array.isArray(value) ? (value as T[]) : []);

function toDrift(row: {
  id: number;
  scan_id: string | null;
  occurred_at: Date | string;
  kind: string;
  store: string;
  schema_name: string;
  table_name: string;
  column_name: string | null;
  before: unknown;
  after: unknown;
  acknowledged_by: string | null;
  acknowledged_at: Date | string | null;
}): DriftEvent {
  return {
    id: Number(row.id),
    scanId: row.scan_id,
    occurredAt: iso(row.occurred_at) ?? "",
    kind: row.kind,
    store: row.store,
    schema: row.schema_name,
    table: row.table_name,
    column: row.column_name,
    before: row.before ?? null,
    after: row.after ?? null,
    acknowledgedBy: row.acknowledged_by,
    acknowledgedAt: iso(row.acknowledged_at),
  };
}

const DRIFT_FIELDS = [
  "id",
  "scan_id",
  "occurred_at",
  "kind",
  "store",
  "schema_name",
  "table_name",
  "column_name",
  "before",
  "after",
  "acknowledged_by",
  "acknowledged_at",
] as const;

/** HISTORY_LIMIT bounds the detail view: a column reviewed every day for years stays one page. */
const HISTORY_LIMIT = 200;
const PATHS_LIMIT = 500;
const DRIFT_LIMIT = 50;

/**
 * Everything the console shows about one entry: its definition, the proposal with evidence and
 * masked samples, the table it belongs to, its JSONB paths, versions, review history and drift.
 * `undefined` when there is no such entry.
 */
export async function getCatalogColumn(
  db: Db,
  id: string,
): Promise<CatalogColumnDetail | undefined> {
  const row = await db
    .selectFrom("governance.catalog_effective_columns")
    .select([
      ...COLUMN_FIELDS,
      "table_id",
      "comment",
      "ordinal",
      "foreign_key",
      "evidence",
      "masked_samples",
      "stats",
      "decision_comment",
      "rereview_evidence",
    ])
    .where("id", "=", id)
    .executeTakeFirst();
  if (!row) {
    return undefined;
  }
  const base = toColumn(row);
  const tableId = row.table_id ?? "";
  const [table, foreignKeys, paths, versions, history, drift] = await Promise.all([
    db
      .selectFrom("governance.catalog_tables")
      .select(["kind", "row_estimate", "comment", "constraints"])
      .where("id", "=", tableId)
      .executeTakeFirst(),
    db
      .selectFrom("governance.catalog_columns")
      .select(["column_name", "foreign_key"])
      .where("table_id", "=", tableId)
      .where("json_path", "=", "")
      .where("foreign_key", "is not", null)
      .where("dropped_at", "is", null)
      .orderBy("ordinal")
      .execute(),
    base.jsonPath === ""
      ? filtered(db, {
          store: base.store,
          schema: base.schema,
          table: base.table,
          level: "path",
          includeDropped: true,
        })
          .where("column_name", "=", base.column)
          .select(COLUMN_FIELDS)
          .orderBy("json_path")
          .limit(PATHS_LIMIT)
          .execute()
      : Promise.resolve([] as ColumnRow[]),
    db
      .selectFrom("governance.catalog_column_versions")
      .select(["version", "definition", "scan_id", "recorded_at"])
      .where("column_id", "=", id)
      .orderBy("version", "desc")
      .limit(HISTORY_LIMIT)
      .execute(),
    db
      .selectFrom("governance.catalog_review_events")
      .select([
        "id",
        "occurred_at",
        "actor",
        "action",
        "category",
        "sensitivity",
        "confidence",
        "comment",
        "evidence",
      ])
      .where("column_id", "=", id)
      .orderBy("occurred_at", "desc")
      .orderBy("id", "desc")
      .limit(HISTORY_LIMIT)
      .execute(),
    db
      .selectFrom("governance.catalog_drift_events")
      .select(DRIFT_FIELDS)
      .where("store", "=", base.store)
      .where("schema_name", "=", base.schema)
      .where("table_name", "=", base.table)
      .where((eb) => eb.or([eb("column_name", "=", base.column), eb("column_name", "is", null)]))
      .orderBy("occurred_at", "desc")
      .orderBy("id", "desc")
      .limit(DRIFT_LIMIT)
      .execute(),
  ]);
  return {
    ...base,
    comment: row.comment,
    ordinal: row.ordinal ?? 0,
    foreignKey: (row.foreign_key ?? null) as TForeignKeyRef | null,
    evidence: asArray<Evidence>(row.evidence),
    maskedSamples: asArray<unknown>(row.masked_samples),
    stats: (row.stats ?? {}) as Record<string, unknown>,
    decisionComment: row.decision_comment,
    rereviewEvidence: row.rereview_evidence ? asArray<Evidence>(row.rereview_evidence) : null,
    tableInfo: table
      ? {
          kind: table.kind,
          rowEstimate: table.row_estimate === null ? null : Number(table.row_estimate),
          comment: table.comment,
          constraints: table.constraints ?? [],
          foreignKeys: foreignKeys.map((fk) => ({
            column: fk.column_name,
            references: fk.foreign_key as TForeignKeyRef,
          })),
        }
      : null,
    paths: paths.map(toColumn),
    versions: versions.map((v) => ({
      version: v.version,
      definition: (v.definition ?? null) as TColumnDefinition | null,
      scanId: v.scan_id,
      recordedAt: iso(v.recorded_at) ?? "",
    })),
    history: history.map((h) => ({
      id: Number(h.id),
      occurredAt: iso(h.occurred_at) ?? "",
      actor: h.actor,
      action: h.action,
      category: h.category as Category | null,
      sensitivity: h.sensitivity as Sensitivity | null,
      confidence: roundConfidence(h.confidence),
      comment: h.comment,
      evidence: h.evidence ? asArray<Evidence>(h.evidence) : null,
    })),
    drift: drift.map(toDrift),
  };
}

const PII_TABLES_LIMIT = 20;

/** The catalog's figures for the overview and the catalog page, in three indexed aggregates. */
export async function catalogSummary(db: Db): Promise<CatalogSummary> {
  const live = db
    .selectFrom("governance.catalog_effective_columns")
    .where("dropped_at", "is", null);
  const [counts, byStore, byCategory, byTable, lastScan] = await Promise.all([
    live
      .select([
        sql<number>`count(*) FILTER (WHERE json_path = '')`.as("columns"),
        sql<number>`count(*) FILTER (WHERE json_path <> '')`.as("paths"),
        sql<number>`count(*) FILTER (WHERE json_path = '' AND classified_at IS NOT NULL)`.as(
          "classified",
        ),
        sql<number>`count(*) FILTER (WHERE json_path = '' AND review_status <> 'pending')`.as(
          "reviewed",
        ),
        sql<number>`count(*) FILTER (WHERE review_status = 'pending'
          AND proposed_category IS NOT NULL)`.as("pending"),
        sql<number>`count(*) FILTER (WHERE json_path <> '' AND review_status = 'pending'
          AND proposed_category IS NOT NULL)`.as("pending_paths"),
        sql<number>`count(*) FILTER (WHERE needs_rereview)`.as("needs_rereview"),
        sql<number>`count(DISTINCT (store, schema_name, table_name, column_name))
          FILTER (WHERE is_pii)`.as("pii_columns"),
        sql<number>`count(DISTINCT (store, schema_name, table_name)) FILTER (WHERE is_pii)`.as(
          "pii_tables",
        ),
      ])
      .executeTakeFirstOrThrow(),
    // Per store, so the overview's operational figures and the catalog's can be told apart.
    live
      .select([
        "store",
        sql<number>`count(DISTINCT (schema_name, table_name))`.as("tables"),
        sql<number>`count(*) FILTER (WHERE json_path = '')`.as("columns"),
        sql<number>`count(*) FILTER (WHERE json_path <> '')`.as("paths"),
      ])
      .groupBy("store")
      .orderBy("store", "desc")
      .execute(),
    // A column counts once per category, whether the column itself or a path inside it holds it.
    live
      .select([
        "effective_category",
        sql<number>`count(DISTINCT (store, schema_name, table_name, column_name))`.as("n"),
      ])
      .where("is_pii", "=", true)
      .groupBy("effective_category")
      .orderBy("n", "desc")
      .orderBy("effective_category")
      .execute(),
    live
      .select([
        "store",
        "schema_name",
        "table_name",
        sql<number>`count(DISTINCT column_name)`.as("n"),
        sql<string[]>`array_agg(DISTINCT effective_category ORDER BY effective_category)`.as(
          "categories",
        ),
      ])
      .where("is_pii", "=", true)
      .groupBy(["store", "schema_name", "table_name"])
      .orderBy("n", "desc")
      .orderBy("store")
      .orderBy("schema_name")
      .orderBy("table_name")
      .limit(PII_TABLES_LIMIT)
      .execute(),
    db
      .selectFrom("governance.catalog_scans")
      .select("finished_at")
      .where("status", "=", "succeeded")
      .orderBy("started_at", "desc")
      .limit(1)
      .executeTakeFirst(),
  ]);
  return {
    columns: Number(counts.columns),
    paths: Number(counts.paths),
    classified: Number(counts.classified),
    reviewed: Number(counts.reviewed),
    pending: Number(counts.pending),
    pendingPaths: Number(counts.pending_paths),
    byStore: byStore.map((r) => ({
      store: r.store ?? "",
      tables: Number(r.tables),
      columns: Number(r.columns),
      paths: Number(r.paths),
    })),
    needsRereview: Number(counts.needs_rereview),
    piiColumns: Number(counts.pii_columns),
    piiTables: Number(counts.pii_tables),
    piiByCategory: byCategory.map((r) => ({
      category: r.effective_category as Category,
      columns: Number(r.n),
    })),
    piiByTable: byTable.map((r) => ({
      store: r.store ?? "",
      schema: r.schema_name ?? "",
      table: r.table_name ?? "",
      columns: Number(r.n),
      categories: (r.categories ?? []) as Category[],
    })),
    lastScanAt: iso(lastScan?.finished_at),
  };
}

function driftFiltered(db: Db, filter: DriftFilter): DriftQuery {
  let query: DriftQuery = db.selectFrom("governance.catalog_drift_events");
  if (filter.kind) {
    query = query.where("kind", "=", filter.kind);
  }
  query = applyCatalogFilter(query, filter);
  if (filter.acknowledged !== undefined) {
    query = query.where("acknowledged_at", filter.acknowledged ? "is not" : "is", null);
  }
  return query;
}

/** One page of drift events, newest first, and the number matching. */
export async function listDriftEvents(
  db: Db,
  filter: DriftFilter,
  page: { page: number; pageSize: number; direction?: "asc" | "desc" },
): Promise<{ items: DriftEvent[]; total: number }> {
  const query = driftFiltered(db, filter);
  const direction = page.direction ?? "desc";
  const [rows, total] = await Promise.all([
    query
      .select(DRIFT_FIELDS)
      .orderBy("occurred_at", direction)
      .orderBy("id", direction)
      .limit(page.pageSize)
      .offset((page.page - 1) * page.pageSize)
      .execute(),
    query.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(toDrift), total: Number(total.n) };
}

/** The fields of one exported entry, in CSV column order. */
export const EXPORT_FIELDS = [
  "id",
  "store",
  "schema",
  "table",
  "column",
  "jsonPath",
  "dataType",
  "isNullable",
  "isPrimaryKey",
  "proposedCategory",
  "proposedSensitivity",
  "confidence",
  "reviewStatus",
  "decidedCategory",
  "decidedSensitivity",
  "decidedBy",
  "decidedAt",
  "decisionComment",
  "effectiveCategory",
  "effectiveSensitivity",
  "isPii",
  "needsRereview",
  "classifiedAt",
  "droppedAt",
  "detectors",
] as const;

export type ExportedEntry = CatalogColumn & {
  decisionComment: string | null;
  /** The detectors that fired, `detector:matched/sampled`, for a spreadsheet reader. */
  detectors: string;
  evidence: Evidence[];
};

/**
 * Every catalog entry (dropped ones included, with `droppedAt`) in catalog order, read a keyset
 * page at a time over the (store, schema, table, column, path) unique index: an export holds one
 * page in memory and no long-lived cursor or transaction.
 */
export async function* streamCatalogEntries(
  db: Db,
  pageSize = 1_000,
): AsyncGenerator<ExportedEntry> {
  let last: [string, string, string, string, string] | undefined;
  for (;;) {
    let query = db
      .selectFrom("governance.catalog_effective_columns")
      .select([...COLUMN_FIELDS, "decision_comment", "evidence"]);
    if (last) {
      const [store, schema, table, column, path] = last;
      query = query.where(
        sql<SqlBool>`(store, schema_name, table_name, column_name, json_path)
          > (${store}, ${schema}, ${table}, ${column}, ${path})`,
      );
    }
    const rows = await query
      .orderBy("store")
      .orderBy("schema_name")
      .orderBy("table_name")
      .orderBy("column_name")
      .orderBy("json_path")
      .limit(pageSize)
      .execute();
    for (const row of rows) {
      const evidence = asArray<Evidence>(row.evidence);
      yield {
        ...toColumn(row),
        decisionComment: row.decision_comment,
        evidence,
        detectors: evidence.map((e) => `${e.detector}:${e.matched}/${e.sampled}`).join(" "),
      };
    }
    const tail = rows.at(-1);
    if (!tail || rows.length < pageSize) {
      return;
    }
    last = [
      tail.store ?? "",
      tail.schema_name ?? "",
      tail.table_name ?? "",
      tail.column_name ?? "",
      tail.json_path ?? "",
    ];
  }
}

/** RFC 4180 cell; a cell a spreadsheet would run as a formula gets a leading apostrophe. */
function csvCell(value: unknown): string {
  let text =
    value === null || value === undefined
      ? ""
      : typeof value === "object"
        ? JSON.stringify(value)
        : String(value);
  if (/^[=+\-@\t\r]/.test(text)) {
    text = `'${text}`;
  }
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const csvRow = (values: unknown[]) => `${values.map(csvCell).join(",")}\r\n`;

/**
 * The catalog and its decisions as text chunks: CSV (a header, then one line per entry) or one
 * JSON document `{"exportedAt", "columns": [...]}` written an entry at a time, so the caller can
 * stream it without holding the catalog in memory.
 */
export async function* exportCatalog(
  db: Db,
  format: "json" | "csv",
  now: Date = new Date(),
): AsyncGenerator<string> {
  if (format === "csv") {
    yield csvRow([...EXPORT_FIELDS]);
    for await (const entry of streamCatalogEntries(db)) {
      yield csvRow(EXPORT_FIELDS.map((field) => entry[field]));
    }
    return;
  }
  yield `{"exportedAt":${JSON.stringify(now.toISOString())},"columns":[`;
  let first = true;
  for await (const entry of streamCatalogEntries(db)) {
    yield `${first ? "\n" : ",\n"}${JSON.stringify(entry)}`;
    first = false;
  }
  yield "\n]}\n";
}
