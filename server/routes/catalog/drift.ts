import { createRoute, z } from "@hono/zod-openapi";
import { listDriftEvents } from "../../../schema/governance/catalog-query.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { queryInt } from "../audit/filters.ts";
import { queryText, ZDriftEvent, ZStore } from "./schemas.ts";

export const DRIFT_KINDS = [
  "table_added",
  "table_dropped",
  "column_added",
  "column_changed",
  "column_dropped",
] as const;

const ZDriftQuery = z.strictObject({
  kind: z.enum(DRIFT_KINDS).optional(),
  store: ZStore.optional(),
  schema: queryText(128).optional(),
  table: queryText(128).optional(),
  acknowledged: z
    .enum(["true", "false"])
    .optional()
    .openapi({ description: "false: only events no steward has acknowledged" }),
  sort: z.enum(["asc", "desc"]).default("desc").openapi({ description: "By time" }),
  page: queryInt(1, 1_000_000, 1),
  pageSize: queryInt(1, 200, 50),
});

export const listDriftRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/catalog/drift",
    tags: ["catalog"],
    summary: "Schema drift the scanner found: tables and columns added, changed or dropped",
    request: { query: ZDriftQuery },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(ZDriftEvent), total: z.number().int() }),
        "One page of drift events, newest first",
      ),
      ...errorResponses,
    },
  }),
  "catalog:read",
  async (c) => {
    const query = c.req.valid("query");
    const result = await listDriftEvents(
      c.get("deps").db,
      {
        kind: query.kind,
        store: query.store,
        schema: query.schema,
        table: query.table,
        acknowledged: query.acknowledged === undefined ? undefined : query.acknowledged === "true",
      },
      { page: query.page, pageSize: query.pageSize, direction: query.sort },
    );
    return c.json(result, 200);
  },
);
