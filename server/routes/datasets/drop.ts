import { createRoute, z } from "@hono/zod-openapi";
import { getDataset, updateDataset } from "../../../masking/datasets.repository.ts";
import { dropDatabase } from "../../../masking/provision/provision.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { conflict, notFound, requirePrincipal, ZUuidParam } from "./schemas.ts";

/** A dataset still being built belongs to its job: dropping it then would race the copy. */
const BUSY = ["requested", "running", "verifying"];

export const dropDatasetRoute = defineRoute(
  createRoute({
    method: "delete",
    path: "/api/v1/datasets/{id}",
    tags: ["datasets"],
    summary: "Drop a dataset's database (its owner or an admin); the record stays, marked dropped",
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
    if (dataset.owner !== principal.email && principal.role !== "admin") {
      throw new AppError("forbidden", `Only ${dataset.owner} or an admin may drop this dataset.`);
    }
    if (BUSY.includes(dataset.status)) {
      throw new AppError("conflict", `The dataset is ${dataset.status}; drop it once it finishes.`);
    }
    if (dataset.status === "dropped" || dataset.status === "expired") {
      throw new AppError("conflict", `The dataset is already ${dataset.status}.`);
    }
    // Only a database govern created in this cluster is dropped; a --target-url database is not ours.
    if (dataset.databaseName) {
      await dropDatabase(deps.config, dataset.databaseName);
    }
    await updateDataset(deps.db, dataset.id, { status: "dropped", finishedAt: new Date() });
    c.set("audit", {
      action: "datasets.drop",
      target: `dataset:${dataset.name}`,
      summary: { id: dataset.id, kind: dataset.kind, database: dataset.databaseName },
    });
    return c.json({ id: dataset.id, status: "dropped" as const }, 200);
  },
);
