import { createRoute, z } from "@hono/zod-openapi";
import { acknowledgeDrift } from "../../../schema/governance/catalog-review.repository.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";

const ZAcknowledgeRequest = z
  .strictObject({
    ids: z
      .array(z.number().int().min(1).max(Number.MAX_SAFE_INTEGER))
      .min(1)
      .max(1_000)
      .openapi({ description: "Drift event ids (at most 1000)" }),
  })
  .openapi("AcknowledgeDriftRequest");

export const acknowledgeDriftRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/catalog/drift/acknowledge",
    tags: ["catalog"],
    summary: "Mark drift events as seen by a steward",
    request: { body: jsonBody(ZAcknowledgeRequest) },
    responses: {
      200: jsonResponse(
        z.object({ acknowledged: z.number().int() }),
        "How many events were newly acknowledged",
      ),
      ...errorResponses,
    },
  }),
  "catalog:review",
  async (c) => {
    const { ids } = c.req.valid("json");
    const principal = c.get("principal");
    const unique = [...new Set(ids)];
    const result = await acknowledgeDrift(c.get("deps").db, unique, principal?.email ?? "api");
    c.set("audit", {
      action: "catalog.drift.acknowledge",
      target: `catalog_drift_events:${unique.length} ids`,
      summary: { ids: unique.slice(0, 100), acknowledged: result.acknowledged },
    });
    return c.json({ acknowledged: result.acknowledged }, 200);
  },
);
