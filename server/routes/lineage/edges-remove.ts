import { createRoute, z } from "@hono/zod-openapi";
import { sql } from "kysely";
import { normalizeNodeId } from "../../../jobs/lineage/node-ids.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { ZManualEdgeRemove } from "./schemas.ts";

export const removeLineageEdgeRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/lineage/edges/remove",
    tags: ["lineage"],
    summary:
      "Remove a manual lineage edge: it stays, inactive, in the edge's versions; extracted edges cannot be removed by hand",
    request: {
      body: { required: true, content: { "application/json": { schema: ZManualEdgeRemove } } },
    },
    responses: {
      200: jsonResponse(
        z.object({ from: z.string(), to: z.string(), removed: z.literal(true) }),
        "Removed",
      ),
      ...errorResponses,
    },
  }),
  "lineage:write",
  async (c) => {
    const body = c.req.valid("json");
    const from = normalizeNodeId(body.from);
    const to = normalizeNodeId(body.to);
    const db = c.get("deps").db;
    const gone = await sql<{ id: string }>`
      UPDATE governance.lineage_edges SET active = false, version = version + 1
      WHERE from_node = ${from} AND to_node = ${to} AND kind = ${body.kind} AND source = 'manual' AND active
      RETURNING id
    `.execute(db);
    const id = gone.rows[0]?.id;
    if (!id) {
      throw new AppError("not_found", "No active manual edge between these nodes.");
    }
    await sql`
      INSERT INTO governance.lineage_edge_versions (edge_id, version, transformation, expression, active)
      SELECT id, version, transformation, expression, false FROM governance.lineage_edges WHERE id = ${id}
      ON CONFLICT DO NOTHING
    `.execute(db);
    c.set("audit", {
      action: "lineage.edge.remove",
      target: `lineage_edge:${from}->${to}`,
      summary: { from, to, kind: body.kind },
    });
    return c.json({ from, to, removed: true as const }, 200);
  },
);
