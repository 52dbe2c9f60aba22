import { createRoute } from "@hono/zod-openapi";
import {
  AccessInputError,
  fileAccessRequest,
  getAccessRequest,
} from "../../../jobs/retention/access-request.ts";
import { ZAccessFile, ZAccessRequestDetail } from "../../../schema/contracts/access.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";

export const fileAccessRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/access-requests",
    tags: ["retention"],
    summary:
      "File a data-subject access request (right of access): waits for another compliance officer's approval, then the person's package is exported",
    request: { body: jsonBody(ZAccessFile) },
    responses: {
      201: jsonResponse(
        ZAccessRequestDetail,
        "The request (an open one for the person is returned)",
      ),
      ...errorResponses,
    },
  }),
  "retention:plan",
  async (c) => {
    const { db } = c.get("deps");
    const body = c.req.valid("json");
    const actor = c.get("principal")?.email ?? "api";
    let id: string;
    try {
      id = await fileAccessRequest(db, { ...body, requestedBy: actor });
    } catch (error) {
      if (error instanceof AccessInputError) {
        throw new AppError("invalid_request", error.message, [
          { path: "customerId", message: error.message },
        ]);
      }
      throw error;
    }
    const request = await getAccessRequest(db, id, { caller: actor });
    if (!request) {
      throw new AppError("not_found", `access request ${id} vanished`);
    }
    // The person by id only: the audit trail is no place for what they asked to see.
    c.set("audit", {
      action: "retention.access.file",
      target: `retention-request:${id}`,
      summary: {
        tenantId: body.tenantId,
        customerId: body.customerId,
        regulation: request.deadline.regulation,
      },
    });
    return c.json(request, 201);
  },
);
