import { createRoute, z } from "@hono/zod-openapi";
import { incidentEvents, listIncidents } from "../../../jobs/quality/incidents.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { ZIdParams, ZIncidentDetail } from "./schemas.ts";

export const getQualityIncidentRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/quality/incidents/{id}",
    tags: ["quality"],
    summary: "One incident with its workflow history and comments",
    request: { params: ZIdParams },
    responses: {
      200: jsonResponse(ZIncidentDetail, "The incident"),
      404: jsonResponse(z.object({ error: z.unknown() }), "No such incident"),
      ...errorResponses,
    },
  }),
  "quality:read",
  async (c) => {
    const { id } = c.req.valid("param");
    const { db } = c.get("deps");
    const [incident] = await listIncidents(db, { id });
    if (!incident) {
      throw new AppError("not_found", "No incident has this id.");
    }
    const events = (await incidentEvents(db, id)).map((e) => ({ ...e, at: e.at.toISOString() }));
    return c.json({ incident, events }, 200);
  },
);
