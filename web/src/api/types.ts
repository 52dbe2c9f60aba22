// Wire shapes of the API the console reads. Only types cross from the server side
// (web ──(types only)──▶ schema/domain); the shapes below mirror server/routes/*.
import type { Permission, Role } from "../../../schema/domain/permissions.ts";
import type { ScheduleState } from "../../../schema/domain/schedules.ts";

export type { Permission, Role };

export type Me = {
  user: { id: string; email: string; displayName: string; role: Role };
  permissions: Permission[];
};

export type Page<T> = { items: T[]; total: number };

export type ConsoleUser = {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  disabledAt: string | null;
  lastLoginAt: string | null;
  createdAt: string;
};

export type AuditEvent = {
  id: string | number;
  occurredAt: string;
  actor: string;
  actorRole: string | null;
  action: string;
  target: string | null;
  summary: unknown;
  requestId: string | null;
  sourceIp: string | null;
};

export type QueueCounts = {
  waiting: number;
  active: number;
  completed: number;
  failed: number;
  delayed: number;
};

export type QueueInfo = {
  queue: string;
  defined: boolean;
  schedule: { cron: string; enabled: boolean } | null;
  /** The scheduler the queue really holds (`missing`: configured, but Redis lost it). */
  scheduler: { state: ScheduleState; pattern: string | null; nextRunAt: string | null };
  counts: QueueCounts;
};

export type JobRunStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled" | string;

export type JobRun = {
  id: string;
  queue: string;
  jobName: string;
  queueJobId: string | null;
  status: JobRunStatus;
  attempt: number;
  progress: number | null;
  counts: Record<string, number> | null;
  error: string | null;
  triggeredBy: string | null;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
};

export type Overview = {
  tenants: number;
  catalog: { tables: number; columns: number; rowEstimate: number };
  jobs: {
    last24h: Record<string, number>;
    lastFailure: { queue: string; jobName: string; error: string | null; at: string } | null;
  };
  /** Null when the signed-in role may not read the audit trail. */
  recentAudit: Array<{
    id: string;
    occurredAt: string;
    actor: string;
    action: string;
    target: string | null;
  }> | null;
};

/** The roles in the order the console offers them (mirrors ROLES in schema/domain). */
export const ROLES_LIST: readonly Role[] = ["steward", "compliance_officer", "engineer", "admin"];
