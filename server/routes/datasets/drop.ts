import { createRoute, z } from "@hono/zod-openapi";
import { getDataset } from "../../../masking/datasets.repository.ts";
import { dropDataset } from "../../../masking/provision/lifecycle.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import {
  conflict,
  engine,
  notFound,
  ownsOrAdmin,
  requirePrincipal,
  ZUuidParam,
} from "./schemas.ts";

export const dropDatasetRoute = defineRoute(
  createRoute({
    method: "delete",
    path: "/api/v1/datasets/{id}",
    tags: ["datasets"],
    summary:
      "Drop a dataset's database and role (its owner or an admin), cancelling it first while it is being built; the record stays, marked dropped",
    request: { params: ZUuidParam },
    responses: {
      200: jsonResponse(z.object({ id: z.string(), status: z.literal("dropped") }), "Dropped"),
      ...errorResponses,
      ...notFound,
      ...conflict,
    },
  }),
  "datasets:provision",
  async (c) => {
    const principal = requirePrincipal(c.get("principal"));
    const deps = c.get("deps");
    const dataset = await getDataset(deps.db, c.req.valid("param").id);
    if (!dataset) {
      throw new AppError("not_found", "No such dataset.");
    }
    if (!ownsOrAdmin(principal, dataset)) {
      throw new AppError("forbidden", `Only ${dataset.owner} or an admin may drop this dataset.`);
    }
    const building = ["requested", "running", "verifying"].includes(dataset.status);
    c.set("audit", {
      action: building ? "datasets.cancel" : "datasets.drop",
      target: `dataset:${dataset.name}`,
      summary: { id: dataset.id, kind: dataset.kind, database: dataset.databaseName },
    });
    // 404 once it is gone; 409 when the database in its place is not govern's: left alone, and
    // the refusal audited with its reason (by the engine, and as this request's 409).
    await engine(() => dropDataset(deps, dataset.id, principal.email));
    return c.json({ id: dataset.id, status: "dropped" as const }, 200);
  },
);
