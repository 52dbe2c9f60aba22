import {
  currentPolicies,
  type PolicyVersion,
  syncPolicyFiles,
} from "../../../jobs/retention/policies.ts";
import type { Db } from "../../../schema/postgres.ts";
import { iso } from "./schemas.ts";

/**
 * The current policies. Until the planner first runs, the database has none: the shipped
 * schedule file is loaded then (the engine's idempotent sync), so the console shows and edits
 * the real schedules from the start.
 */
export async function loadedPolicies(db: Db): Promise<PolicyVersion[]> {
  const policies = await currentPolicies(db);
  if (policies.length > 0) {
    return policies;
  }
  await syncPolicyFiles(db);
  return currentPolicies(db);
}

/** The wire shape of a policy version (rules/retention/schema.ts names the definition's fields). */
export function policyView(version: PolicyVersion) {
  const policy = version.policy;
  return {
    id: version.id,
    version: version.version,
    title: policy.title,
    description: policy.description ?? null,
    regulation: policy.regulation,
    table: policy.table,
    dateColumn: Array.isArray(policy.dateColumn) ? policy.dateColumn : [policy.dateColumn],
    period: policy.period,
    action: policy.action,
    threshold: policy.threshold,
    financial: policy.financial,
    enabled: policy.enabled,
    source: version.source,
    editedBy: version.editedBy,
    editedAt: iso(version.editedAt),
    note: version.note,
    definition: policy as unknown as Record<string, unknown>,
  };
}

export function versionView(version: PolicyVersion) {
  return {
    version: version.version,
    active: version.active,
    source: version.source,
    editedBy: version.editedBy,
    editedAt: iso(version.editedAt),
    note: version.note,
    definition: version.policy as unknown as Record<string, unknown>,
  };
}
