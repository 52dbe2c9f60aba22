import { createRoute } from "@hono/zod-openapi";
import { disableUser } from "../../../schema/governance/console-users.repository.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse, ZError } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { userView, ZUser, ZUserIdParams } from "./schemas.ts";

export const disableUserRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/users/{id}/disable",
    tags: ["users"],
    summary: "Disable a user: they can no longer sign in, and their sessions end now",
    security: [{ bearer: [] }],
    request: { params: ZUserIdParams },
    responses: {
      200: jsonResponse(ZUser, "The disabled user"),
      ...errorResponses,
      404: jsonResponse(ZError, "No such user"),
      409: jsonResponse(ZError, "An admin cannot disable themself"),
    },
  }),
  "users:write",
  async (c) => {
    const { id } = c.req.valid("param");
    if (id === c.get("principal")?.userId) {
      throw new AppError("conflict", "You cannot disable your own account; ask another admin.");
    }
    const user = await disableUser(c.get("deps").db, id);
    if (!user) {
      throw new AppError("not_found", "No such user.");
    }
    c.set("audit", { action: "users.disable", target: `user:${user.email}` });
    return c.json(userView(user), 200);
  },
);
