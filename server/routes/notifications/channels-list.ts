import { createRoute, z } from "@hono/zod-openapi";
import { listChannels } from "../../../jobs/notify/channels.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { channelWire, ZChannel } from "./schemas.ts";

export const listChannelsRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/notifications/channels",
    tags: ["notifications"],
    summary: "Alert channels with their routing (secrets never included)",
    responses: {
      200: jsonResponse(z.object({ items: z.array(ZChannel) }), "Channels by name"),
      ...errorResponses,
    },
  }),
  "quality:read",
  async (c) => {
    const { db, config } = c.get("deps");
    const channels = await listChannels(db, config.secret);
    return c.json({ items: channels.map(channelWire) }, 200);
  },
);
