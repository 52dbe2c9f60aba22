import { createRoute, z } from "@hono/zod-openapi";
import { DELIVERY_STATUSES, listDeliveries } from "../../../jobs/notify/deliveries.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { ZPaging } from "../retention/schemas.ts";
import { deliveryWire, ZDelivery } from "./schemas.ts";

export const listDeliveriesRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/notifications/deliveries",
    tags: ["notifications"],
    summary: "The alert delivery log, newest first: status, attempts, last error",
    request: {
      query: z.strictObject({
        status: z.enum(DELIVERY_STATUSES).optional(),
        channel: z.uuid().optional().openapi({ description: "A channel id" }),
        channelName: z
          .string()
          .max(100)
          .optional()
          .openapi({ description: "A channel's name (also finds a removed channel's log)" }),
        kind: z.string().max(100).optional(),
        ...ZPaging,
        sort: z.enum(["createdAt:asc", "createdAt:desc"]).default("createdAt:desc"),
      }),
    },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(ZDelivery), total: z.number().int() }),
        "Deliveries",
      ),
      ...errorResponses,
    },
  }),
  "quality:read",
  async (c) => {
    const { status, channel, channelName, kind, page, pageSize, sort } = c.req.valid("query");
    const found = await listDeliveries(
      c.get("deps").db,
      { status, channelId: channel, channelName, kind },
      { page, pageSize },
      sort === "createdAt:asc" ? "asc" : "desc",
    );
    return c.json({ items: found.items.map(deliveryWire), total: found.total }, 200);
  },
);
