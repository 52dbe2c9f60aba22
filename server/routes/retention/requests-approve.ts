import { createRoute } from "@hono/zod-openapi";
import { approveRequest, rejectRequest } from "../../../jobs/retention/approvals.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { refusalError } from "./decision.ts";
import { findRequest, requestView } from "./queries.ts";
import { errorAnswer, ZDecision, ZRequest, ZUuidParams } from "./schemas.ts";

function decisionRoute(verb: "approve" | "reject") {
  return defineRoute(
    createRoute({
      method: "post",
      path: `/api/v1/retention/requests/{id}/${verb}`,
      tags: ["retention"],
      summary:
        verb === "approve"
          ? "Approve a waiting request (never one's own); the approval binds its fingerprint and expires"
          : "Reject a waiting, blocked or approved request, with a reason",
      request: { params: ZUuidParams, body: jsonBody(ZDecision) },
      responses: {
        200: jsonResponse(ZRequest, "The request after the decision"),
        404: errorAnswer("No such request"),
        409: errorAnswer(
          "Refused: self_approval, separation_of_duties, expired, fingerprint_mismatch, held or wrong_status (error.details.reason)",
        ),
        ...errorResponses,
      },
    }),
    "retention:approve",
    async (c) => {
      const db = c.get("deps").db;
      const { id } = c.req.valid("param");
      const { reason, fingerprint } = c.req.valid("json");
      const principal = c.get("principal");
      if (!principal) {
        throw new AppError("unauthenticated", "Sign in first.");
      }
      const decider = { name: principal.email, role: principal.role };
      const decision =
        verb === "approve"
          ? await approveRequest(db, {
              requestId: id,
              decider,
              reason,
              fingerprint,
              tiers: { config: c.get("deps").config, analytics: c.get("deps").analytics },
            })
          : await rejectRequest(db, { requestId: id, decider, reason });
      c.set("audit", {
        action: `retention.request.${verb}`,
        target: `retention-request:${id}`,
        summary: decision.ok
          ? {
              reason,
              fingerprint: decision.request.fingerprint,
              requestStatus: decision.request.status,
            }
          : { reason, refused: decision.code },
      });
      if (!decision.ok) {
        throw refusalError(decision);
      }
      const found = await findRequest(db, id);
      return c.json(
        requestView(decision.request, found?.hasCertificate ?? false, principal.email),
        200,
      );
    },
  );
}

export const approveRequestRoute = decisionRoute("approve");
export const rejectRequestRoute = decisionRoute("reject");
