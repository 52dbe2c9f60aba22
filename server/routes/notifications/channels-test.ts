import { createRoute } from "@hono/zod-openapi";
import { getChannel } from "../../../jobs/notify/channels.ts";
import { sendTest } from "../../../jobs/notify/deliveries.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { deliveryWire, errorAnswer, ZChannelParams, ZDelivery } from "./schemas.ts";

export const testChannelRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/notifications/channels/{id}/test",
    tags: ["notifications"],
    summary:
      "Send a test alert over the channel now, once (enabled or not); answers with the logged delivery, sent or failed with the reason",
    request: { params: ZChannelParams },
    responses: {
      200: jsonResponse(ZDelivery, "The test delivery"),
      404: errorAnswer("No such channel"),
      ...errorResponses,
    },
  }),
  "notifications:manage",
  async (c) => {
    const deps = c.get("deps");
    const { id } = c.req.valid("param");
    const actor = c.get("principal")?.email ?? "api";
    const channel = await getChannel(deps.db, deps.config.secret, id);
    if (!channel) {
      throw new AppError("not_found", `No alert channel ${id}.`);
    }
    const delivery = await sendTest(deps, channel, actor);
    c.set("audit", {
      action: "notifications.channel.test",
      target: `alert-channel:${id}`,
      summary: { name: channel.name, status: delivery.status, error: delivery.lastError },
    });
    return c.json(deliveryWire(delivery), 200);
  },
);
