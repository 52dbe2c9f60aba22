import { createRoute } from "@hono/zod-openapi";
import { findUserById } from "../../../schema/governance/console-users.repository.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse, ZError } from "../../api/schemas.ts";
import { createApiToken } from "../../auth/principal.ts";
import { powersBeyond } from "../../auth/token-policy.ts";
import { AppError } from "../../errors.ts";
import { ZUserIdParams } from "../users/schemas.ts";
import { expiryOf, ZCreatedToken, ZCreateToken } from "./schemas.ts";

export const createUserTokenRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/users/{id}/tokens",
    tags: ["tokens"],
    summary: "Create an API token for another user (user administration); shown this once",
    security: [{ bearer: [] }],
    request: { params: ZUserIdParams, body: jsonBody(ZCreateToken) },
    responses: {
      201: jsonResponse(ZCreatedToken, "The new token"),
      ...errorResponses,
      403: jsonResponse(ZError, "Not an admin, or the user holds permissions the caller lacks"),
      404: jsonResponse(ZError, "No such user"),
      409: jsonResponse(ZError, "The user is disabled"),
    },
  }),
  "users:write",
  async (c) => {
    const { db } = c.get("deps");
    const { id } = c.req.valid("param");
    const { name, expiresInDays } = c.req.valid("json");
    const user = await findUserById(db, id);
    if (!user) {
      throw new AppError("not_found", "No such user.");
    }
    // A token acts as its owner: an admin must not gain, through someone else's token, powers
    // the admin's own role lacks (approving deletions is a compliance officer's, never an admin's).
    const principal = c.get("principal");
    const beyond = principal ? powersBeyond(principal.role, user.role) : [];
    if (beyond.length) {
      throw new AppError(
        "forbidden",
        `A token for ${user.email} would act with permissions your role lacks (${beyond.join(", ")}); they create their own.`,
      );
    }
    if (user.disabledAt) {
      throw new AppError("conflict", `${user.email} is disabled; enable the account first.`);
    }
    const expiresAt = expiryOf(expiresInDays);
    const created = await createApiToken(db, user.id, name, expiresAt);
    c.set("audit", {
      action: "tokens.create",
      target: `token:${created.id}`,
      summary: { owner: user.email, name, expiresAt: expiresAt?.toISOString() ?? null },
    });
    return c.json({ id: created.id, token: created.token }, 201);
  },
);
