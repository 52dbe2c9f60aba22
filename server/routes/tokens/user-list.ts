import { createRoute, z } from "@hono/zod-openapi";
import { listTokensOfUser } from "../../../schema/governance/api-tokens.repository.ts";
import { findUserById } from "../../../schema/governance/console-users.repository.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse, ZError } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { ZUserIdParams } from "../users/schemas.ts";
import { tokenView, ZApiToken } from "./schemas.ts";

export const listUserTokensRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/users/{id}/tokens",
    tags: ["tokens"],
    summary: "A user's API tokens, for user administration (never the secret)",
    security: [{ bearer: [] }],
    request: { params: ZUserIdParams },
    responses: {
      200: jsonResponse(z.array(ZApiToken), "The user's tokens, newest first"),
      ...errorResponses,
      404: jsonResponse(ZError, "No such user"),
    },
  }),
  "users:read",
  async (c) => {
    const { db } = c.get("deps");
    const { id } = c.req.valid("param");
    if (!(await findUserById(db, id))) {
      throw new AppError("not_found", "No such user.");
    }
    return c.json((await listTokensOfUser(db, id)).map(tokenView), 200);
  },
);
