import { createRoute, z } from "@hono/zod-openapi";
import { deleteChannel } from "../../../jobs/notify/channels.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { errorAnswer, ZChannelParams } from "./schemas.ts";

export const deleteChannelRoute = defineRoute(
  createRoute({
    method: "delete",
    path: "/api/v1/notifications/channels/{id}",
    tags: ["notifications"],
    summary:
      "Remove an alert channel; its delivery log stays, and what it still owed (waiting, held for the digest) is failed",
    request: { params: ZChannelParams },
    responses: {
      200: jsonResponse(z.object({ id: z.uuid(), name: z.string() }), "The removed channel"),
      404: errorAnswer("No such channel"),
      ...errorResponses,
    },
  }),
  "notifications:manage",
  async (c) => {
    const { id } = c.req.valid("param");
    const name = await deleteChannel(c.get("deps").db, id);
    if (name === undefined) {
      throw new AppError("not_found", `No alert channel ${id}.`);
    }
    c.set("audit", {
      action: "notifications.channel.delete",
      target: `alert-channel:${id}`,
      summary: { name },
    });
    return c.json({ id, name }, 200);
  },
);
