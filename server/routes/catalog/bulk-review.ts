import { createRoute, z } from "@hono/zod-openapi";
import { reviewColumns } from "../../../schema/governance/catalog-review.repository.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { asApiErrors } from "./review-errors.ts";
import { queryText, ZCategory, ZComment, ZStore } from "./schemas.ts";

export const BULK_MAX_IDS = 5_000;

const ZBulkFilter = z
  .strictObject({
    category: ZCategory.optional().openapi({ description: "The proposed category" }),
    minConfidence: z.number().min(0).max(1).optional(),
    store: ZStore.optional(),
    schema: queryText(128).optional(),
    table: queryText(128).optional(),
  })
  .openapi("BulkReviewFilter");

const ZBulkReviewRequest = z
  .strictObject({
    ids: z
      .array(z.uuid())
      .min(1)
      .max(BULK_MAX_IDS)
      .optional()
      .openapi({ description: `At most ${BULK_MAX_IDS} catalog column ids` }),
    filter: ZBulkFilter.optional().openapi({
      description:
        "Instead of ids: every live proposal waiting for a steward (pending, or flagged for re-review) that matches",
    }),
    action: z.enum(["accept", "reject"]),
    comment: ZComment.optional(),
  })
  .openapi("BulkReviewRequest");

export const bulkReviewRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/catalog/review",
    tags: ["catalog"],
    summary:
      "Accept or reject many proposals at once: listed ids, or every pending proposal matching a filter",
    request: { body: jsonBody(ZBulkReviewRequest) },
    responses: {
      200: jsonResponse(
        z.object({ changed: z.number().int(), ids: z.array(z.string()) }),
        "How many proposals changed, and which",
      ),
      ...errorResponses,
    },
  }),
  "catalog:review",
  async (c) => {
    const body = c.req.valid("json");
    if ((body.ids === undefined) === (body.filter === undefined)) {
      throw new AppError("invalid_request", "Send either `ids` or `filter`, not both or neither.", [
        { path: body.ids ? "filter" : "ids", message: "exactly one of ids and filter" },
      ]);
    }
    const principal = c.get("principal");
    const target = body.ids ? { ids: [...new Set(body.ids)] } : { filter: body.filter ?? {} };
    const result = await asApiErrors(() =>
      reviewColumns(c.get("deps").db, {
        target,
        action: body.action,
        comment: body.comment || undefined,
        actor: principal?.email ?? "api",
      }),
    );
    c.set("audit", {
      action: `catalog.review.bulk_${body.action}`,
      target: body.ids ? `catalog_columns:${body.ids.length} ids` : "catalog_columns:filter",
      summary: {
        filter: body.filter,
        requested: body.ids?.length,
        changed: result.changed,
        comment: body.comment,
        suppressions: result.suppressions,
      },
    });
    return c.json({ changed: result.changed, ids: result.ids }, 200);
  },
);
