import { createRoute } from "@hono/zod-openapi";
import { getChannel, updateChannel } from "../../../jobs/notify/channels.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { auditedChannel, channelInputAnswer } from "./channels-create.ts";
import { channelWire, errorAnswer, ZChannel, ZChannelChange, ZChannelParams } from "./schemas.ts";

export const updateChannelRoute = defineRoute(
  createRoute({
    method: "patch",
    path: "/api/v1/notifications/channels/{id}",
    tags: ["notifications"],
    summary:
      "Change a channel's routing, settings or secrets (fields left out stay; secrets are write-only)",
    request: { params: ZChannelParams, body: jsonBody(ZChannelChange) },
    responses: {
      200: jsonResponse(ZChannel, "The changed channel"),
      404: errorAnswer("No such channel"),
      409: errorAnswer("A channel with this name exists"),
      ...errorResponses,
    },
  }),
  "notifications:manage",
  async (c) => {
    const { db, config } = c.get("deps");
    const { id } = c.req.valid("param");
    const change = c.req.valid("json");
    const actor = c.get("principal")?.email ?? "api";
    const before = await getChannel(db, config.secret, id);
    if (!before) {
      throw new AppError("not_found", `No alert channel ${id}.`);
    }
    const after = await updateChannel(db, config.secret, id, change, actor).catch(
      channelInputAnswer,
    );
    if (!after) {
      throw new AppError("not_found", `No alert channel ${id}.`);
    }
    const secretsChanged = [
      ...(change.webhook?.url !== undefined ? ["url"] : []),
      ...(change.webhook?.secret !== undefined
        ? [change.webhook.secret === null ? "secret removed" : "secret"]
        : []),
      ...(change.email?.smtpPassword !== undefined
        ? [change.email.smtpPassword === null ? "smtpPassword removed" : "smtpPassword"]
        : []),
    ];
    c.set("audit", {
      action: "notifications.channel.update",
      target: `alert-channel:${id}`,
      summary: {
        before: auditedChannel(channelWire(before)),
        after: auditedChannel(channelWire(after)),
        secretsChanged,
      },
    });
    return c.json(channelWire(after), 200);
  },
);
