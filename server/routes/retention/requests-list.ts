import { createRoute, z } from "@hono/zod-openapi";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { listRequests } from "./queries.ts";
import { REQUEST_KINDS, REQUEST_STATUSES, ZPaging, ZPolicyId, ZRequest } from "./schemas.ts";

const ZQuery = z.strictObject({
  status: z.enum(REQUEST_STATUSES).optional(),
  kind: z.enum(REQUEST_KINDS).optional(),
  policy: ZPolicyId.optional(),
  tenant: z.uuid().optional(),
  ...ZPaging,
  sort: z
    .enum(["createdAt:asc", "createdAt:desc", "totalRows:asc", "totalRows:desc"])
    .default("createdAt:desc"),
});

export const listRequestsRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/retention/requests",
    tags: ["retention"],
    summary: "Deletion and erasure requests, filtered and paged",
    request: { query: ZQuery },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(ZRequest), total: z.number().int() }),
        "One page of requests",
      ),
      ...errorResponses,
    },
  }),
  "retention:read",
  async (c) => {
    const { page, pageSize, sort, ...filter } = c.req.valid("query");
    const result = await listRequests(
      c.get("deps").db,
      filter,
      { page, pageSize },
      sort,
      c.get("principal")?.email,
    );
    return c.json(result, 200);
  },
);
