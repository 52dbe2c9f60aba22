import { createRoute, z } from "@hono/zod-openapi";
import { listTokensOfUser } from "../../../schema/governance/api-tokens.repository.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { tokenView, ZApiToken } from "./schemas.ts";

export const listTokensRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/tokens",
    tags: ["tokens"],
    summary: "Your own API tokens (never the secret: only its first characters)",
    security: [{ bearer: [] }],
    responses: {
      200: jsonResponse(z.array(ZApiToken), "Your tokens, newest first"),
      ...errorResponses,
    },
  }),
  "tokens:own",
  async (c) => {
    const principal = c.get("principal");
    const tokens = principal ? await listTokensOfUser(c.get("deps").db, principal.userId) : [];
    return c.json(tokens.map(tokenView), 200);
  },
);
