import { createRoute, z } from "@hono/zod-openapi";
import { revokeToken } from "../../../schema/governance/api-tokens.repository.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse, ZError } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { tokenView, ZApiToken } from "./schemas.ts";

export const revokeUserTokenRoute = defineRoute(
  createRoute({
    method: "delete",
    path: "/api/v1/users/{id}/tokens/{tokenId}",
    tags: ["tokens"],
    summary: "Revoke a user's API token (user administration); it stops working at once",
    security: [{ bearer: [] }],
    request: {
      params: z.strictObject({
        id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
        tokenId: z.uuid().openapi({ param: { name: "tokenId", in: "path" } }),
      }),
    },
    responses: {
      200: jsonResponse(ZApiToken, "The revoked token"),
      ...errorResponses,
      404: jsonResponse(ZError, "The user has no token with this id"),
    },
  }),
  "users:write",
  async (c) => {
    const { id, tokenId } = c.req.valid("param");
    const token = await revokeToken(c.get("deps").db, tokenId, { userId: id });
    if (!token) {
      throw new AppError("not_found", "This user has no token with this id.");
    }
    c.set("audit", {
      action: "tokens.revoke",
      target: `token:${token.id}`,
      summary: { owner: id },
    });
    return c.json(tokenView(token), 200);
  },
);
