import { createHash } from "node:crypto";
import { sql } from "kysely";
import { loadRetentionSchedule, type TRetentionSchedule } from "../../rules/retention/index.ts";
import type { AnalyticsStore } from "../../schema/analytics/analytics-store.ts";
import type { Config } from "../../schema/config.ts";
import { appendAuditEvent } from "../../schema/governance/audit-events.repository.ts";
import type { Db } from "../../schema/postgres.ts";
import { tieredTablesOf, withTierScope } from "../tiering/retention-scope.ts";
import {
  buildDefinition,
  canonicalJson,
  planFingerprint,
  type RequestDefinition,
} from "./definition.ts";
import { loadSchemaGraph, type SchemaGraph } from "./graph.ts";
import { refreshRequestBlock } from "./holds.ts";
import { plannedKeySetHash } from "./ledger-hash.ts";
import { keyCounts, writeKeySet } from "./plan-keys.ts";
import { currentPolicies, syncPolicyFiles } from "./policies.ts";
import { earlierRejection, getRequest, OPEN_STATUSES, type RetentionRequest } from "./requests.ts";

/**
 * The retention planner: for each current policy and each tenant, computes the candidate set
 * (root rows past the cutoff, and their FK children), freezes it as the request's key set, and
 * writes a deletion request with a stable definition and a fingerprint over policy version,
 * cutoff, definition, counts and key-set hash.
 *
 * A request above its policy's threshold, or touching financial records, waits for a compliance
 * officer; smaller ones are approved by the policy itself (approved_by 'policy', recorded in
 * retention_approvals and the audit trail). Legal holds or the SOX investigation flag in scope
 * make it `blocked`, naming them. Rows tiering moved to cold or the archive are candidates too
 * (jobs/tiering/retention-scope.ts): counted per table and tier (`tierCounts`), in the total the
 * threshold is compared with, and, by count and checksum, in the key-set hash and fingerprint;
 * planning a table tiering moved rows of needs the analytics store. An open request for the same policy and tenant is not
 * duplicated: an identical plan is reported again, a changed one replaces a waiting request
 * (the old one `expired`), and an approved or running one is left alone.
 */

/** The requester the scheduled job plans as (any compliance officer may approve its requests). */
export const PLANNER_ACTOR = "retention-job";

export type PlanOptions = {
  /** Who caused it: the console user who asked, or the job (`retention-job`) on its schedule. */
  requestedBy: string;
  /** The day to plan for (default: now); cutoffs are computed from its 00:00 UTC. */
  asOf?: Date;
  policyIds?: string[];
  tenantIds?: string[];
  /** Default: rules/retention/schedules.json (policies themselves come from the database). */
  schedule?: TRetentionSchedule;
  onProgress?: (done: number, total: number) => void;
  /** Reads cold and the archive (needed when tiering moved rows of a planned table). */
  tiers?: TierReader;
};

/** What reading a request's rows in cold and the archive needs. */
export type TierReader = { config: Config; analytics: AnalyticsStore };

/** A plan touches tables tiering moved rows of, and no analytics store was given to read them. */
export class TierReaderMissing extends Error {}

export type PlanOutcome = {
  request: RetentionRequest;
  /** `created` a new request; `unchanged` an identical open one exists; `kept` an approved/running one. */
  outcome: "created" | "unchanged" | "kept";
};

export type Evaluation = {
  /** Planned hot rows per table (the key set the executor works through). */
  counts: Record<string, number>;
  /** Planned rows per table in cold and the archive (tables with none left out). */
  tierCounts?: Record<string, TierCount>;
  /** Hot and tiered rows. */
  totalRows: number;
  keySetHash: string;
  fingerprint: string;
};

class Rollback extends Error {
  constructor(readonly evaluation: Evaluation) {
    super("rollback");
  }
}

export type TierCount = { cold: number; archive: number };

/**
 * Writes the hot key set and reads the request's rows in cold and the archive (the same scope
 * the executor's reach deletes): root rows a guarded child in a tier keeps are left out of the
 * hot key set, as the root predicate leaves out those with a young child in hot.
 */
async function planKeys(
  trx: Db,
  graph: SchemaGraph,
  definition: RequestDefinition,
  requestId: string,
  tenantId: string,
  tiers: TierReader | undefined,
): Promise<{ tierCounts: Record<string, TierCount>; tierTallies: Record<string, unknown> }> {
  const tiered = await tieredTablesOf(trx, definition);
  if (!tiered.length) {
    await writeKeySet(trx, graph, definition, requestId, tenantId);
    return { tierCounts: {}, tierTallies: {} };
  }
  if (!tiers) {
    throw new TierReaderMissing(
      `tiering moved rows of ${tiered.join(", ")} to cold or the archive; planning ${definition.policyId} needs the analytics store to count them`,
    );
  }
  const request = { id: requestId, tenantId, definition };
  return withTierScope({ db: trx, ...tiers }, request, "planned", async (scope) => {
    const guarded = await scope.tierGuardedRoots();
    await writeKeySet(trx, graph, definition, requestId, tenantId, guarded);
    const tierCounts: Record<string, TierCount> = {};
    const tierTallies: Record<string, unknown> = {};
    for (const t of await scope.tables()) {
      if (t.cold.rows + t.archive.rows > 0) {
        tierCounts[t.table] = { cold: t.cold.rows, archive: t.archive.rows };
        tierTallies[t.table] = { cold: t.cold, archive: t.archive };
      }
    }
    return { tierCounts, tierTallies };
  });
}

async function evaluateInto(
  trx: Db,
  graph: SchemaGraph,
  definition: RequestDefinition,
  requestId: string,
  tenantId: string,
  tiers?: TierReader,
): Promise<Evaluation> {
  const planned = await planKeys(trx, graph, definition, requestId, tenantId, tiers);
  const counts = await keyCounts(trx, requestId);
  const hotHash = await plannedKeySetHash(trx, requestId);
  const tierRows = Object.values(planned.tierCounts).reduce((a, t) => a + t.cold + t.archive, 0);
  // Tiered rows enter the key-set hash by their count and order-independent checksum per table
  // and tier: a changed tiered row changes the fingerprint an approval binds.
  const hash = tierRows
    ? createHash("sha256")
        .update(`${hotHash}\n${canonicalJson(planned.tierTallies)}`)
        .digest("hex")
    : hotHash;
  const totalRows = Object.values(counts).reduce((a, b) => a + b, 0) + tierRows;
  const fingerprint = planFingerprint({
    policyId: definition.policyId,
    policyVersion: definition.policyVersion,
    cutoff: definition.cutoff,
    definition,
    counts,
    keySetHash: hash,
  });
  return {
    counts,
    ...(tierRows ? { tierCounts: planned.tierCounts } : {}),
    totalRows,
    keySetHash: hash,
    fingerprint,
  };
}

async function insertPlanningRow(
  trx: Db,
  definition: RequestDefinition,
  tenantId: string,
  requestedBy: string,
  status: "planning" | "failed" = "planning",
) {
  return trx
    .insertInto("governance.retention_requests")
    .values({
      kind: "retention",
      policy_id: definition.policyId,
      policy_version: definition.policyVersion,
      tenant_id: tenantId,
      cutoff: definition.cutoff,
      definition: JSON.stringify(definition),
      fingerprint: "",
      status,
      requires_approval: true,
      requested_by: requestedBy,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
}

/**
 * Computes a definition's candidate set for a tenant now, without keeping anything (the keys
 * are written in a transaction that is rolled back). Same definition, same data ⇒ same
 * fingerprint; the approval gate and the executor use it to see whether data drifted.
 */
export async function evaluateDefinition(
  db: Db,
  definition: RequestDefinition,
  tenantId: string,
  graph?: SchemaGraph,
  tiers?: TierReader,
): Promise<Evaluation> {
  const schema = graph ?? (await loadSchemaGraph(db));
  try {
    await db.transaction().execute(async (trx) => {
      // A scratch row outside the open statuses, so it never collides with the open request
      // of the same policy and tenant; rolled back with its keys.
      const row = await insertPlanningRow(trx, definition, tenantId, "evaluation", "failed");
      throw new Rollback(await evaluateInto(trx, schema, definition, row.id, tenantId, tiers));
    });
  } catch (error) {
    if (error instanceof Rollback) {
      return error.evaluation;
    }
    throw error;
  }
  throw new Error("unreachable");
}

function approvalReasons(definition: RequestDefinition, evaluation: Evaluation): string[] {
  const reasons: string[] = [];
  if (evaluation.totalRows > definition.threshold) {
    reasons.push("above_threshold");
  }
  if (
    definition.financialPolicy ||
    definition.financialTables.some(
      (t) =>
        (evaluation.counts[t] ?? 0) +
          (evaluation.tierCounts?.[t]?.cold ?? 0) +
          (evaluation.tierCounts?.[t]?.archive ?? 0) >
        0,
    )
  ) {
    reasons.push("financial_records");
  }
  return reasons;
}

async function tenantsToPlan(db: Db, tenantIds?: string[]): Promise<string[]> {
  let query = db.selectFrom("tenants").select("id").orderBy("id");
  if (tenantIds?.length) {
    query = query.where("id", "in", tenantIds);
  }
  return (await query.execute()).map((r) => r.id);
}

/**
 * Plans one policy for one tenant. Returns undefined when nothing is past the cutoff (no
 * request is written for an empty plan).
 */
export async function planPolicyForTenant(
  db: Db,
  input: {
    definition: RequestDefinition;
    tenantId: string;
    requestedBy: string;
    graph: SchemaGraph;
    tiers?: TierReader;
  },
): Promise<PlanOutcome | undefined> {
  const { definition, tenantId, requestedBy, graph, tiers } = input;
  const open = await db
    .selectFrom("governance.retention_requests")
    .select(["id", "status", "fingerprint", "policy_version", "cutoff"])
    .where("kind", "=", "retention")
    .where("policy_id", "=", definition.policyId)
    .where("tenant_id", "=", tenantId)
    .where("status", "in", [...OPEN_STATUSES])
    .executeTakeFirst();
  if (open && ["approved", "running", "planning"].includes(open.status)) {
    const request = await getRequest(db, open.id);
    return request ? { request, outcome: "kept" } : undefined;
  }
  const created = await db
    .transaction()
    .execute(async (trx) => {
      if (open) {
        // Free the slot first; if the new plan turns out identical, the transaction rolls back.
        await trx
          .updateTable("governance.retention_requests")
          .set({
            status: "expired",
            decision_reason: "superseded by a new plan",
            updated_at: sql<Date>`now()`,
          })
          .where("id", "=", open.id)
          .execute();
      }
      const row = await insertPlanningRow(trx, definition, tenantId, requestedBy);
      const evaluation = await evaluateInto(trx, graph, definition, row.id, tenantId, tiers);
      if (open && open.fingerprint === evaluation.fingerprint) {
        throw new Rollback(evaluation);
      }
      if (evaluation.totalRows === 0) {
        if (open) {
          return { id: null, superseded: open.id };
        }
        throw new Rollback(evaluation);
      }
      const reasons = approvalReasons(definition, evaluation);
      // A key set a compliance officer rejected comes back only through another officer, never
      // approved by the policy itself; the approver sees the earlier rejection and its reason.
      const rejected = await earlierRejection(trx, {
        id: row.id,
        kind: "retention",
        policy: definition.policyId,
        tenantId,
        keySetHash: evaluation.keySetHash,
      });
      if (rejected) {
        reasons.push("rejected_before");
      }
      const requiresApproval = reasons.length > 0;
      const expires = sql<Date>`now() + make_interval(days => ${definition.approvalTtlDays})`;
      await trx
        .updateTable("governance.retention_requests")
        .set({
          counts: JSON.stringify(evaluation.counts),
          tier_counts: JSON.stringify(evaluation.tierCounts ?? {}),
          total_rows: evaluation.totalRows,
          key_set_hash: evaluation.keySetHash,
          fingerprint: evaluation.fingerprint,
          requires_approval: requiresApproval,
          approval_reasons: JSON.stringify(reasons),
          status: requiresApproval ? "pending_approval" : "approved",
          ...(requiresApproval
            ? {}
            : {
                approved_by: "policy",
                approved_at: sql<Date>`now()`,
                approved_fingerprint: evaluation.fingerprint,
                approval_expires_at: expires,
                decision_reason: `${evaluation.totalRows} rows, within the policy's threshold of ${definition.threshold}`,
              }),
        })
        .where("id", "=", row.id)
        .execute();
      if (!requiresApproval) {
        await trx
          .insertInto("governance.retention_approvals")
          .values({
            request_id: row.id,
            actor: "policy",
            decision: "policy",
            reason: `within threshold (${evaluation.totalRows} ≤ ${definition.threshold}), no financial records`,
            fingerprint: evaluation.fingerprint,
            expires_at: expires,
          })
          .execute();
      }
      await appendAuditEvent(trx, {
        actor: requestedBy,
        action: requiresApproval
          ? "retention.request.planned"
          : "retention.request.approved_by_policy",
        target: `retention_request:${row.id}`,
        summary: {
          policy: definition.policyId,
          policyVersion: definition.policyVersion,
          tenantId,
          cutoff: definition.cutoff,
          counts: evaluation.counts,
          ...(evaluation.tierCounts ? { tierCounts: evaluation.tierCounts } : {}),
          fingerprint: evaluation.fingerprint,
          approvalReasons: reasons,
          ...(rejected ? { rejectedBefore: rejected.requestId } : {}),
          ...(open ? { supersedes: open.id } : {}),
        },
      });
      return { id: row.id, superseded: open?.id ?? null };
    })
    .catch(async (error: unknown) => {
      if (error instanceof Rollback) {
        return { id: null, superseded: null };
      }
      // Another planner (the job and a CLI run at once) took the slot first: report its request.
      if ((error as { code?: string }).code === "23505") {
        return { id: null, superseded: null, concurrent: true };
      }
      throw error;
    });
  if ("concurrent" in created) {
    const other = await db
      .selectFrom("governance.retention_requests")
      .select("id")
      .where("kind", "=", "retention")
      .where("policy_id", "=", definition.policyId)
      .where("tenant_id", "=", tenantId)
      .where("status", "in", [...OPEN_STATUSES])
      .executeTakeFirst();
    const request = other ? await getRequest(db, other.id) : undefined;
    return request ? { request, outcome: "kept" } : undefined;
  }
  if (!created.id) {
    if (open && !created.superseded) {
      const request = await getRequest(db, open.id);
      if (!request) {
        return undefined;
      }
      await refreshRequestBlock(db, request);
      const fresh = await getRequest(db, open.id);
      return fresh ? { request: fresh, outcome: "unchanged" } : undefined;
    }
    return undefined;
  }
  const request = await getRequest(db, created.id);
  if (!request) {
    return undefined;
  }
  await refreshRequestBlock(db, request);
  const fresh = await getRequest(db, created.id);
  return fresh ? { request: fresh, outcome: "created" } : undefined;
}

/**
 * Runs the planner over every current, enabled policy (or `policyIds`) and every tenant (or
 * `tenantIds`). Policies from the schedule file are synced into the database first. Returns
 * the requests it made or found open, in policy then tenant order.
 */
export async function planRetention(db: Db, options: PlanOptions): Promise<PlanOutcome[]> {
  const schedule = options.schedule ?? loadRetentionSchedule();
  await syncPolicyFiles(db, schedule);
  const graph = await loadSchemaGraph(db);
  const asOf = options.asOf ?? new Date();
  const policies = (await currentPolicies(db)).filter(
    (p) =>
      p.policy.enabled !== false &&
      (!options.policyIds?.length || options.policyIds.includes(p.id)),
  );
  const tenants = await tenantsToPlan(db, options.tenantIds);
  const outcomes: PlanOutcome[] = [];
  const total = policies.length * tenants.length;
  let done = 0;
  for (const version of policies) {
    const definition = buildDefinition(graph, schedule, version.policy, version.version, asOf);
    for (const tenantId of tenants) {
      const outcome = await planPolicyForTenant(db, {
        definition,
        tenantId,
        requestedBy: options.requestedBy,
        graph,
        tiers: options.tiers,
      });
      if (outcome) {
        outcomes.push(outcome);
      }
      done += 1;
      options.onProgress?.(done, total);
    }
  }
  return outcomes;
}
