import { createRoute, z } from "@hono/zod-openapi";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { loadedPolicies, policyView } from "./policy-view.ts";
import { ZPaging, ZPolicy } from "./schemas.ts";

const SORTS = ["title:asc", "title:desc", "table:asc", "table:desc"] as const;

const ZQuery = z.strictObject({
  ...ZPaging,
  sort: z.enum(SORTS).default("title:asc"),
});

export const listPoliciesRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/retention/policies",
    tags: ["retention"],
    summary: "Retention policies (their current versions)",
    request: { query: ZQuery },
    responses: {
      200: jsonResponse(z.object({ items: z.array(ZPolicy), total: z.number().int() }), "Policies"),
      ...errorResponses,
    },
  }),
  "retention:read",
  async (c) => {
    const query = c.req.valid("query");
    // A handful of policies: sorted and paged here rather than in SQL.
    const [field, direction] = query.sort.split(":") as ["title" | "table", "asc" | "desc"];
    const all = (await loadedPolicies(c.get("deps").db)).map(policyView);
    all.sort((a, b) => a[field].localeCompare(b[field]) * (direction === "asc" ? 1 : -1));
    const start = (query.page - 1) * query.pageSize;
    return c.json({ items: all.slice(start, start + query.pageSize), total: all.length }, 200);
  },
);
