import { createRoute, z } from "@hono/zod-openapi";
import { listResults } from "../../../jobs/quality/service.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { ZResultRow } from "./schemas.ts";

const ZResultsQuery = z.strictObject({
  rule: z
    .string()
    .regex(/^[a-z0-9_]{1,100}$/)
    .optional(),
  runId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(2000).optional(),
});

export const listQualityResultsRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/quality/results",
    tags: ["quality"],
    summary: "Results per run, rule and tenant, newest first (a rule's history for charts)",
    request: { query: ZResultsQuery },
    responses: {
      200: jsonResponse(z.object({ results: z.array(ZResultRow) }), "Results"),
      ...errorResponses,
    },
  }),
  "quality:read",
  async (c) => {
    const query = c.req.valid("query");
    const results = await listResults(c.get("deps").db, query);
    return c.json({ results }, 200);
  },
);
