// Wire shapes of /api/v1/retention/*: inferred from the routes' own zod schemas in
// schema/contracts/retention.ts, so a changed field fails tsc on both sides.

export type {
  TAccountProvenance as AccountProvenance,
  TCertificate as Certificate,
  TCertificateSummary as CertificateSummary,
  THold as LegalHold,
  TInvestigation as InvestigationFlag,
  TPlanAnswer as PlanAnswer,
  TPlanTable as PlanTable,
  TPolicy as RetentionPolicy,
  TPolicyAction as PolicyAction,
  TPolicyDetail as PolicyDetail,
  TPolicyVersion as PolicyVersion,
  TRequest as DeletionRequest,
  TRequestDetail as RequestDetail,
  TRequestKind as RequestKind,
  TRequestStatus as RequestStatus,
  TSampleTable as SampleTable,
  TTableCount as TableCount,
  TTimelineEvent as TimelineEvent,
} from "../../../../schema/contracts/retention.ts";
export {
  POLICY_ACTIONS,
  REQUEST_KINDS,
  REQUEST_STATUSES,
} from "../../../../schema/contracts/retention.ts";
