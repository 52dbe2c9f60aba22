// Wire shapes of the catalog API (server/routes/catalog/*). Only types cross from the server
// side; the option lists below are checked against the shared vocabulary at compile time.
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

/** One row of the catalog: a column, or one JSONB key path inside a column (`jsonPath` set). */
export type CatalogColumn = {
  /** Latest data-quality score of the column's rules (jobs/quality), when it has any. */
  qualityScore?: number | null;
  /** Latest data-quality score of the table's rules. */
  tableQualityScore?: number | null;
  id: string;
  store: string;
  schema: string;
  table: string;
  column: string;
  /** '' for the column itself. */
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
  /** Why the scanner had no usable samples (unreadable, empty, all NULL so far), or null. */
  unclassifiableReason: string | null;
  classifiedAt: string | null;
  droppedAt: string | null;
  version: number;
};

export type ReviewEvent = {
  id: number;
  occurredAt: string;
  actor: string;
  action: "proposed" | "accepted" | "rejected" | "overridden" | "flagged" | "reopened" | string;
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
  definition: unknown;
  scanId: string | null;
  recordedAt: string;
};

export type CatalogColumnDetail = CatalogColumn & {
  comment: string | null;
  ordinal: number;
  foreignKey: unknown;
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
    foreignKeys: Array<{ column: string; references: unknown }>;
  } | null;
  /** JSONB key paths found inside this column (empty for other columns and for a path row). */
  paths: CatalogColumn[];
  versions: ColumnVersion[];
  history: ReviewEvent[];
  drift: DriftEvent[];
};

export type CatalogSummary = {
  columns: number;
  paths: number;
  classified: number;
  reviewed: number;
  pending: number;
  needsRereview: number;
  piiColumns: number;
  piiTables: number;
  piiByCategory: Array<{ category: Category; columns: number }>;
  piiByTable: Array<{
    store: string;
    schema: string;
    table: string;
    columns: number;
    categories: Category[];
  }>;
  lastScanAt: string | null;
};

export type ReviewAction = "accept" | "reject" | "override";

export type BulkReviewResult = { changed: number; ids: string[] };
