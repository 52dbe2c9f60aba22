// Wire shapes of /api/v1/retention/* (server/routes/retention/schemas.ts is the source of truth;
// these mirror it for the console, which imports no server code).

export const REQUEST_STATUSES = [
  "pending_approval",
  "approved",
  "rejected",
  "running",
  "done",
  "blocked",
  "expired",
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export const REQUEST_KINDS = ["retention", "erasure"] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

export const POLICY_ACTIONS = ["delete", "archive_then_delete", "anonymize"] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

/** The editable definition of a retention policy (one version of it). */
export type PolicyDefinition = {
  name: string;
  regulation: string | null;
  description: string | null;
  table: string;
  dateColumn: string;
  period: string;
  condition: string | null;
  action: PolicyAction;
  threshold: number;
  enabled: boolean;
};

export type RetentionPolicy = PolicyDefinition & {
  id: string;
  version: number;
  updatedAt: string | null;
  updatedBy: string | null;
};

export type PolicyVersion = {
  version: number;
  definition: Record<string, unknown>;
  changedBy: string | null;
  changedAt: string | null;
  reason: string | null;
};

export type PolicyDetail = RetentionPolicy & { versions: PolicyVersion[] };

export type Person = { id: string | null; email: string | null };

export type DeletionRequest = {
  id: string;
  kind: RequestKind;
  status: RequestStatus;
  policyId: string | null;
  policyName: string | null;
  tenantId: string | null;
  totalRows: number;
  needsApproval: boolean;
  fingerprint: string;
  requestedBy: Person;
  createdAt: string;
};

export type TableCount = { table: string; tenantId: string | null; rows: number };

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

export type Approval = {
  decision: "approved" | "rejected";
  by: Person;
  reason: string;
  at: string;
  expiresAt: string | null;
  fingerprint: string | null;
};

export type RequestDetail = DeletionRequest & {
  cutoff: string | null;
  predicate: string | null;
  policyVersion: number | null;
  counts: TableCount[];
  samples: SampleTable[];
  approvals: Approval[];
  timeline: TimelineEvent[];
  progress: { done: number; total: number } | null;
  blockedBy: string | null;
  certificateId: string | null;
};

export type LegalHold = {
  id: string;
  tenantId: string | null;
  customerId: string | null;
  table: string | null;
  from: string | null;
  to: string | null;
  reason: string;
  owner: string | null;
  createdAt: string;
  releasedAt: string | null;
  releasedBy: string | null;
};

export type InvestigationFlag = {
  active: boolean;
  reason: string | null;
  setBy: string | null;
  setAt: string | null;
};

export type CertificateSummary = {
  id: string;
  requestId: string;
  kind: RequestKind;
  policyName: string | null;
  tenantId: string | null;
  totalRows: number;
  issuedAt: string;
};

export type Certificate = CertificateSummary & {
  /** The signed statement as stored: what, when, who requested and approved, counts, checksums. */
  body: Record<string, unknown>;
};

/** The error details a refused approval carries (error.details.reason). */
export type Refusal =
  | "self_approval"
  | "expired"
  | "fingerprint_mismatch"
  | "held"
  | "wrong_status"
  | string;
