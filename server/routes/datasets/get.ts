import { createRoute } from "@hono/zod-openapi";
import { getDataset } from "../../../masking/datasets.repository.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { notFound, toWireDataset, ZDataset, ZUuidParam } from "./schemas.ts";

export const getDatasetRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/datasets/{id}",
    tags: ["datasets"],
    summary: "One dataset with its per-table progress and report",
    request: { params: ZUuidParam },
    responses: {
      200: jsonResponse(ZDataset, "The dataset"),
      ...errorResponses,
      ...notFound,
    },
  }),
  "masking:read",
  async (c) => {
    const dataset = await getDataset(c.get("deps").db, c.req.valid("param").id);
    if (!dataset) {
      throw new AppError("not_found", "No such dataset.");
    }
    return c.json(toWireDataset(dataset, c.get("principal")), 200);
  },
);
