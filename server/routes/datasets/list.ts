import { createRoute, z } from "@hono/zod-openapi";
import { listDatasets } from "../../../masking/datasets.repository.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { queryInt } from "../audit/filters.ts";
import { toWireDataset, ZDataset } from "./schemas.ts";

const ZQuery = z.strictObject({
  kind: z.enum(["masked", "synthetic"]).optional(),
  status: z
    .enum(["requested", "running", "verifying", "ready", "failed", "refused", "dropped", "expired"])
    .optional(),
  owner: z.string().max(255).optional(),
  includeGone: z.enum(["true", "false"]).optional(),
  /** `field:asc|desc`, the console's data-table spelling. */
  sort: z
    .string()
    .regex(/^(created_at|name|size_bytes|status):(asc|desc)$/, "field:asc|desc")
    .optional(),
  page: queryInt(1, 100_000, 1),
  pageSize: queryInt(1, 200, 50),
});

/**
 * Everyone who may read masking sees every dataset with its owner: datasets are shared dev
 * infrastructure, and seeing who holds which copy is how they get cleaned up.
 */
export const listDatasetsRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/datasets",
    tags: ["datasets"],
    summary: "Masked and synthetic datasets with owner, status, size and expiry, paged",
    request: { query: ZQuery },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(ZDataset), total: z.number().int() }),
        "One page of datasets",
      ),
      ...errorResponses,
    },
  }),
  "masking:read",
  async (c) => {
    const q = c.req.valid("query");
    const [sort, order] = (q.sort ?? "created_at:desc").split(":") as [
      "created_at" | "name" | "size_bytes" | "status",
      "asc" | "desc",
    ];
    const result = await listDatasets(c.get("deps").db, {
      kind: q.kind,
      status: q.status,
      owner: q.owner,
      includeGone: q.includeGone === "true",
      sort,
      order,
      limit: q.pageSize,
      offset: (q.page - 1) * q.pageSize,
    });
    const principal = c.get("principal");
    return c.json(
      { items: result.items.map((d) => toWireDataset(d, principal)), total: result.total },
      200,
    );
  },
);
