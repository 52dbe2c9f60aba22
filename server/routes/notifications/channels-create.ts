import { createRoute } from "@hono/zod-openapi";
import { ChannelInputError, createChannel } from "../../../jobs/notify/channels.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { channelWire, errorAnswer, ZChannel, ZNewChannel } from "./schemas.ts";

/** Channel refusals as API errors: 400 naming the field, 409 for a taken name. */
export function channelInputAnswer(error: unknown): never {
  if (error instanceof ChannelInputError) {
    throw new AppError(error.code, error.message, [{ path: error.field, message: error.message }]);
  }
  throw error;
}

/** What the audit trail keeps of a channel: routing and shown settings, never a secret. */
export function auditedChannel(view: ReturnType<typeof channelWire>): Record<string, unknown> {
  return {
    name: view.name,
    type: view.type,
    enabled: view.enabled,
    owner: view.owner,
    minSeverity: view.minSeverity,
    kinds: view.kinds,
    digestWarnings: view.digestWarnings,
    ...(view.webhook ? { webhook: view.webhook } : {}),
    ...(view.email ? { email: view.email } : {}),
  };
}

export const createChannelRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/notifications/channels",
    tags: ["notifications"],
    summary: "Add an alert channel: a signed Slack-compatible webhook or e-mail over SMTP",
    request: { body: jsonBody(ZNewChannel) },
    responses: {
      201: jsonResponse(ZChannel, "The channel"),
      409: errorAnswer("A channel with this name exists"),
      ...errorResponses,
    },
  }),
  "notifications:manage",
  async (c) => {
    const { db, config } = c.get("deps");
    const body = c.req.valid("json");
    const actor = c.get("principal")?.email ?? "api";
    const channel = await createChannel(db, config.secret, body, actor).catch(channelInputAnswer);
    const wire = channelWire(channel);
    c.set("audit", {
      action: "notifications.channel.create",
      target: `alert-channel:${channel.id}`,
      summary: {
        ...auditedChannel(wire),
        secretsSet:
          body.type === "webhook"
            ? ["url", ...(body.webhook.secret ? ["secret"] : [])]
            : body.email.smtpPassword
              ? ["smtpPassword"]
              : [],
      },
    });
    return c.json(wire, 201);
  },
);
