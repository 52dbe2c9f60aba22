import { createRoute, z } from "@hono/zod-openapi";
import { searchTenants } from "../../../schema/tenant-directory.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { queryInt } from "../audit/filters.ts";

export const ZTenantSummary = z
  .object({
    id: z.uuid(),
    businessName: z.string(),
    region: z.string().nullable(),
    industry: z.string().nullable(),
    planTier: z.string().nullable(),
  })
  .openapi("TenantSummary");

export const ZTenantPage = z
  .object({ items: z.array(ZTenantSummary), total: z.number().int() })
  .openapi("TenantPage");

const ZQuery = z.strictObject({
  q: z
    .string()
    .trim()
    .max(255)
    .refine((value) => !/\p{Cc}/u.test(value), "must not contain control characters")
    .optional()
    .openapi({ description: "Text in the business name or region, or the start of the id" }),
  ids: z
    .string()
    .max(37 * 100)
    .transform((value) => value.split(",").filter(Boolean))
    .pipe(z.array(z.uuid()).max(100))
    .optional()
    .openapi({
      type: "string",
      description: "Comma-separated tenant ids to look up (at most 100)",
    }),
  page: queryInt(1, 1_000_000, 1),
  pageSize: queryInt(1, 100, 20),
});

export const listTenantsRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/tenants",
    tags: ["tenants"],
    summary: "Tenants by business name, region or id (for pickers and to show names for ids)",
    request: { query: ZQuery },
    responses: {
      200: jsonResponse(ZTenantPage, "One page of tenants, by name"),
      ...errorResponses,
    },
  }),
  "authenticated",
  async (c) => {
    const query = c.req.valid("query");
    return c.json(await searchTenants(c.get("deps").db, query), 200);
  },
);
