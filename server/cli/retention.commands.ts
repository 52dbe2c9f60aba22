import { z } from "@hono/zod-openapi";
import {
  approveRequest,
  type Decider,
  type Decision,
  rejectRequest,
} from "../../jobs/retention/approvals.ts";
import { ErasureInputError, executeErasure, planErasure } from "../../jobs/retention/erasure.ts";
import { executeRequest } from "../../jobs/retention/executor.ts";
import {
  addHold,
  clearInvestigation,
  HoldInputError,
  type LegalHold,
  listHolds,
  releaseHold,
  setInvestigation,
} from "../../jobs/retention/holds.ts";
import { planRetention, type TierReader } from "../../jobs/retention/planner.ts";
import { currentPolicies, getPolicy, policyHistory } from "../../jobs/retention/policies.ts";
import { requestSummary } from "../../jobs/retention/requests.ts";
import { tieredTables } from "../../jobs/tiering/moves.ts";
import {
  type AnalyticsStore,
  createAnalyticsStore,
} from "../../schema/analytics/analytics-store.ts";
import type { Config } from "../../schema/config.ts";
import { createOwnerDb, type Db } from "../../schema/postgres.ts";

/** Runs `work` with the analytics store open (an erasure reaches it too), closed afterwards. */
async function withAnalytics<T>(
  config: Config,
  work: (analytics: AnalyticsStore) => Promise<T>,
): Promise<T> {
  const analytics = await createAnalyticsStore(config);
  try {
    return await work(analytics);
  } finally {
    await analytics.close();
  }
}

/**
 * Runs `work` with a reader of cold and the archive when tiering ever moved rows out (planning
 * and approving a retention request count its tiered rows), without opening ClickHouse else.
 */
async function withTierReader<T>(
  config: Config,
  db: Db,
  work: (tiers: TierReader | undefined) => Promise<T>,
): Promise<T> {
  if (!(await tieredTables(db)).length) {
    return work(undefined);
  }
  return withAnalytics(config, (analytics) => work({ config, analytics }));
}

import {
  type Actor,
  auditCommand,
  type Command,
  decidingUser,
  json,
  option,
  positiveInt,
  print,
  progressPrinter,
  RefusedError,
  targetOptions,
  UsageError,
  type Values,
  withDb,
} from "./support.ts";

/**
 * The CLI commands for retention, legal holds and erasure (`retention ...`). Thin: parse,
 * authorize, call the engine in jobs/retention, print. A refused decision (self-approval,
 * expired, fingerprint mismatch, held by a hold) exits 2 with the engine's reason.
 */

const ZId = z.uuid({ message: "must be a UUID" });
const ZDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?$/, "must be a date like 2026-01-31")
  .transform((v) => new Date(v.length === 10 ? `${v}T00:00:00Z` : v))
  .refine((d) => !Number.isNaN(d.getTime()), "must be a real date");

function decider(actor: Actor): Decider {
  const user = decidingUser(actor);
  return { name: user.email, role: user.role };
}

/** The e-mail a decision is recorded under (requested_by, created_by, executed_by, ...). */
function who(actor: Actor): string {
  return decidingUser(actor).email;
}

function positionalId(positionals: string[], what: string): string {
  const parsed = ZId.safeParse(positionals[0]);
  if (!parsed.success) {
    throw new UsageError(`${what} must be a UUID, got ${String(positionals[0])}`);
  }
  return parsed.data;
}

function holdView(hold: LegalHold) {
  return {
    id: hold.id,
    tenant_id: hold.tenantId,
    customer_id: hold.customerId,
    table: hold.table,
    date_from: hold.dateFrom?.toISOString() ?? null,
    date_to: hold.dateTo?.toISOString() ?? null,
    reason: hold.reason,
    owner: hold.owner,
    created_by: hold.createdBy,
    created_at: hold.createdAt.toISOString(),
    released_at: hold.releasedAt?.toISOString() ?? null,
    released_by: hold.releasedBy,
  };
}

function decisionCommand(verb: "approve" | "reject"): Command {
  return {
    summary:
      verb === "approve"
        ? "approve a deletion request (a compliance officer other than the requester)"
        : "reject a deletion request, with a reason",
    usage: `govern retention ${verb} ID --reason R${verb === "approve" ? " [--fingerprint F]" : ""} [--json]`,
    options: {
      reason: { type: "string" },
      ...(verb === "approve" ? { fingerprint: { type: "string" } } : {}),
      ...json,
    },
    positionals: ["id"],
    access: { bootstrap: false, permission: "retention:approve" },
    run: async (values: Values, config, actor, positionals) => {
      const requestId = positionalId(positionals, "ID");
      const { reason } = targetOptions(values, { reason: "required" });
      return withDb(config, async (db) => {
        const result: Decision =
          verb === "approve"
            ? await withTierReader(config, db, (tiers) =>
                approveRequest(db, {
                  requestId,
                  decider: decider(actor),
                  reason,
                  fingerprint:
                    typeof values.fingerprint === "string" ? values.fingerprint : undefined,
                  tiers,
                }),
              )
            : await rejectRequest(db, { requestId, decider: decider(actor), reason });
        await auditCommand(db, actor, {
          action: result.ok ? `retention.request.${verb}` : `retention.request.${verb}_refused`,
          target: `retention_request:${requestId}`,
          summary: result.ok
            ? { reason, fingerprint: result.request.fingerprint }
            : { reason, refused: result.code, message: result.message },
        });
        if (!result.ok) {
          if (result.code === "not_found") {
            throw new UsageError(result.message);
          }
          throw new RefusedError(`${result.code}: ${result.message}`);
        }
        const summary = requestSummary(result.request);
        print(
          values.json === true,
          summary,
          `${result.request.id} ${result.request.status} by ${who(actor)}`,
        );
        return 0;
      });
    },
  };
}

export const RETENTION_COMMANDS: Record<string, Command> = {
  "retention plan": {
    summary: "run the retention planner now and print the deletion requests it made",
    usage: "govern retention plan [--policy ID] [--tenant UUID] [--json]",
    options: { policy: { type: "string" }, tenant: { type: "string" }, ...json },
    access: { bootstrap: false, permission: "retention:plan" },
    run: async (values, config, actor) => {
      const tenant = values.tenant === undefined ? undefined : option(ZId, values.tenant, "tenant");
      const policy = typeof values.policy === "string" ? values.policy : undefined;
      return withDb(config, async (db) => {
        if (policy && !(await getPolicy(db, policy))) {
          const known = (await currentPolicies(db)).map((p) => p.id);
          // Policies from the schedule file reach the database on the first plan.
          if (known.length > 0) {
            throw new UsageError(`no retention policy ${policy} (known: ${known.join(", ")})`);
          }
        }
        const show = progressPrinter();
        const outcomes = await withTierReader(config, db, (tiers) =>
          planRetention(db, {
            requestedBy: who(actor),
            policyIds: policy ? [policy] : undefined,
            tenantIds: tenant ? [tenant] : undefined,
            onProgress: (done, total) => show(`planning ${done}/${total}`),
            tiers,
          }),
        );
        const requests = outcomes.map((o) => ({
          ...requestSummary(o.request),
          outcome: o.outcome,
        }));
        await auditCommand(db, actor, {
          action: "retention.plan",
          summary: {
            requests: requests.length,
            created: outcomes.filter((o) => o.outcome === "created").map((o) => o.request.id),
          },
        });
        print(
          values.json === true,
          requests,
          requests.length
            ? requests
                .map(
                  (r) =>
                    `${r.id}  ${r.policy}  ${r.tenant_id}  ${r.status}  ${r.total_rows} rows  (${r.outcome})`,
                )
                .join("\n")
            : "nothing is past its retention period",
        );
        return 0;
      });
    },
  },
  "retention approve": decisionCommand("approve"),
  "retention reject": decisionCommand("reject"),
  "retention erase": {
    summary: "plan the erasure of one customer (right to erasure); prints the request it made",
    usage: "govern retention erase --tenant T --customer C [--json]",
    options: { tenant: { type: "string" }, customer: { type: "string" }, ...json },
    access: { bootstrap: false, permission: "retention:plan" },
    run: async (values, config, actor) => {
      const tenantId = option(ZId, values.tenant, "tenant");
      const customerId = option(ZId, values.customer, "customer");
      return withDb(config, async (db) => {
        let request: Awaited<ReturnType<typeof planErasure>>;
        try {
          request = await planErasure(
            { db, config },
            { tenantId, customerId, requestedBy: who(actor) },
          );
        } catch (error) {
          if (error instanceof ErasureInputError) {
            throw new UsageError(error.message);
          }
          throw error;
        }
        await auditCommand(db, actor, {
          action: "retention.erasure.plan",
          target: `retention_request:${request.id}`,
          summary: { tenantId, customerId, counts: request.counts },
        });
        print(
          values.json === true,
          requestSummary(request),
          `${request.id} ${request.status}: ${request.totalRows} rows about customer ${customerId}`,
        );
        return 0;
      });
    },
  },
  "retention execute": {
    summary: "execute an approved deletion request; waits for the end and prints its certificate",
    usage: "govern retention execute ID [--batch-size N] [--json]",
    options: { "batch-size": { type: "string" }, ...json },
    positionals: ["id"],
    access: { bootstrap: false, permission: "retention:execute" },
    run: async (values, config, actor, positionals) => {
      const requestId = positionalId(positionals, "ID");
      const batchSize =
        values["batch-size"] === undefined
          ? undefined
          : positiveInt(values["batch-size"], "batch-size", 50_000);
      const { db, pool } = createOwnerDb(config, { max: 3 });
      try {
        const bar = progressPrinter();
        const kind = await db
          .selectFrom("governance.retention_requests")
          .select("kind")
          .where("id", "=", requestId)
          .executeTakeFirst();
        if (kind?.kind === "access") {
          throw new UsageError(
            `${requestId} is an access request: it deletes nothing (govern retention access export ${requestId})`,
          );
        }
        const outcome =
          kind?.kind === "erasure"
            ? await withAnalytics(config, (analytics) =>
                executeErasure({ db, pool, config, analytics }, requestId, {
                  actor: who(actor),
                  batchSize,
                  onProgress: (percent) => bar(`erasure: ${percent}%`),
                }),
              )
            : // The analytics store lets the executor reach rows tiering moved out.
              await withAnalytics(config, (analytics) =>
                executeRequest({ db, pool, config, analytics }, requestId, {
                  actor: who(actor),
                  batchSize,
                  onProgress: (p) => bar(`${p.table}: ${p.done}/${p.total} rows (${p.percent}%)`),
                }),
              );
        await auditCommand(db, actor, {
          action: `retention.request.execute_${outcome.outcome}`,
          target: `retention_request:${requestId}`,
          summary:
            outcome.outcome === "done"
              ? { rows: outcome.report.rows, certificate: outcome.certificate.sha256 }
              : outcome.outcome === "blocked"
                ? { heldKeys: outcome.heldKeys, heldBy: outcome.heldBy }
                : { refused: outcome.reason, message: outcome.message },
        });
        if (outcome.outcome === "refused") {
          if (outcome.reason === "not_found") {
            throw new UsageError(outcome.message);
          }
          throw new RefusedError(`${outcome.reason}: ${outcome.message}`);
        }
        if (outcome.outcome === "blocked") {
          throw new RefusedError(`held: ${outcome.message}`);
        }
        const certificate = {
          request_id: outcome.certificate.requestId,
          sha256: outcome.certificate.sha256,
          issued_at: outcome.certificate.issuedAt.toISOString(),
          body: outcome.certificate.body,
        };
        print(
          values.json === true,
          certificate,
          `${requestId} done: ${Object.entries(outcome.certificate.body.tables)
            .map(([t, c]) => `${t} ${c.done}`)
            .join(", ")}; certificate sha256 ${outcome.certificate.sha256}`,
        );
        return 0;
      } finally {
        await db.destroy();
      }
    },
  },
  "retention hold add": {
    summary: "place a legal hold (by tenant, customer, table or date range)",
    usage:
      "govern retention hold add --tenant T [--customer C] [--table T] [--from D --to D] --reason R [--owner O] [--json]",
    options: {
      tenant: { type: "string" },
      customer: { type: "string" },
      table: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      reason: { type: "string" },
      owner: { type: "string" },
      ...json,
    },
    access: { bootstrap: false, permission: "retention:holds" },
    run: async (values, config, actor) => {
      const tenantId = option(ZId, values.tenant, "tenant");
      const { table, reason } = targetOptions(values, { table: "optional", reason: "required" });
      const customerId =
        values.customer === undefined ? null : option(ZId, values.customer, "customer");
      const dateFrom = values.from === undefined ? null : option(ZDay, values.from, "from");
      const dateTo = values.to === undefined ? null : option(ZDay, values.to, "to");
      const owner =
        values.owner === undefined
          ? undefined
          : option(z.string().trim().min(1).max(255), values.owner, "owner");
      return withDb(config, async (db) => {
        let hold: LegalHold;
        try {
          hold = await addHold(db, {
            tenantId,
            customerId,
            table,
            dateFrom,
            dateTo,
            reason,
            owner,
            createdBy: who(actor),
          });
        } catch (error) {
          if (error instanceof HoldInputError) {
            throw new UsageError(error.message);
          }
          throw error;
        }
        await auditCommand(db, actor, {
          action: "retention.hold.add",
          target: `legal_hold:${hold.id}`,
          summary: { tenantId, customerId, table, dateFrom, dateTo, reason },
        });
        print(values.json === true, holdView(hold), hold.id);
        return 0;
      });
    },
  },
  "retention hold release": {
    summary: "release a legal hold",
    usage: "govern retention hold release ID [--reason R] [--json]",
    options: { reason: { type: "string" }, ...json },
    positionals: ["id"],
    access: { bootstrap: false, permission: "retention:holds" },
    run: async (values, config, actor, positionals) => {
      const id = positionalId(positionals, "ID");
      const { reason } = targetOptions(values, { reason: "optional" });
      return withDb(config, async (db) => {
        const hold = await releaseHold(db, {
          id,
          releasedBy: who(actor),
          reason: reason ?? undefined,
        });
        if (!hold) {
          throw new UsageError(`no legal hold ${id}`);
        }
        await auditCommand(db, actor, {
          action: "retention.hold.release",
          target: `legal_hold:${id}`,
          summary: { reason: reason ?? null },
        });
        print(values.json === true, holdView(hold), `${id} released`);
        return 0;
      });
    },
  },
  "retention hold list": {
    summary: "list legal holds (active ones unless --all)",
    usage: "govern retention hold list [--tenant T] [--all] [--json]",
    options: { tenant: { type: "string" }, all: { type: "boolean", default: false }, ...json },
    access: { bootstrap: true, permission: "retention:read" },
    run: async (values, config) => {
      const tenantId =
        values.tenant === undefined ? undefined : option(ZId, values.tenant, "tenant");
      return withDb(config, async (db) => {
        const holds = await listHolds(db, { tenantId, includeReleased: values.all === true });
        print(
          values.json === true,
          holds.map(holdView),
          holds.length
            ? holds
                .map(
                  (h) =>
                    `${h.id}  tenant ${h.tenantId ?? "*"}  ${h.customerId ? `customer ${h.customerId}  ` : ""}${h.table ? `table ${h.table}  ` : ""}${h.releasedAt ? "released" : "active"}  ${h.reason}`,
                )
                .join("\n")
            : "no legal holds",
        );
        return 0;
      });
    },
  },
  "retention investigation set": {
    summary: "set the SOX investigation flag: SOX-governed records cannot be destroyed",
    usage: "govern retention investigation set --reason R [--json]",
    options: { reason: { type: "string" }, ...json },
    access: { bootstrap: false, permission: "retention:holds" },
    run: async (values, config, actor) => {
      const { reason } = targetOptions(values, { reason: "required" });
      return withDb(config, async (db) => {
        const { investigation, created } = await setInvestigation(db, {
          reason,
          setBy: who(actor),
        });
        await auditCommand(db, actor, {
          action: "retention.investigation.set",
          target: `investigation:${investigation.id}`,
          summary: { reason, alreadySet: !created },
        });
        print(
          values.json === true,
          { ...investigation, created },
          created
            ? `investigation flag set (${investigation.id})`
            : `already set since ${investigation.setAt.toISOString()} by ${investigation.setBy}`,
        );
        return 0;
      });
    },
  },
  "retention investigation clear": {
    summary: "clear the SOX investigation flag",
    usage: "govern retention investigation clear --reason R [--json]",
    options: { reason: { type: "string" }, ...json },
    access: { bootstrap: false, permission: "retention:holds" },
    run: async (values, config, actor) => {
      const { reason } = targetOptions(values, { reason: "required" });
      return withDb(config, async (db) => {
        const cleared = await clearInvestigation(db, { reason, clearedBy: who(actor) });
        if (!cleared) {
          throw new UsageError("the investigation flag is not set");
        }
        await auditCommand(db, actor, {
          action: "retention.investigation.clear",
          target: `investigation:${cleared.id}`,
          summary: { reason },
        });
        print(values.json === true, cleared, `investigation flag cleared (${cleared.id})`);
        return 0;
      });
    },
  },
  "retention policies list": {
    summary: "list the current retention policies",
    usage: "govern retention policies list [--json]",
    options: { ...json },
    access: { bootstrap: true, permission: "retention:read" },
    run: async (values, config) =>
      withDb(config, async (db) => {
        const policies = await currentPolicies(db);
        print(
          values.json === true,
          policies.map((p) => ({
            ...p.policy,
            version: p.version,
            source: p.source,
            edited_by: p.editedBy,
            edited_at: p.editedAt.toISOString(),
          })),
          policies.length
            ? policies
                .map(
                  (p) =>
                    `${p.id.padEnd(26)} v${p.version}  ${p.policy.regulation.padEnd(8)} ${p.policy.table}  ${p.policy.period}  ${p.policy.action}`,
                )
                .join("\n")
            : "no policies yet: `govern retention plan` loads rules/retention/schedules.json",
        );
        return 0;
      }),
  },
  "retention policies show": {
    summary: "show one retention policy and its versions",
    usage: "govern retention policies show ID [--version N] [--json]",
    options: { version: { type: "string" }, ...json },
    positionals: ["id"],
    access: { bootstrap: true, permission: "retention:read" },
    run: async (values, config, _actor, positionals) => {
      const id = positionals[0] ?? "";
      const version =
        values.version === undefined
          ? undefined
          : option(z.coerce.number().int().min(1), values.version, "version");
      return withDb(config, async (db) => {
        const policy = await getPolicy(db, id, version);
        if (!policy) {
          throw new UsageError(`no retention policy ${id}${version ? ` version ${version}` : ""}`);
        }
        const history = (await policyHistory(db, id)).map((v) => ({
          version: v.version,
          source: v.source,
          edited_by: v.editedBy,
          edited_at: v.editedAt.toISOString(),
          note: v.note,
          active: v.active,
        }));
        print(
          values.json === true,
          { id: policy.id, version: policy.version, policy: policy.policy, history },
          `${JSON.stringify(policy.policy, null, 2)}\n${history.map((h) => `v${h.version} ${h.source} ${h.edited_by} ${h.edited_at}${h.note ? ` — ${h.note}` : ""}`).join("\n")}`,
        );
        return 0;
      });
    },
  },
};
