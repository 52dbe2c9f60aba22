// The catalog API's wire shapes (server/routes/catalog/*), defined once: the routes validate and
// document with them, the console imports their inferred types (a changed field fails tsc on both).
import { z } from "@hono/zod-openapi";
import { CATEGORIES, SENSITIVITIES } from "../domain/classification.ts";

export const ZCategory = z.enum(CATEGORIES).openapi("Category");
export const ZSensitivity = z.enum(SENSITIVITIES).openapi("Sensitivity");

export const ZEvidence = z
  .object({
    detector: z.string(),
    signal: z.enum(["name", "comment", "value", "llm", "lineage", "steward"]),
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
    qualityScore: z
      .number()
      .nullable()
      .optional()
      .describe("Latest data-quality score of the column's rules (0..1); null without rules"),
    tableQualityScore: z
      .number()
      .nullable()
      .optional()
      .describe("Latest data-quality score of the table's rules (0..1); null without rules"),
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

/** Where a foreign key points, as the scanner records it. */
export const ZForeignKeyRef = z
  .object({ schema: z.string(), table: z.string(), column: z.string() })
  .openapi("ForeignKeyRef");

/** The part of a column's definition whose change is drift (one catalog version each). */
export const ZColumnDefinition = z
  .object({
    data_type: z.string().optional(),
    is_nullable: z.boolean().optional(),
    comment: z.string().nullable().optional(),
    is_primary_key: z.boolean().optional(),
    foreign_key: ZForeignKeyRef.nullable().optional(),
  })
  .loose()
  .openapi("ColumnDefinition");

export const ZCatalogColumnDetail = ZCatalogColumn.extend({
  comment: z.string().nullable(),
  ordinal: z.number().int(),
  foreignKey: ZForeignKeyRef.nullable(),
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
      foreignKeys: z.array(z.object({ column: z.string(), references: ZForeignKeyRef })),
    })
    .nullable(),
  paths: z.array(ZCatalogColumn),
  versions: z.array(
    z.object({
      version: z.number().int(),
      definition: ZColumnDefinition.nullable(),
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
    pendingPaths: z.number().int().describe("Of `pending`, how many are JSONB key paths"),
    byStore: z
      .array(
        z.object({
          store: z.string(),
          tables: z.number().int(),
          columns: z.number().int(),
          paths: z.number().int(),
        }),
      )
      .describe("Live tables, columns and JSONB paths per store (postgres, clickhouse)"),
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

export const ZBulkReviewResult = z.object({ changed: z.number().int(), ids: z.array(z.string()) });

export type TCatalogColumn = z.infer<typeof ZCatalogColumn>;
export type TCatalogColumnDetail = z.infer<typeof ZCatalogColumnDetail>;
export type TCatalogSummary = z.infer<typeof ZCatalogSummary>;
export type TDriftEvent = z.infer<typeof ZDriftEvent>;
export type TEvidence = z.infer<typeof ZEvidence>;
export type TColumnVersion = TCatalogColumnDetail["versions"][number];
export type TReviewEvent = TCatalogColumnDetail["history"][number];
export type TBulkReviewResult = z.infer<typeof ZBulkReviewResult>;
export type TForeignKeyRef = z.infer<typeof ZForeignKeyRef>;
export type TColumnDefinition = z.infer<typeof ZColumnDefinition>;
