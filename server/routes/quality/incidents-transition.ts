import { createRoute, z } from "@hono/zod-openapi";
import { IncidentTransitionError, transitionIncident } from "../../../jobs/quality/incidents.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { ZIdParams, ZIncident } from "./schemas.ts";

const ZTransition = z
  .strictObject({
    action: z.enum(["ack", "assign", "resolve", "comment"]),
    assignee: z.string().min(1).max(200).optional(),
    comment: z.string().max(4000).optional(),
  })
  .openapi("QualityIncidentTransition");

export const transitionQualityIncidentRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/quality/incidents/{id}/transition",
    tags: ["quality"],
    summary: "Move an incident along New → Acknowledged → Assigned → Resolved, or comment on it",
    request: { params: ZIdParams, body: jsonBody(ZTransition) },
    responses: {
      200: jsonResponse(ZIncident, "The incident after the step"),
      404: jsonResponse(z.object({ error: z.unknown() }), "No such incident"),
      409: jsonResponse(z.object({ error: z.unknown() }), "Not possible from the current status"),
      ...errorResponses,
    },
  }),
  "quality:incidents",
  async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    if (body.action === "assign" && !body.assignee) {
      throw new AppError("invalid_request", "Assigning needs an assignee.", [
        { path: "assignee", message: "required for assign" },
      ]);
    }
    if (body.action === "comment" && !body.comment) {
      throw new AppError("invalid_request", "A comment needs text.", [
        { path: "comment", message: "required" },
      ]);
    }
    const actor = c.get("principal")?.email ?? "api";
    try {
      const incident = await transitionIncident(c.get("deps").db, id, { ...body, actor });
      c.set("audit", {
        action: `quality.incident.${body.action}`,
        target: `quality_incident:${id}`,
        summary: {
          rule: incident.rule,
          status: incident.status,
          assignee: body.assignee,
          comment: body.comment,
        },
      });
      return c.json(incident, 200);
    } catch (error) {
      if (error instanceof IncidentTransitionError) {
        throw new AppError(error.code, error.message);
      }
      throw error;
    }
  },
);
