import { z } from "@hono/zod-openapi";
import { ZCategory, ZSensitivity } from "../../../schema/contracts/catalog.ts";
import {
  CATALOG_SORTS,
  type CatalogFilter,
  type CatalogPage,
  type CatalogSortField,
} from "../../../schema/governance/catalog-query.ts";
import { queryInt } from "../audit/filters.ts";

export {
  ZCatalogColumn,
  ZCatalogColumnDetail,
  ZCatalogSummary,
  ZCategory,
  ZDriftEvent,
  ZSensitivity,
} from "../../../schema/contracts/catalog.ts";

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

export const ZColumnIdParams = z.strictObject({
  id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
});
