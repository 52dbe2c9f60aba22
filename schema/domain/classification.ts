/**
 * The classification vocabulary shared by the classifier (rules/classification), the catalog
 * scanner (jobs/classify), masking (category → default rule), retention erasure (which columns
 * can hold a person's identifiers) and the console (types only).
 */

/** The fixed taxonomy of personal-data categories; `none` means no personal data. */
export const CATEGORIES = [
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
] as const;
export type Category = (typeof CATEGORIES)[number];

export const SENSITIVITIES = ["public", "internal", "confidential", "restricted"] as const;
export type Sensitivity = (typeof SENSITIVITIES)[number];

/** A steward's decision state for one proposal. */
export const REVIEW_STATUSES = ["pending", "accepted", "rejected", "overridden"] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

/** One column to classify: what the offline contract reads and what the scanner samples. */
export type ColumnSample = {
  table: string;
  column: string;
  /** The store's type name, e.g. `text`, `jsonb`, `character varying(255)`, `Nullable(String)`. */
  type: string;
  comment?: string;
  /** Sampled values as JSON values; jsonb samples are objects or arrays. */
  samples: unknown[];
};

/** Why a category was proposed: one detector and how often it fired. Examples are masked. */
export type Evidence = {
  detector: string;
  signal: "name" | "comment" | "value" | "llm" | "lineage" | "steward";
  /** The category this detector speaks for. */
  category: Category;
  /** Samples on which it fired, out of `sampled` non-null samples (name/comment: 1 of 1). */
  matched: number;
  sampled: number;
  /** Masked examples (never a real value), at most a few. */
  examples: string[];
  note?: string;
};

/** A proposal for one JSONB key path inside a column, e.g. `address.street` or `items[].email`. */
export type PathProposal = {
  path: string;
  category: Category;
  sensitivity: Sensitivity;
  confidence: number;
  evidence: Evidence[];
};

/** The classifier's proposal for one column. */
export type ColumnProposal = {
  category: Category;
  sensitivity: Sensitivity;
  /** 0..1 */
  confidence: number;
  evidence: Evidence[];
  /** Only for JSON columns: one entry per key path seen in the samples. */
  paths: PathProposal[];
};
