import { createRoute, z } from "@hono/zod-openapi";
import { getCatalogColumn } from "../../../schema/governance/catalog-query.ts";
import { reviewColumns } from "../../../schema/governance/catalog-review.repository.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { asApiErrors } from "./review-errors.ts";
import {
  ZCatalogColumnDetail,
  ZCategory,
  ZColumnIdParams,
  ZComment,
  ZSensitivity,
} from "./schemas.ts";

const ZReviewRequest = z
  .strictObject({
    action: z.enum(["accept", "reject", "override"]),
    category: ZCategory.optional().openapi({ description: "Required for override" }),
    sensitivity: ZSensitivity.optional().openapi({ description: "Only with override" }),
    comment: ZComment.optional(),
    suppressAcrossTables: z.boolean().optional().openapi({
      description:
        "Reject/override: also stop the detector that made this call from proposing that category on every table (a suppression)",
    }),
  })
  .openapi("ReviewColumnRequest");

export const reviewColumnRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/catalog/columns/{id}/review",
    tags: ["catalog"],
    summary:
      "Decide one proposal: accept it, reject it (not personal data), or override category and sensitivity",
    request: { params: ZColumnIdParams, body: jsonBody(ZReviewRequest) },
    responses: {
      200: jsonResponse(ZCatalogColumnDetail, "The column after the decision"),
      ...errorResponses,
    },
  }),
  "catalog:review",
  async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    if (body.action === "override" && !body.category) {
      throw new AppError("invalid_request", "An override needs a category.", [
        { path: "category", message: "required for override" },
      ]);
    }
    if (body.action !== "override" && (body.category || body.sensitivity)) {
      throw new AppError(
        "invalid_request",
        "Category and sensitivity go with an override; accept and reject take the proposal.",
        [{ path: body.category ? "category" : "sensitivity", message: "only with override" }],
      );
    }
    const { db } = c.get("deps");
    const before = await getCatalogColumn(db, id);
    if (!before) {
      throw new AppError("not_found", "No catalog column has this id.");
    }
    const principal = c.get("principal");
    const result = await asApiErrors(() =>
      reviewColumns(db, {
        target: { ids: [id] },
        action: body.action,
        category: body.category,
        sensitivity: body.sensitivity,
        comment: body.comment || undefined,
        actor: principal?.email ?? "api",
        suppressAcrossTables: body.suppressAcrossTables,
      }),
    );
    const entry = `${before.store}:${before.schema}.${before.table}.${before.column}${
      before.jsonPath ? `.${before.jsonPath}` : ""
    }`;
    c.set("audit", {
      action: `catalog.review.${body.action}`,
      target: `catalog_column:${id}`,
      summary: {
        column: entry,
        changed: result.changed,
        from: { category: before.effectiveCategory, status: before.reviewStatus },
        category: body.category,
        sensitivity: body.sensitivity,
        comment: body.comment,
        suppressions: result.suppressions,
      },
    });
    const after = await getCatalogColumn(db, id);
    if (!after) {
      throw new AppError("not_found", "The column was removed meanwhile.");
    }
    return c.json(after, 200);
  },
);
