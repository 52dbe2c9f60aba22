import { createRoute } from "@hono/zod-openapi";
import { deliverDue, getDelivery, retryDelivery } from "../../../jobs/notify/deliveries.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { deliveryWire, errorAnswer, ZChannelParams, ZDelivery } from "./schemas.ts";

export const retryDeliveryRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/notifications/deliveries/{id}/retry",
    tags: ["notifications"],
    summary:
      "Give a failed delivery a fresh round of attempts: tried once now, then with backoff by the sweep",
    request: { params: ZChannelParams },
    responses: {
      200: jsonResponse(ZDelivery, "The delivery after this attempt"),
      404: errorAnswer("No such delivery"),
      409: errorAnswer("Not failed, a test send, or its channel was removed"),
      ...errorResponses,
    },
  }),
  "notifications:manage",
  async (c) => {
    const deps = c.get("deps");
    const { id } = c.req.valid("param");
    const before = await getDelivery(deps.db, id);
    if (!before) {
      throw new AppError("not_found", `No delivery ${id}.`);
    }
    if (!(await retryDelivery(deps.db, id))) {
      throw new AppError(
        "conflict",
        `Delivery ${id} is ${before.status}: only a failed delivery to an existing channel (not a test) is retried.`,
      );
    }
    await deliverDue(deps, { ids: [id] });
    const after = (await getDelivery(deps.db, id)) ?? before;
    c.set("audit", {
      action: "notifications.delivery.retry",
      target: `alert-delivery:${id}`,
      summary: { channel: before.channelName, kind: before.kind, status: after.status },
    });
    return c.json(deliveryWire(after), 200);
  },
);
