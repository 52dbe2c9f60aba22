import { createRoute } from "@hono/zod-openapi";
import { extendDatasetExpiry } from "../../../masking/dataset-expiry.ts";
import { getDataset } from "../../../masking/datasets.repository.ts";
import { ZExpiryResult, ZExtendExpiry } from "../../../schema/contracts/datasets-controls.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import {
  conflict,
  engine,
  notFound,
  ownsOrAdmin,
  requirePrincipal,
  ZUuidParam,
} from "./schemas.ts";

/** Keeps a dataset longer, up to the caller's role bound (`DATASET_MAX_EXPIRY_DAYS`); audited. */
export const extendDatasetExpiryRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/datasets/{id}/expiry",
    tags: ["datasets"],
    summary:
      "Extend a dataset's expiry by some days (its owner or an admin), within the role's maximum",
    request: { params: ZUuidParam, body: jsonBody(ZExtendExpiry) },
    responses: {
      200: jsonResponse(ZExpiryResult, "The new expiry"),
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
    if (!dataset || dataset.status === "dropped" || dataset.status === "expired") {
      throw new AppError("not_found", "No such dataset.");
    }
    if (!ownsOrAdmin(principal, dataset)) {
      throw new AppError("forbidden", `Only ${dataset.owner} or an admin may extend this dataset.`);
    }
    const { days } = c.req.valid("json");
    const result = await engine(() =>
      extendDatasetExpiry(deps, dataset, { days, role: principal.role, by: principal.email }),
    );
    c.set("audit", {
      action: "datasets.expiry.extend",
      target: `dataset:${dataset.name}`,
      summary: {
        id: dataset.id,
        days,
        from: dataset.expiresAt?.toISOString() ?? null,
        to: result.expiresAt.toISOString(),
      },
    });
    return c.json(
      {
        id: dataset.id,
        expiresAt: result.expiresAt.toISOString(),
        maxExpiresAt: result.maxExpiresAt.toISOString(),
      },
      200,
    );
  },
);
