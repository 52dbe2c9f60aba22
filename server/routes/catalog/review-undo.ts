import { createRoute, z } from "@hono/zod-openapi";
import { getCatalogColumn } from "../../../schema/governance/catalog-query.ts";
import { undoReview } from "../../../schema/governance/catalog-review.repository.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { asApiErrors } from "./review-errors.ts";
import { ZCatalogColumnDetail, ZColumnIdParams } from "./schemas.ts";

const ZUndoRequest = z
  .strictObject({
    eventId: z.number().int().positive().openapi({
      description: "The decision's review event (history[0].id of the decision's answer)",
    }),
  })
  .openapi("UndoReviewRequest");

export const undoReviewRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/catalog/columns/{id}/review/undo",
    tags: ["catalog"],
    summary:
      "Undo one's own decision minutes after making it: the column returns to what it was before (409 once decided or re-scanned since)",
    request: { params: ZColumnIdParams, body: jsonBody(ZUndoRequest) },
    responses: {
      200: jsonResponse(ZCatalogColumnDetail, "The column as it was before the decision"),
      ...errorResponses,
    },
  }),
  "catalog:review",
  async (c) => {
    const { id } = c.req.valid("param");
    const { eventId } = c.req.valid("json");
    const { db } = c.get("deps");
    const actor = c.get("principal")?.email ?? "api";
    const result = await asApiErrors(() => undoReview(db, { columnId: id, eventId, actor }));
    const after = await getCatalogColumn(db, id);
    if (!after) {
      throw new AppError("not_found", "The column was removed meanwhile.");
    }
    c.set("audit", {
      action: "catalog.review.undo",
      target: `catalog_column:${id}`,
      summary: {
        column: `${after.store}:${after.schema}.${after.table}.${after.column}${
          after.jsonPath ? `.${after.jsonPath}` : ""
        }`,
        undoneEvent: eventId,
        undone: result.undone,
        restoredStatus: result.restoredStatus,
      },
    });
    return c.json(after, 200);
  },
);
