import { createRoute } from "@hono/zod-openapi";
import { normalizeNodeId } from "../../../jobs/lineage/node-ids.ts";
import { traceLineage } from "../../../jobs/lineage/trace.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { ZTrace, ZTraceQuery } from "./schemas.ts";

export const traceLineageRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/lineage/trace",
    tags: ["lineage"],
    summary: "Trace a table or column upstream, downstream or both, N hops, each node once",
    request: { query: ZTraceQuery },
    responses: { 200: jsonResponse(ZTrace, "The trace"), ...errorResponses },
  }),
  "lineage:read",
  async (c) => {
    const q = c.req.valid("query");
    const trace = await traceLineage(c.get("deps").db, {
      root: normalizeNodeId(q.node),
      direction: q.direction,
      depth: q.depth,
      kinds: q.kind ? [q.kind] : undefined,
    });
    return c.json(trace, 200);
  },
);
