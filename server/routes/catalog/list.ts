import { createRoute, z } from "@hono/zod-openapi";
import { listCatalogColumns } from "../../../schema/governance/catalog-query.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { toCatalogFilter, toCatalogPage, ZCatalogColumn, ZCatalogQuery } from "./schemas.ts";

export const listCatalogColumnsRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/catalog/columns",
    tags: ["catalog"],
    summary:
      "Catalog columns and JSONB paths with their classification, filtered, sorted and paged",
    request: { query: ZCatalogQuery },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(ZCatalogColumn), total: z.number().int() }),
        "One page of catalog entries and how many match",
      ),
      ...errorResponses,
    },
  }),
  "catalog:read",
  async (c) => {
    const query = c.req.valid("query");
    const filter = toCatalogFilter(query);
    if (
      filter.minConfidence !== undefined &&
      filter.maxConfidence !== undefined &&
      filter.minConfidence > filter.maxConfidence
    ) {
      throw new AppError("invalid_request", "`minConfidence` must not be above `maxConfidence`.", [
        { path: "minConfidence", message: "above maxConfidence" },
      ]);
    }
    const result = await listCatalogColumns(c.get("deps").db, filter, toCatalogPage(query));
    return c.json(result, 200);
  },
);
