import { createRoute } from "@hono/zod-openapi";
import { recordAccountChange } from "../../../schema/governance/account-provenance.repository.ts";
import { enableUser } from "../../../schema/governance/console-users.repository.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse, ZError } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { userView, ZUser, ZUserIdParams } from "./schemas.ts";

export const enableUserRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/users/{id}/enable",
    tags: ["users"],
    summary: "Enable a disabled user again (they sign in anew; old sessions stay ended)",
    security: [{ bearer: [] }],
    request: { params: ZUserIdParams },
    responses: {
      200: jsonResponse(ZUser, "The enabled user"),
      ...errorResponses,
      404: jsonResponse(ZError, "No such user"),
    },
  }),
  "users:write",
  async (c) => {
    const { id } = c.req.valid("param");
    const user = await enableUser(c.get("deps").db, id);
    if (!user) {
      throw new AppError("not_found", "No such user.");
    }
    await recordAccountChange(c.get("deps").db, {
      userId: id,
      event: "enabled",
      role: user.role,
      by: { email: c.get("principal")?.email ?? "api", userId: c.get("principal")?.userId ?? null },
    });
    c.set("audit", { action: "users.enable", target: `user:${user.email}` });
    return c.json(userView(user), 200);
  },
);
