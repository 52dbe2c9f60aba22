import { createRoute } from "@hono/zod-openapi";
import { getCatalogColumn } from "../../../schema/governance/catalog-query.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { ZCatalogColumnDetail, ZColumnIdParams } from "./schemas.ts";

export const getCatalogColumnRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/catalog/columns/{id}",
    tags: ["catalog"],
    summary:
      "One catalog column (or JSONB path): definition, table, evidence, masked samples, paths, versions, review history, drift",
    request: { params: ZColumnIdParams },
    responses: {
      200: jsonResponse(ZCatalogColumnDetail, "The column"),
      ...errorResponses,
    },
  }),
  "catalog:read",
  async (c) => {
    const { id } = c.req.valid("param");
    const column = await getCatalogColumn(c.get("deps").db, id);
    if (!column) {
      throw new AppError("not_found", "No catalog column has this id.");
    }
    return c.json(column, 200);
  },
);
