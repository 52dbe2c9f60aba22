import { createRoute, z } from "@hono/zod-openapi";
import { listIncidents } from "../../../jobs/quality/incidents.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { ZIncident } from "./schemas.ts";

export const listQualityIncidentsRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/quality/incidents",
    tags: ["quality"],
    summary: "Quality incidents, newest first",
    request: {
      query: z.strictObject({
        status: z.enum(["open", "new", "acknowledged", "assigned", "resolved"]).optional(),
        rule: z
          .string()
          .regex(/^[a-z0-9_]{1,100}$/)
          .optional(),
      }),
    },
    responses: {
      200: jsonResponse(z.object({ incidents: z.array(ZIncident) }), "Incidents"),
      ...errorResponses,
    },
  }),
  "quality:read",
  async (c) => {
    const query = c.req.valid("query");
    const incidents = await listIncidents(c.get("deps").db, query);
    return c.json({ incidents }, 200);
  },
);
