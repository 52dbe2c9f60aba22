// The console's names for the quality API's wire shapes, defined once in schema/contracts/quality.ts.
import type { TIncident } from "../../../../schema/contracts/quality.ts";

export type {
  TIncident as Incident,
  TIncidentDetail as IncidentDetail,
  TResultRow as ResultRow,
  TRuleOverview as RuleOverview,
  TRuleResult as RuleResult,
  TRunResponse as RunResponse,
  TSamples as Samples,
  TSuggestion as Suggestion,
  TSummary as QualitySummary,
} from "../../../../schema/contracts/quality.ts";

export const INCIDENT_STATUSES = [
  "new",
  "acknowledged",
  "assigned",
  "resolved",
] as const satisfies readonly TIncident["status"][];
export type IncidentStatus = TIncident["status"];

export function percent(score: number | null | undefined): string {
  return score === null || score === undefined ? "—" : `${(score * 100).toFixed(1)}%`;
}
