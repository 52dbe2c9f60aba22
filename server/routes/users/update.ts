import { createRoute, z } from "@hono/zod-openapi";
import { ROLES } from "../../../schema/domain/permissions.ts";
import { recordAccountChange } from "../../../schema/governance/account-provenance.repository.ts";
import { findUserById, updateUser } from "../../../schema/governance/console-users.repository.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse, ZError } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { userView, ZDisplayName, ZUser, ZUserIdParams } from "./schemas.ts";

const ZUpdateUser = z
  .strictObject({ displayName: ZDisplayName.optional(), role: z.enum(ROLES).optional() })
  .refine((body) => body.displayName !== undefined || body.role !== undefined, {
    message: "Send displayName, role or both.",
  })
  .openapi("UpdateUserRequest");

export const updateUserRoute = defineRoute(
  createRoute({
    method: "patch",
    path: "/api/v1/users/{id}",
    tags: ["users"],
    summary: "Change a user's display name or role",
    security: [{ bearer: [] }],
    request: { params: ZUserIdParams, body: jsonBody(ZUpdateUser) },
    responses: {
      200: jsonResponse(ZUser, "The changed user"),
      ...errorResponses,
      404: jsonResponse(ZError, "No such user"),
      409: jsonResponse(ZError, "An admin cannot change their own role"),
    },
  }),
  "users:write",
  async (c) => {
    const { db } = c.get("deps");
    const { id } = c.req.valid("param");
    const change = c.req.valid("json");
    const before = await findUserById(db, id);
    if (!before) {
      throw new AppError("not_found", "No such user.");
    }
    // Demoting oneself could leave nobody able to administer users.
    if (change.role && change.role !== before.role && id === c.get("principal")?.userId) {
      throw new AppError("conflict", "You cannot change your own role; ask another admin.");
    }
    const user = await updateUser(db, id, change);
    if (!user) {
      throw new AppError("not_found", "No such user.");
    }
    if (change.role && change.role !== before.role) {
      await recordAccountChange(db, {
        userId: id,
        event: "role_changed",
        role: user.role,
        by: {
          email: c.get("principal")?.email ?? "api",
          userId: c.get("principal")?.userId ?? null,
        },
      });
    }
    c.set("audit", {
      action: "users.update",
      target: `user:${user.email}`,
      summary: {
        ...(change.role ? { role: { from: before.role, to: user.role } } : {}),
        ...(change.displayName
          ? { displayName: { from: before.displayName, to: user.displayName } }
          : {}),
      },
    });
    return c.json(userView(user), 200);
  },
);
