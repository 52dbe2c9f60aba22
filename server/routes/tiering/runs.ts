import { createRoute, z } from "@hono/zod-openapi";
import { jobQueuesOf } from "../../api/context.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";

const ZRunBody = z
  .strictObject({
    tables: z
      .array(z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/))
      .max(50)
      .optional(),
  })
  .openapi("TierRunRequest");

export const tierRunRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/tiering/runs",
    tags: ["tiering"],
    summary: "Start a tiering run now (the tiering job); its progress streams over /events",
    request: {
      body: { required: false, content: { "application/json": { schema: ZRunBody } } },
    },
    responses: {
      202: jsonResponse(z.object({ jobId: z.string() }), "Enqueued"),
      ...errorResponses,
    },
  }),
  "tiering:run",
  async (c) => {
    const deps = c.get("deps");
    const body = c.req.valid("json") ?? {};
    const actor = c.get("principal")?.email ?? "api";
    const payload = { action: "run", ...(body.tables ? { tables: body.tables } : {}) };
    const jobId = deps.enqueue
      ? await deps.enqueue("tier", payload, actor)
      : await jobQueuesOf(deps).enqueue("tier", payload, actor);
    c.set("audit", {
      action: "tiering.run",
      target: "job:tier",
      summary: { jobId, ...payload },
    });
    return c.json({ jobId }, 202);
  },
);
