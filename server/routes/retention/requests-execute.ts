import { createRoute, z } from "@hono/zod-openapi";
import { checkExecutable } from "../../../jobs/retention/approvals.ts";
import { jobQueuesOf } from "../../api/context.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { refusalError } from "./decision.ts";
import { errorAnswer, ZUuidParams } from "./schemas.ts";

export const executeRequestRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/retention/requests/{id}/execute",
    tags: ["retention"],
    summary:
      "Enqueue the execution of an approved request (the retention job deletes its frozen key set in batches)",
    request: { params: ZUuidParams },
    responses: {
      202: jsonResponse(z.object({ jobId: z.string(), requestId: z.string() }), "Enqueued"),
      404: errorAnswer("No such request"),
      409: errorAnswer(
        "Not executable now: wrong_status (e.g. waiting for approval), expired, fingerprint_mismatch or held (error.details.reason)",
      ),
      ...errorResponses,
    },
  }),
  "retention:execute",
  async (c) => {
    const deps = c.get("deps");
    const { id } = c.req.valid("param");
    const actor = c.get("principal")?.email ?? "api";
    // The gate the executor applies again when the job starts: asking it here answers at once
    // (and marks an expired or held request so) instead of failing later in the worker.
    const gate = await checkExecutable(deps.db, id, { allowRunning: false });
    if (!gate.ok) {
      c.set("audit", {
        action: "retention.request.execute",
        target: `retention-request:${id}`,
        summary: { refused: gate.code },
      });
      throw refusalError(gate);
    }
    // The actor rides along so the certificate names who executed it, not just "worker".
    const payload = { action: "execute", requestId: id, actor };
    const jobId = deps.enqueue
      ? await deps.enqueue("retention", payload, actor)
      : await jobQueuesOf(deps).enqueue("retention", payload, actor);
    c.set("audit", {
      action: "retention.request.execute",
      target: `retention-request:${id}`,
      summary: { jobId, fingerprint: gate.request.fingerprint, rows: gate.request.totalRows },
    });
    return c.json({ jobId, requestId: id }, 202);
  },
);
