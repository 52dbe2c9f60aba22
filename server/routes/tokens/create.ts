import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import { createApiToken } from "../../auth/principal.ts";
import { AppError } from "../../errors.ts";
import { expiryOf, ZCreatedToken, ZCreateToken } from "./schemas.ts";

export const createTokenRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/tokens",
    tags: ["tokens"],
    summary: "Create an API token for yourself; the response is the only time it is shown",
    security: [{ bearer: [] }],
    request: { body: jsonBody(ZCreateToken) },
    responses: { 201: jsonResponse(ZCreatedToken, "The new token"), ...errorResponses },
  }),
  "tokens:own",
  async (c) => {
    const principal = c.get("principal");
    if (!principal) {
      throw new AppError("unauthenticated", "Sign in first.");
    }
    const { name, expiresInDays } = c.req.valid("json");
    const expiresAt = expiryOf(expiresInDays);
    const created = await createApiToken(c.get("deps").db, principal.userId, name, expiresAt);
    // The audit names the token, never its secret.
    c.set("audit", {
      action: "tokens.create",
      target: `token:${created.id}`,
      summary: { name, expiresAt: expiresAt?.toISOString() ?? null },
    });
    return c.json({ id: created.id, token: created.token }, 201);
  },
);
