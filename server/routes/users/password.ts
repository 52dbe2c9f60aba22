import { createRoute, z } from "@hono/zod-openapi";
import { ZResetPasswordResult } from "../../../schema/contracts/accounts.ts";
import { findUserById } from "../../../schema/governance/console-users.repository.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse, ZError } from "../../api/schemas.ts";
import { PASSWORD_MAX, resetPassword } from "../../auth/password-change.ts";
import { AppError } from "../../errors.ts";
import { userView, ZUserIdParams } from "./schemas.ts";

const ZResetPassword = z
  .strictObject({
    password: z
      .string()
      .min(1)
      .max(PASSWORD_MAX)
      .optional()
      .openapi({ description: "The new password; left out, one is generated" }),
  })
  .openapi("ResetPasswordRequest");

export const resetPasswordRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/users/{id}/password",
    tags: ["users"],
    summary:
      "Reset another user's password (set, or generated and shown once); their sessions and API tokens end",
    security: [{ bearer: [] }],
    request: { params: ZUserIdParams, body: jsonBody(ZResetPassword) },
    responses: {
      200: jsonResponse(ZResetPasswordResult, "The new password is in force"),
      ...errorResponses,
      404: jsonResponse(ZError, "No such user"),
      409: jsonResponse(ZError, "Your own password is changed with the current one"),
    },
  }),
  "users:write",
  async (c) => {
    const { db } = c.get("deps");
    const { id } = c.req.valid("param");
    const { password } = c.req.valid("json");
    if (id === c.get("principal")?.userId) {
      throw new AppError(
        "conflict",
        "Change your own password with your current one (POST /api/v1/me/password).",
      );
    }
    const user = await findUserById(db, id);
    if (!user) {
      throw new AppError("not_found", "No such user.");
    }
    const result = await resetPassword(db, user, password);
    // The audit says that and how, never the password.
    c.set("audit", {
      action: "users.password_reset",
      target: `user:${user.email}`,
      summary: {
        generated: result.generated,
        sessionsEnded: result.sessionsEnded,
        tokensRevoked: result.tokensRevoked,
      },
    });
    return c.json(
      {
        user: userView(user),
        password: result.generated ? result.password : null,
        sessionsEnded: result.sessionsEnded,
        tokensRevoked: result.tokensRevoked,
      },
      200,
    );
  },
);
