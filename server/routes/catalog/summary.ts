import { createRoute } from "@hono/zod-openapi";
import { catalogSummary } from "../../../schema/governance/catalog-query.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { ZCatalogSummary } from "./schemas.ts";

export const catalogSummaryRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/catalog/summary",
    tags: ["catalog"],
    summary:
      "Catalog figures: columns classified and reviewed, proposals pending, PII by category and table",
    responses: {
      200: jsonResponse(ZCatalogSummary, "The figures"),
      ...errorResponses,
    },
  }),
  "catalog:read",
  async (c) => c.json(await catalogSummary(c.get("deps").db), 200),
);
