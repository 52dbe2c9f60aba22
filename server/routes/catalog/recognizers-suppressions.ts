import { createRoute, z } from "@hono/zod-openapi";
import {
  ZSuppression,
  ZSuppressionList,
  ZSuppressionQuery,
} from "../../../schema/contracts/recognizers.ts";
import {
  getSuppression,
  listSuppressions,
  removeSuppression,
  toSuppression,
} from "../../../schema/governance/suppressions.repository.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";

/** Suppressions learned from stewards' decisions (issue 21): list and remove. */

export const listSuppressionsRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/catalog/suppressions",
    tags: ["catalog"],
    summary: "Suppressions learned from rejections and overrides, newest first",
    request: { query: ZSuppressionQuery },
    responses: { 200: jsonResponse(ZSuppressionList, "Suppressions"), ...errorResponses },
  }),
  "catalog:read",
  async (c) => {
    const q = c.req.valid("query");
    const rows = await listSuppressions(c.get("deps").db, {
      columnId: q.column,
      includeRemoved: q.removed === "true",
    });
    return c.json({ suppressions: rows.map(toSuppression) }, 200);
  },
);

const ZSuppressionParams = z.strictObject({
  id: z.coerce
    .number()
    .int()
    .min(1)
    .max(Number.MAX_SAFE_INTEGER)
    .openapi({ param: { name: "id", in: "path" }, type: "integer" }),
});

export const removeSuppressionRoute = defineRoute(
  createRoute({
    method: "delete",
    path: "/api/v1/catalog/suppressions/{id}",
    tags: ["catalog"],
    summary: "Remove a suppression: the next scan may propose that category there again",
    request: { params: ZSuppressionParams },
    responses: { 200: jsonResponse(ZSuppression, "The removed suppression"), ...errorResponses },
  }),
  "catalog:recognizers",
  async (c) => {
    const { id } = c.req.valid("param");
    const { db } = c.get("deps");
    const actor = c.get("principal")?.email ?? "api";
    const removed = await removeSuppression(db, id, actor);
    if (!removed) {
      throw new AppError(
        (await getSuppression(db, id)) ? "conflict" : "not_found",
        (await getSuppression(db, id))
          ? "This suppression was already removed."
          : "No suppression has this id.",
      );
    }
    c.set("audit", {
      action: "catalog.suppression.remove",
      target: `suppression:${id}`,
      summary: {
        scope: removed.scope,
        category: removed.category,
        detector: removed.detector,
        column: removed.column_name
          ? `${removed.store}:${removed.schema_name}.${removed.table_name}.${removed.column_name}${removed.json_path ? `.${removed.json_path}` : ""}`
          : null,
        reviewEventId: removed.review_event_id,
      },
    });
    return c.json(toSuppression(removed), 200);
  },
);
