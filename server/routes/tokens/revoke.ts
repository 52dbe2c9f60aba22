import { createRoute, z } from "@hono/zod-openapi";
import { revokeToken } from "../../../schema/governance/api-tokens.repository.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse, ZError } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { tokenView, ZApiToken } from "./schemas.ts";

export const revokeTokenRoute = defineRoute(
  createRoute({
    method: "delete",
    path: "/api/v1/tokens/{id}",
    tags: ["tokens"],
    summary: "Revoke one of your API tokens; it stops working at once",
    security: [{ bearer: [] }],
    request: {
      params: z.strictObject({ id: z.uuid().openapi({ param: { name: "id", in: "path" } }) }),
    },
    responses: {
      200: jsonResponse(ZApiToken, "The revoked token"),
      ...errorResponses,
      404: jsonResponse(ZError, "You have no token with this id"),
    },
  }),
  "tokens:own",
  async (c) => {
    const principal = c.get("principal");
    const { id } = c.req.valid("param");
    // Scoped to the caller: another person's token id answers 404, as if it did not exist.
    const token = principal && (await revokeToken(c.get("deps").db, id, principal));
    if (!token) {
      throw new AppError("not_found", "You have no token with this id.");
    }
    c.set("audit", { action: "tokens.revoke", target: `token:${token.id}` });
    return c.json(tokenView(token), 200);
  },
);
