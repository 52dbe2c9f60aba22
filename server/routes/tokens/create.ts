import { createRoute, z } from "@hono/zod-openapi";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import { createApiToken } from "../../auth/principal.ts";
import { AppError } from "../../errors.ts";
import { noNul } from "../users/schemas.ts";

const ZCreateToken = z
  .strictObject({
    name: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .refine(...noNul),
    expiresInDays: z.number().int().min(1).max(3650).optional(),
  })
  .openapi("CreateTokenRequest");

const ZCreatedToken = z
  .object({
    id: z.string(),
    token: z.string().openapi({ description: "The secret; shown this once and never again" }),
  })
  .openapi("CreatedToken");

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
    const expiresAt = expiresInDays
      ? new Date(Date.now() + expiresInDays * 24 * 60 * 60 * 1000)
      : undefined;
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
