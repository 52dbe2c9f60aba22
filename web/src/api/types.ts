// Wire types of the API the console reads: inferred from the routes' own zod schemas in
// schema/contracts (web ──(types only)──▶ schema), so a changed field fails tsc on both sides.
import type { Permission, Role } from "../../../schema/domain/permissions.ts";

export type {
  TMe as Me,
  TUser as ConsoleUser,
} from "../../../schema/contracts/accounts.ts";
export type { TAuditEvent as AuditEvent } from "../../../schema/contracts/audit.ts";
export type {
  TJobRun as JobRun,
  TJobRunStatus as JobRunStatus,
  TQueueState as QueueInfo,
} from "../../../schema/contracts/jobs.ts";
export type { TOverview as Overview } from "../../../schema/contracts/overview.ts";
export type { Permission, Role };

export type Page<T> = { items: T[]; total: number };

/** The roles in the order the console offers them (mirrors ROLES in schema/domain). */
export const ROLES_LIST: readonly Role[] = ["steward", "compliance_officer", "engineer", "admin"];
