import { createRoute, z } from "@hono/zod-openapi";
import { planRetention } from "../../../jobs/retention/planner.ts";
import { jobQueuesOf } from "../../api/context.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { findRequest, requestView } from "./queries.ts";
import { ZPlanAnswer, ZPolicyId } from "./schemas.ts";

const ZPlan = z
  .strictObject({
    policyIds: z.array(ZPolicyId).max(100).optional(),
    tenantIds: z.array(z.uuid()).max(1000).optional(),
    background: z
      .boolean()
      .optional()
      .openapi({ description: "Enqueue the retention job instead of planning now" }),
  })
  .openapi("RetentionPlanRequest");

export const planRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/retention/plan",
    tags: ["retention"],
    summary:
      "Run the retention planner now (or enqueue it): one request per policy and tenant with candidates",
    request: {
      body: { required: false, content: { "application/json": { schema: ZPlan } } },
    },
    responses: {
      200: jsonResponse(ZPlanAnswer, "The requests it made or found open"),
      202: jsonResponse(z.object({ jobId: z.string() }), "Enqueued"),
      ...errorResponses,
    },
  }),
  "retention:plan",
  async (c) => {
    const deps = c.get("deps");
    const body = c.req.valid("json") ?? {};
    const actor = c.get("principal")?.email ?? "api";
    if (body.background) {
      const payload = { action: "plan", policyIds: body.policyIds, tenantIds: body.tenantIds };
      const jobId = deps.enqueue
        ? await deps.enqueue("retention", payload, actor)
        : await jobQueuesOf(deps).enqueue("retention", payload, actor);
      c.set("audit", {
        action: "retention.plan",
        target: `job:retention/${jobId}`,
        summary: { background: true, policyIds: body.policyIds, tenantIds: body.tenantIds },
      });
      return c.json({ jobId }, 202);
    }
    const outcomes = await planRetention(deps.db, {
      requestedBy: actor,
      policyIds: body.policyIds,
      tenantIds: body.tenantIds,
      tiers: { config: deps.config, analytics: deps.analytics },
    });
    const items = await Promise.all(
      outcomes.map(async ({ request, outcome }) => {
        const found = await findRequest(deps.db, request.id);
        return {
          ...requestView(found?.request ?? request, found?.hasCertificate ?? false, actor),
          outcome,
        };
      }),
    );
    c.set("audit", {
      action: "retention.plan",
      target: "retention-requests",
      summary: {
        policyIds: body.policyIds,
        tenantIds: body.tenantIds,
        requests: items.length,
        created: items
          .filter((i) => i.outcome === "created")
          .map((i) => i.id)
          .slice(0, 100),
      },
    });
    return c.json({ items }, 200);
  },
);
