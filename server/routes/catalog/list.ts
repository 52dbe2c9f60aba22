import { createRoute, z } from "@hono/zod-openapi";
import { qualityScores } from "../../../jobs/quality/service.ts";
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
    const { db } = c.get("deps");
    const result = await listCatalogColumns(db, filter, toCatalogPage(query));
    // The seed's DataAsset.quality_score: the latest scores of the quality rules on it.
    const scores = await qualityScores(db);
    const items = result.items.map((item) => {
      const table =
        item.store === "postgres" && item.schema === "public" ? `public.${item.table}` : null;
      return {
        ...item,
        qualityScore:
          table && !item.jsonPath ? (scores.get(`${table}.${item.column}`) ?? null) : null,
        tableQualityScore: table ? (scores.get(table) ?? null) : null,
      };
    });
    return c.json({ ...result, items }, 200);
  },
);
