// The catalog's vocabulary for the console's filters, checked against the shared taxonomy at
// compile time, and the catalog API's wire types (inferred from the routes' own schemas).
import type {
  Category,
  Evidence,
  ReviewStatus,
  Sensitivity,
} from "../../../../schema/domain/classification.ts";

export type { Category, Evidence, ReviewStatus, Sensitivity };

export const CATEGORY_OPTIONS = [
  "email",
  "phone",
  "person_name",
  "postal_address",
  "date_of_birth",
  "government_id",
  "payment_card",
  "bank_account",
  "ip_address",
  "geolocation",
  "credential",
  "free_text_pii",
  "none",
] as const satisfies readonly Category[];

export const SENSITIVITY_OPTIONS = [
  "public",
  "internal",
  "confidential",
  "restricted",
] as const satisfies readonly Sensitivity[];

/**
 * Review states plus `needs_rereview` (flagged by a contradicting re-scan), `open` (either) and
 * `not_classifiable` (no usable samples, no decision yet: blocks provisioning).
 */
export const STATUS_OPTIONS = [
  "pending",
  "accepted",
  "rejected",
  "overridden",
  "needs_rereview",
  "open",
  "not_classifiable",
] as const satisfies readonly (ReviewStatus | "needs_rereview" | "open" | "not_classifiable")[];

// A taxonomy entry missing from the lists above fails the build here, not in a select at runtime.
type Missing<All, Listed> = Exclude<All, Listed> extends never ? true : Exclude<All, Listed>;
export const categoriesCovered: Missing<Category, (typeof CATEGORY_OPTIONS)[number]> = true;
export const sensitivitiesCovered: Missing<Sensitivity, (typeof SENSITIVITY_OPTIONS)[number]> =
  true;

// The wire shapes themselves are the routes' zod schemas (schema/contracts/catalog.ts).
export type {
  TBulkReviewResult as BulkReviewResult,
  TCatalogColumn as CatalogColumn,
  TCatalogColumnDetail as CatalogColumnDetail,
  TCatalogSummary as CatalogSummary,
  TColumnDefinition as ColumnDefinition,
  TColumnVersion as ColumnVersion,
  TDriftEvent as DriftEvent,
  TForeignKeyRef as ForeignKeyRef,
  TReviewEvent as ReviewEvent,
} from "../../../../schema/contracts/catalog.ts";

export type ReviewAction = "accept" | "reject" | "override";
