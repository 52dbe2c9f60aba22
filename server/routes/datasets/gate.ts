import { createRoute } from "@hono/zod-openapi";
import { ZGate } from "../../../schema/contracts/datasets.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { blockingColumns } from "./gate-check.ts";

export const gateStatusRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/masking/gate",
    tags: ["masking"],
    summary: "Whether provisioning would run now, and every column that blocks it",
    responses: {
      200: jsonResponse(ZGate, "The provisioning gate"),
      ...errorResponses,
    },
  }),
  "masking:read",
  async (c) => {
    const blocking = await blockingColumns(c.get("deps").db);
    return c.json({ ok: blocking.length === 0, blocking }, 200);
  },
);
