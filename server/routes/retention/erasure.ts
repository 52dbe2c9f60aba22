import { createRoute, z } from "@hono/zod-openapi";
import { ErasureInputError, planErasure } from "../../../jobs/retention/erasure.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { findRequest, requestView } from "./queries.ts";
import { ZRequest } from "./schemas.ts";

const ZErasure = z
  .strictObject({ tenantId: z.uuid(), customerId: z.uuid() })
  .openapi("ErasureRequest");

export const erasureRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/retention/erasure",
    tags: ["retention"],
    summary:
      "Plan the erasure of one person (right to erasure): every row about them, which then waits for another compliance officer's approval",
    request: { body: jsonBody(ZErasure) },
    responses: {
      201: jsonResponse(
        ZRequest,
        "The erasure request (an open one for the same person is returned)",
      ),
      ...errorResponses,
    },
  }),
  "retention:plan",
  async (c) => {
    const deps = c.get("deps");
    const { tenantId, customerId } = c.req.valid("json");
    const actor = c.get("principal")?.email ?? "api";
    let planned: Awaited<ReturnType<typeof planErasure>>;
    try {
      planned = await planErasure(
        { db: deps.db, config: deps.config },
        { tenantId, customerId, requestedBy: actor },
      );
    } catch (error) {
      if (error instanceof ErasureInputError) {
        throw new AppError("invalid_request", error.message, [
          { path: "customerId", message: error.message },
        ]);
      }
      throw error;
    }
    const found = await findRequest(deps.db, planned.id);
    // The audit names the person by id only: their identifiers are what is being erased.
    c.set("audit", {
      action: "retention.erasure.plan",
      target: `retention-request:${planned.id}`,
      summary: { tenantId, customerId, rows: planned.totalRows },
    });
    return c.json(
      requestView(found?.request ?? planned, found?.hasCertificate ?? false, actor),
      201,
    );
  },
);
