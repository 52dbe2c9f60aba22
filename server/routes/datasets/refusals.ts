import { createRoute, z } from "@hono/zod-openapi";
import { listDatasetRefusals } from "../../../masking/dataset-refusals.repository.ts";
import { ZDatasetRefusal } from "../../../schema/contracts/datasets-controls.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { queryInt } from "../audit/filters.ts";

const ZQuery = z.strictObject({
  requestedBy: z.string().max(255).optional(),
  limit: queryInt(1, 200, 50),
});

/** Requests refused before a dataset existed, with their reason, newest first. */
export const listDatasetRefusalsRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/datasets/refusals",
    tags: ["datasets"],
    summary: "Dataset requests refused (over the size limit, classification gate closed), with why",
    request: { query: ZQuery },
    responses: {
      200: jsonResponse(z.object({ items: z.array(ZDatasetRefusal) }), "Refused requests"),
      ...errorResponses,
    },
  }),
  "masking:read",
  async (c) => {
    const q = c.req.valid("query");
    const items = await listDatasetRefusals(c.get("deps").db, {
      requestedBy: q.requestedBy,
      limit: q.limit,
    });
    return c.json(
      {
        items: items.map((r) => ({
          ...r,
          details: r.details ?? null,
          createdAt: r.createdAt.toISOString(),
        })),
      },
      200,
    );
  },
);
