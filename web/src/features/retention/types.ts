// Wire shapes of /api/v1/retention/* (server/routes/retention/schemas.ts is the source of truth;
// these mirror it for the console, which imports no server code).

export const REQUEST_STATUSES = [
  "planning",
  "pending_approval",
  "approved",
  "rejected",
  "running",
  "done",
  "blocked",
  "expired",
  "failed",
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export const REQUEST_KINDS = ["retention", "erasure", "access"] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

export const POLICY_ACTIONS = ["delete", "archive_then_delete", "anonymize"] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

export type RetentionPolicy = {
  id: string;
  version: number;
  title: string;
  description: string | null;
  regulation: string;
  table: string;
  dateColumn: string[];
  period: string;
  action: string;
  threshold: number;
  financial: boolean;
  enabled: boolean;
  source: string;
  editedBy: string;
  editedAt: string;
  note: string | null;
  /** The policy as validated (rules/retention/schema.ts); the edit form sends it back whole. */
  definition: Record<string, unknown>;
};

export type PolicyVersion = {
  version: number;
  active: boolean;
  source: string;
  editedBy: string;
  editedAt: string;
  note: string | null;
  definition: Record<string, unknown>;
};

export type PolicyDetail = RetentionPolicy & { versions: PolicyVersion[] };

export type DeletionRequest = {
  id: string;
  kind: RequestKind;
  status: RequestStatus;
  policyId: string | null;
  policyVersion: number | null;
  tenantId: string;
  subject: Record<string, unknown>;
  totalRows: number;
  counts: Record<string, number>;
  requiresApproval: boolean;
  approvalReasons: string[];
  fingerprint: string;
  requestedBy: string;
  /** The signed-in person requested it, so may not approve it. */
  requestedByYou: boolean;
  createdAt: string;
  approvedBy: string | null;
  approvedAt: string | null;
  approvalExpiresAt: string | null;
  blockedBy: string[];
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  hasCertificate: boolean;
};

export type TableCount = { table: string; tenantId: string; rows: number };

export type SampleTable = {
  table: string;
  columns: string[];
  /** Every value is masked by the server; raw PII never reaches the console. */
  rows: Record<string, string | null>[];
};

export type TimelineEvent = {
  at: string;
  event: string;
  actor: string | null;
  reason: string | null;
};

/**
 * One table of a request's plan (`definition.tables`); the erasure fields are present on an
 * erasure's plan only.
 */
export type PlanTable = {
  table: string;
  /** Erasure: what is done to the person's own rows. */
  action?: "delete" | "archive_then_delete" | "anonymize" | "scrub";
  actionSource?: "financial_schedule" | "fixed_list" | "no_single_key" | "default";
  reach?: "linked" | "mentioned" | "both";
  /** The person's columns and how each is anonymized. */
  anonymize?: Record<string, string>;
  /** Text and JSON columns of the person's rows scrubbed of their identifiers; null: every one. */
  scrubColumns?: string[] | null;
  /**
   * Rows of other people that only mention the person: only the person's identifiers are
   * replaced, in `scrubColumns` (null: every text and JSON column).
   */
  mentions?: { rows: number; scrubColumns: string[] | null } | null;
  columnSource?: "catalog" | "fixed_list" | null;
  columnCategories?: Record<string, string>;
  columnWhy?: string;
  [field: string]: unknown;
};

export type RequestDetail = DeletionRequest & {
  cutoff: string | null;
  /** The frozen plan (without an erasure's identifier digests). */
  definition: { tables?: PlanTable[]; [field: string]: unknown };
  keySetHash: string | null;
  impact: TableCount[];
  /** Downstream assets affected (lineage), beyond the request's own tables. */
  downstream?: {
    id: string;
    kind: "table" | "column" | "file";
    via: "flow" | "reference";
    from: string;
  }[];
  samples: SampleTable[];
  timeline: TimelineEvent[];
  progress: { done: number; total: number } | null;
  /** The same key set was rejected before: by whom, when and why. */
  earlierRejection: {
    requestId: string;
    rejectedBy: string;
    reason: string;
    rejectedAt: string;
  } | null;
  /** Who created, promoted or re-enabled your account / the approver's. */
  yourAccount: AccountProvenance | null;
  approverAccount: AccountProvenance | null;
  /** Why you may not decide this request (separation of duties); null when you may. */
  separationOfDuties: string | null;
  /** Rows of the policy's table by age in whole years; null for an erasure. */
  rowsByAge?: { years: number; rows: number }[] | null;
};

export type AccountProvenance = {
  email: string;
  events: {
    event: "created" | "role_changed" | "enabled";
    role: string;
    by: string;
    at: string;
    /** The event in words. */
    text: string;
  }[];
};

export type LegalHold = {
  id: string;
  tenantId: string | null;
  customerId: string | null;
  table: string | null;
  from: string | null;
  to: string | null;
  reason: string;
  owner: string;
  createdBy: string;
  createdAt: string;
  releasedAt: string | null;
  releasedBy: string | null;
  releaseReason: string | null;
};

export type InvestigationFlag = {
  regulation: string;
  active: boolean;
  reason: string | null;
  setBy: string | null;
  setAt: string | null;
};

export type CertificateSummary = {
  /** The request it certifies (one certificate per request). */
  id: string;
  requestId: string;
  kind: RequestKind;
  policyId: string | null;
  tenantId: string;
  totalRows: number;
  sha256: string;
  issuedAt: string;
};

export type Certificate = CertificateSummary & {
  /** The stored statement: what, when, who requested and approved, counts, checksums. */
  body: Record<string, unknown>;
};
