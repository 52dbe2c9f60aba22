import { createRoute, z } from "@hono/zod-openapi";
import { assertEdges } from "../../../jobs/lineage/edges.repository.ts";
import { normalizeNodeId } from "../../../jobs/lineage/node-ids.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { ZManualEdge } from "./schemas.ts";

export const addLineageEdgeRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/lineage/edges",
    tags: ["lineage"],
    summary: "Add a manual lineage edge (a steward's knowledge no extractor has); audited",
    request: { body: { required: true, content: { "application/json": { schema: ZManualEdge } } } },
    responses: {
      201: jsonResponse(
        z.object({ from: z.string(), to: z.string(), added: z.boolean() }),
        "Recorded",
      ),
      ...errorResponses,
    },
  }),
  "lineage:write",
  async (c) => {
    const body = c.req.valid("json");
    const from = normalizeNodeId(body.from);
    const to = normalizeNodeId(body.to);
    if (from === to) {
      throw new AppError("invalid_request", "An edge needs two different nodes.", { field: "to" });
    }
    const principal = c.get("principal");
    const by = principal?.email ?? "api";
    const report = await assertEdges(
      c.get("deps").db,
      { source: "manual", job: "", createdBy: by, replace: false },
      [
        {
          from,
          to,
          kind: body.kind,
          transformation: body.transformation,
          expression: body.expression,
        },
      ],
    );
    c.set("audit", {
      action: "lineage.edge.add",
      target: `lineage_edge:${from}->${to}`,
      summary: { from, to, kind: body.kind, transformation: body.transformation },
    });
    return c.json({ from, to, added: report.added > 0 }, 201);
  },
);
