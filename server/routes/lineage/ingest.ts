import { createRoute, z } from "@hono/zod-openapi";
import { recordRunEvent } from "../../../jobs/lineage/events.ts";
import { ZRunEvent } from "../../../rules/lineage/openlineage.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";

export const ingestLineageRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/lineage",
    tags: ["lineage"],
    summary:
      "Accept one OpenLineage RunEvent (Airflow, dbt, Spark, ...): validated against the OpenLineage schema, idempotent by run id and event type",
    request: {
      body: { required: true, content: { "application/json": { schema: ZRunEvent } } },
    },
    responses: {
      201: jsonResponse(
        z.object({
          runId: z.string(),
          eventType: z.string(),
          duplicate: z.boolean(),
          edges: z.number().int(),
        }),
        "Recorded (or already recorded: duplicate)",
      ),
      ...errorResponses,
    },
  }),
  "lineage:write",
  async (c) => {
    const event = c.req.valid("json");
    // PostgreSQL's jsonb cannot hold U+0000: refused here rather than failing the insert.
    if (JSON.stringify(event).includes("\\u0000")) {
      throw new AppError("invalid_request", "The event contains a NUL character (\\u0000).");
    }
    const principal = c.get("principal");
    const outcome = await recordRunEvent(
      c.get("deps").db,
      event,
      "received",
      principal?.email ?? "api",
    );
    if (!outcome.duplicate) {
      c.set("audit", {
        action: "lineage.event",
        target: `openlineage_run:${event.run.runId}`,
        summary: {
          job: `${event.job.namespace}/${event.job.name}`,
          eventType: event.eventType ?? "OTHER",
          edges: outcome.edges,
        },
      });
    }
    return c.json(
      {
        runId: event.run.runId,
        eventType: event.eventType ?? "OTHER",
        duplicate: outcome.duplicate,
        edges: outcome.edges,
      },
      201,
    );
  },
);
