import { createRoute } from "@hono/zod-openapi";
import { getAccessRequest } from "../../../jobs/retention/access-request.ts";
import { approveRequest, rejectRequest } from "../../../jobs/retention/approvals.ts";
import { getRequest } from "../../../jobs/retention/requests.ts";
import { ZAccessDecision, ZAccessRequestDetail } from "../../../schema/contracts/access.ts";
import { jobQueuesOf } from "../../api/context.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { refusalError } from "../retention/decision.ts";
import { errorAnswer } from "../retention/schemas.ts";
import { ZAccessIdParams } from "./schemas.ts";

/**
 * Approve or reject an access request, through the erasure's gate (approvals.ts): a compliance
 * officer other than the requester, with a reason. An approval enqueues the export at once: the
 * approval is what it waits for.
 */
function decisionRoute(verb: "approve" | "reject") {
  return defineRoute(
    createRoute({
      method: "post",
      path: `/api/v1/access-requests/{id}/${verb}`,
      tags: ["retention"],
      summary:
        verb === "approve"
          ? "Approve an access request (never one's own): its package is then exported by the retention job"
          : "Reject an access request, with a reason",
      request: { params: ZAccessIdParams, body: jsonBody(ZAccessDecision) },
      responses: {
        200: jsonResponse(ZAccessRequestDetail, "The request after the decision"),
        404: errorAnswer("No such access request"),
        409: errorAnswer(
          "Refused: self_approval, separation_of_duties, expired, fingerprint_mismatch or wrong_status (error.details.reason)",
        ),
        ...errorResponses,
      },
    }),
    "retention:approve",
    async (c) => {
      const deps = c.get("deps");
      const { id } = c.req.valid("param");
      const { reason, fingerprint } = c.req.valid("json");
      const principal = c.get("principal");
      if (!principal) {
        throw new AppError("unauthenticated", "Sign in first.");
      }
      if ((await getRequest(deps.db, id))?.kind !== "access") {
        throw new AppError("not_found", `no access request ${id}`);
      }
      const decider = { name: principal.email, role: principal.role };
      const decision =
        verb === "approve"
          ? await approveRequest(deps.db, { requestId: id, decider, reason, fingerprint })
          : await rejectRequest(deps.db, { requestId: id, decider, reason });
      let jobId: string | undefined;
      if (decision.ok && verb === "approve") {
        const payload = { action: "access", requestId: id, actor: principal.email };
        jobId = deps.enqueue
          ? await deps.enqueue("retention", payload, principal.email)
          : await jobQueuesOf(deps).enqueue("retention", payload, principal.email);
      }
      c.set("audit", {
        action: `retention.access.${verb}`,
        target: `retention-request:${id}`,
        summary: decision.ok
          ? { reason, fingerprint: decision.request.fingerprint, ...(jobId ? { jobId } : {}) }
          : { reason, refused: decision.code },
      });
      if (!decision.ok) {
        throw refusalError(decision);
      }
      const request = await getAccessRequest(deps.db, id, { caller: principal.email });
      if (!request) {
        throw new AppError("not_found", `no access request ${id}`);
      }
      return c.json(request, 200);
    },
  );
}

export const approveAccessRoute = decisionRoute("approve");
export const rejectAccessRoute = decisionRoute("reject");
