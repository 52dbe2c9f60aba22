import { z } from "@hono/zod-openapi";
import { CATEGORIES, SENSITIVITIES } from "../../../schema/domain/classification.ts";
import {
  CATALOG_SORTS,
  type CatalogFilter,
  type CatalogPage,
  type CatalogSortField,
} from "../../../schema/governance/catalog-query.ts";
import { queryInt } from "../audit/filters.ts";

/** Printable one-line text: a control character could never match and Postgres rejects NUL. */
export const queryText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((value) => !/\p{Cc}/u.test(value), "must not contain control characters");

/** A steward's comment: several lines allowed, other control characters and NUL not. */
export const ZComment = z
  .string()
  .trim()
  .max(2_000)
  .refine(
    (value) => !/\p{Cc}/u.test(value.replace(/[\n\r\t]/g, "")),
    "must not contain control characters",
  )
  .openapi({ description: "Why (at most 2000 characters)" });

export const ZCategory = z.enum(CATEGORIES).openapi("Category");
export const ZSensitivity = z.enum(SENSITIVITIES).openapi("Sensitivity");
export const ZStore = z.enum(["postgres", "clickhouse"]);

/** A confidence bound in 0..1 written in decimal ("0.9", "1", ".95"). */
const queryConfidence = z
  .string()
  .regex(/^(0|1|0?\.\d{1,6}|1\.0{1,6})$/, "must be a number from 0 to 1")
  .transform(Number)
  .optional()
  .openapi({ type: "number", minimum: 0, maximum: 1 });

const queryFlag = z.enum(["true", "false"]).optional();

const SORT_VALUES = CATALOG_SORTS.flatMap((field) => [`${field}:asc`, `${field}:desc`] as const);

/** The catalog list's query: filters, `sort=field:dir`, page. */
export const ZCatalogQuery = z.strictObject({
  store: ZStore.optional(),
  schema: queryText(128).optional().openapi({ description: "Exact schema name" }),
  table: queryText(128).optional().openapi({ description: "Exact table name" }),
  category: ZCategory.optional().openapi({
    description: "The effective category (decision, else proposal)",
  }),
  proposed: ZCategory.optional().openapi({
    description: "The scanner's proposed category, whatever a steward decided",
  }),
  sensitivity: ZSensitivity.optional(),
  status: z
    .enum([
      "pending",
      "accepted",
      "rejected",
      "overridden",
      "needs_rereview",
      "open",
      "not_classifiable",
    ])
    .optional()
    .openapi({
      description:
        "A review status; needs_rereview: a re-scan contradicted the decision; open: waiting for a steward (a proposal pending or flagged for re-review; what a bulk decision by filter touches); not_classifiable: no usable samples (unreadable, empty, all NULL so far) and no decision yet",
    }),
  minConfidence: queryConfidence,
  maxConfidence: queryConfidence,
  q: queryText(200).optional().openapi({ description: "Substring of schema.table.column" }),
  pii: queryFlag.openapi({ description: "true: only entries holding personal data" }),
  includeDropped: queryFlag,
  level: z
    .enum(["column", "path"])
    .optional()
    .openapi({ description: "Only columns, or only JSONB key paths (default both)" }),
  sort: z.enum(SORT_VALUES as [string, ...string[]]).default("table:asc"),
  page: queryInt(1, 1_000_000, 1),
  pageSize: queryInt(1, 200, 50),
});
export type TCatalogQuery = z.infer<typeof ZCatalogQuery>;

export function toCatalogFilter(query: TCatalogQuery): CatalogFilter {
  return {
    store: query.store,
    schema: query.schema,
    table: query.table,
    category: query.category,
    proposedCategory: query.proposed,
    sensitivity: query.sensitivity,
    status: query.status,
    minConfidence: query.minConfidence,
    maxConfidence: query.maxConfidence,
    search: query.q,
    piiOnly: query.pii === "true",
    includeDropped: query.includeDropped === "true",
    level: query.level,
  };
}

export function toCatalogPage(query: TCatalogQuery): CatalogPage {
  const [field, direction] = query.sort.split(":");
  return {
    page: query.page,
    pageSize: query.pageSize,
    sort: field as CatalogSortField,
    direction: direction === "desc" ? "desc" : "asc",
  };
}

const ZEvidence = z
  .object({
    detector: z.string(),
    signal: z.enum(["name", "comment", "value", "llm", "lineage"]),
    category: ZCategory,
    matched: z.number(),
    sampled: z.number(),
    examples: z.array(z.string()),
    note: z.string().optional(),
  })
  .openapi("Evidence");

export const ZCatalogColumn = z
  .object({
    id: z.string(),
    store: z.string(),
    schema: z.string(),
    table: z.string(),
    column: z.string(),
    jsonPath: z.string().describe("'' for the column itself, else a JSONB key path"),
    dataType: z.string(),
    isNullable: z.boolean(),
    isPrimaryKey: z.boolean(),
    proposedCategory: ZCategory.nullable(),
    proposedSensitivity: ZSensitivity.nullable(),
    confidence: z.number().nullable(),
    effectiveCategory: ZCategory.nullable(),
    effectiveSensitivity: ZSensitivity.nullable(),
    isPii: z.boolean(),
    reviewStatus: z.enum(["pending", "accepted", "rejected", "overridden"]),
    decidedCategory: ZCategory.nullable(),
    decidedSensitivity: ZSensitivity.nullable(),
    decidedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
    needsRereview: z.boolean(),
    unclassifiableReason: z
      .string()
      .nullable()
      .describe(
        "Why the scanner had no usable samples (unreadable, empty, all NULL); pending with a reason blocks provisioning",
      ),
    classifiedAt: z.string().nullable(),
    droppedAt: z.string().nullable(),
    version: z.number().int(),
  })
  .openapi("CatalogColumn");

export const ZDriftEvent = z
  .object({
    id: z.number().int(),
    scanId: z.string().nullable(),
    occurredAt: z.string(),
    kind: z.string(),
    store: z.string(),
    schema: z.string(),
    table: z.string(),
    column: z.string().nullable(),
    before: z.unknown(),
    after: z.unknown(),
    acknowledgedBy: z.string().nullable(),
    acknowledgedAt: z.string().nullable(),
  })
  .openapi("CatalogDriftEvent");

export const ZCatalogColumnDetail = ZCatalogColumn.extend({
  comment: z.string().nullable(),
  ordinal: z.number().int(),
  foreignKey: z.unknown(),
  evidence: z.array(ZEvidence),
  maskedSamples: z.array(z.unknown()),
  stats: z.record(z.string(), z.unknown()),
  decisionComment: z.string().nullable(),
  rereviewEvidence: z.array(ZEvidence).nullable(),
  tableInfo: z
    .object({
      kind: z.string(),
      rowEstimate: z.number().nullable(),
      comment: z.string().nullable(),
      constraints: z.unknown(),
      foreignKeys: z.array(z.object({ column: z.string(), references: z.unknown() })),
    })
    .nullable(),
  paths: z.array(ZCatalogColumn),
  versions: z.array(
    z.object({
      version: z.number().int(),
      definition: z.unknown(),
      scanId: z.string().nullable(),
      recordedAt: z.string(),
    }),
  ),
  history: z.array(
    z.object({
      id: z.number().int(),
      occurredAt: z.string(),
      actor: z.string(),
      action: z.string(),
      category: ZCategory.nullable(),
      sensitivity: ZSensitivity.nullable(),
      confidence: z.number().nullable(),
      comment: z.string().nullable(),
      evidence: z.array(ZEvidence).nullable(),
    }),
  ),
  drift: z.array(ZDriftEvent),
}).openapi("CatalogColumnDetail");

export const ZCatalogSummary = z
  .object({
    columns: z.number().int().describe("Live columns (JSONB paths not counted)"),
    paths: z.number().int().describe("Live JSONB key paths"),
    classified: z.number().int().describe("Columns with a proposal"),
    reviewed: z.number().int().describe("Columns a steward decided"),
    pending: z.number().int().describe("Columns and paths whose proposal waits for a steward"),
    needsRereview: z.number().int().describe("Decisions a re-scan contradicted"),
    piiColumns: z.number().int().describe("Columns holding personal data (or a path that does)"),
    piiTables: z.number().int().describe("Tables with at least one PII column"),
    piiByCategory: z.array(z.object({ category: ZCategory, columns: z.number().int() })),
    piiByTable: z.array(
      z.object({
        store: z.string(),
        schema: z.string(),
        table: z.string(),
        columns: z.number().int(),
        categories: z.array(ZCategory),
      }),
    ),
    lastScanAt: z.string().nullable(),
  })
  .openapi("CatalogSummary");

export const ZColumnIdParams = z.strictObject({
  id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
});
