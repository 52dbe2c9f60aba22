import { createRoute } from "@hono/zod-openapi";
import { downstreamImpact } from "../../../jobs/lineage/impact.ts";
import { normalizeNodeId } from "../../../jobs/lineage/node-ids.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { ZImpact, ZImpactQuery } from "./schemas.ts";

export const lineageImpactRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/lineage/impact",
    tags: ["lineage"],
    summary:
      "What a deletion, drop or masking change of a table or column affects downstream (flow) and through references",
    request: { query: ZImpactQuery },
    responses: { 200: jsonResponse(ZImpact, "The affected assets"), ...errorResponses },
  }),
  "lineage:read",
  async (c) => {
    const q = c.req.valid("query");
    const root = normalizeNodeId(q.node);
    const assets = await downstreamImpact(c.get("deps").db, root, q.depth);
    return c.json({ root, assets }, 200);
  },
);
