import { createRoute, z } from "@hono/zod-openapi";
import { planTiering } from "../../../jobs/tiering/planner.ts";
import {
  checkTieringDraft,
  currentTieringPolicies,
  type PolicyEntry,
  saveTieringPolicy,
  tieringPolicyVersions,
} from "../../../jobs/tiering/policies.ts";
import { policyIssue, TieringPolicyError } from "../../../rules/tiering/loader.ts";
import {
  ZTieringPolicies,
  ZTieringPolicyDraft,
  ZTieringPolicyPreview,
  ZTieringPolicyVersions,
  ZTieringPolicyView,
} from "../../../schema/domain/tiering.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";

/**
 * Tiering policies: the ones in force, their audited versions, a draft's dry run (the plan of
 * its table under it, next to the current plan), and saving a draft as a new version.
 */

const ZTableParams = z.strictObject({
  table: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a table name")
    .openapi({ param: { name: "table", in: "path" }, example: "business_events" }),
});

function view(entry: PolicyEntry): z.infer<typeof ZTieringPolicyView> {
  const p = entry.policy;
  return {
    table: p.table,
    version: entry.version,
    source: entry.source,
    editedBy: entry.editedBy,
    body: entry.body,
    dateColumn: p.date_column,
    tiers: p.tiers,
    businessRules: {
      retainActiveCustomers: p.business_rules.retain_active_customers,
      activeCustomerDays: p.business_rules.active_customer_days,
      complyWithRegulations: p.business_rules.comply_with_regulations,
      preserveAuditTrail: p.business_rules.preserve_audit_trail,
    },
    enabled: p.enabled,
  };
}

/** A TieringPolicyError as a 400 naming each problem (line and field). */
function invalid(error: unknown): never {
  if (error instanceof TieringPolicyError) {
    // Each detail names the policy field (`tiers.archive`), so the console shows it there.
    throw new AppError(
      "invalid_request",
      error.message.split("\n")[0] ?? "invalid policy",
      error.problems.map(policyIssue).map((i) => ({
        path: i.path ?? "body",
        message: i.line ? `line ${i.line}: ${i.message}` : i.message,
      })),
    );
  }
  throw error;
}

export const tierPoliciesRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/tiering/policies",
    tags: ["tiering"],
    summary: "The tiering policies in force (files, or their newest console version)",
    responses: { 200: jsonResponse(ZTieringPolicies, "Policies"), ...errorResponses },
  }),
  "tiering:read",
  async (c) => {
    const entries = await currentTieringPolicies(c.get("deps").db);
    return c.json({ items: entries.map(view) }, 200);
  },
);

export const tierPolicyVersionsRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/tiering/policies/{table}/versions",
    tags: ["tiering"],
    summary: "Every console version of a table's tiering policy, newest first",
    request: { params: ZTableParams },
    responses: { 200: jsonResponse(ZTieringPolicyVersions, "Versions"), ...errorResponses },
  }),
  "tiering:read",
  async (c) => {
    const { table } = c.req.valid("param");
    const versions = await tieringPolicyVersions(c.get("deps").db, table);
    return c.json(
      { items: versions.map((v) => ({ ...v, createdAt: v.createdAt.toISOString() })) },
      200,
    );
  },
);

export const tierPolicyPreviewRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/tiering/policies/{table}/preview",
    tags: ["tiering"],
    summary: "Dry run of a draft policy: its problems, or which units would move under it",
    request: { params: ZTableParams, body: jsonBody(ZTieringPolicyDraft) },
    responses: { 200: jsonResponse(ZTieringPolicyPreview, "The dry run"), ...errorResponses },
  }),
  "tiering:policies",
  async (c) => {
    const deps = c.get("deps");
    const { table } = c.req.valid("param");
    const { body } = c.req.valid("json");
    const shape = (plan: Awaited<ReturnType<typeof planTiering>>) => ({
      moves: plan.moves.map((m) => ({
        table: m.table,
        from: m.from,
        to: m.to,
        rows: m.rows,
        partition: m.partition,
      })),
      skipped: plan.skipped,
    });
    const current = shape(await planTiering(deps, { tables: [table], readOnly: true }));
    c.set("audit", { action: "tiering.policy.preview", target: `public.${table}` });
    try {
      const draft = checkTieringDraft(table, body);
      const planned = await planTiering(deps, { tables: [table], readOnly: true, draft });
      return c.json({ valid: true, problems: [], issues: [], draft: shape(planned), current }, 200);
    } catch (error) {
      if (error instanceof TieringPolicyError) {
        return c.json(
          {
            valid: false,
            problems: error.problems,
            issues: error.problems.map(policyIssue),
            draft: null,
            current,
          },
          200,
        );
      }
      throw error;
    }
  },
);

export const tierPolicySaveRoute = defineRoute(
  createRoute({
    method: "put",
    path: "/api/v1/tiering/policies/{table}",
    tags: ["tiering"],
    summary: "Save a draft as the table's new policy version (validated like a file; audited)",
    request: { params: ZTableParams, body: jsonBody(ZTieringPolicyDraft) },
    responses: {
      200: jsonResponse(ZTieringPolicyView, "The policy now in force"),
      ...errorResponses,
    },
  }),
  "tiering:policies",
  async (c) => {
    const deps = c.get("deps");
    const { table } = c.req.valid("param");
    const { body } = c.req.valid("json");
    const principal = c.get("principal");
    const saved = await saveTieringPolicy(deps.db, {
      table,
      body,
      actor: principal?.email ?? "api",
      actorRole: principal?.role ?? null,
      audited: false, // the audit middleware records it, with the request id and source address
    }).catch(invalid);
    c.set("audit", {
      action: "tiering.policy.update",
      target: `public.${table}`,
      summary: {
        version: saved.version,
        tiers: saved.policy.tiers,
        business_rules: saved.policy.business_rules,
      },
    });
    return c.json(view(saved), 200);
  },
);
