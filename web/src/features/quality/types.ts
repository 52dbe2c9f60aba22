// Wire shapes of /api/v1/quality/* (server/routes/quality/schemas.ts is the source of truth;
// these mirror it for the console, which imports no server code).

export type RuleOverview = {
  id: string;
  table: string;
  column: string | null;
  kind: string;
  severity: "warning" | "error" | "critical";
  threshold: number;
  tenants: string;
  enabled: boolean;
  version: number;
  source: string;
  owner: string | null;
  lastScore: number | null;
  lastPassed: boolean | null;
  lastEvaluatedAt: string | null;
  sparkline: number[];
  openIncidents: number;
};

export type RuleResult = {
  id: string | null;
  rule: string;
  table: string;
  column: string | null;
  kind: string;
  tenant_id: string | null;
  score: number | null;
  threshold: number;
  passed: boolean | null;
  severity: string;
  failing: number;
  total: number;
  sample_keys: string[];
  detail: Record<string, unknown>;
  error: string | null;
};

export type RunResponse = {
  runId: string | null;
  results: RuleResult[];
  incidents: { opened: string[]; resolved: string[]; stillOpen: string[] };
};

export type ResultRow = {
  id: string;
  runId: string;
  rule: string;
  table: string;
  tenantId: string | null;
  tenantName: string | null;
  score: number | null;
  threshold: number;
  passed: boolean | null;
  severity: string;
  failing: number;
  total: number;
  samples: number;
  detail: Record<string, unknown>;
  error: string | null;
  evaluatedAt: string;
};

export const INCIDENT_STATUSES = ["new", "acknowledged", "assigned", "resolved"] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export type Incident = {
  id: string;
  rule: string;
  status: IncidentStatus;
  severity: string;
  title: string;
  table: string;
  tenant_id: string | null;
  assignee: string | null;
  opened_at: string;
  acknowledged_at: string | null;
  resolved_at: string | null;
  last_score: number | null;
};

export type IncidentDetail = {
  incident: Incident;
  events: {
    at: string;
    actor: string;
    action: string;
    comment: string | null;
    assignee: string | null;
  }[];
};

export type Samples = {
  table: string;
  column: string | null;
  category: string;
  masked: boolean;
  rows: { key: string; tenantId: string | null; value: string | null }[];
};

export type Suggestion = {
  id: string;
  ruleId: string;
  rule: Record<string, unknown>;
  reason: string;
  origin: "catalog" | "profile";
  status: "proposed" | "accepted" | "rejected";
  createdAt: string;
  decidedBy: string | null;
};

export type QualitySummary = {
  rules: number;
  evaluated: number;
  passing: number;
  failing: number;
  openIncidents: number;
  criticalOpen: number;
  lastRunAt: string | null;
  averageScore: number | null;
};

export function percent(score: number | null | undefined): string {
  return score === null || score === undefined ? "—" : `${(score * 100).toFixed(1)}%`;
}
