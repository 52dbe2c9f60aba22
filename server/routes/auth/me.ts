import { createRoute } from "@hono/zod-openapi";
import { ZMe } from "../../../schema/contracts/accounts.ts";
import { permissionsOf, type Role } from "../../../schema/domain/permissions.ts";
import { findUserById } from "../../../schema/governance/console-users.repository.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";

export { ZMe };

export function meOf(user: { id: string; email: string; displayName: string; role: Role }) {
  return {
    user: { id: user.id, email: user.email, displayName: user.displayName, role: user.role },
    permissions: permissionsOf(user.role),
  };
}

export const getMe = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/me",
    tags: ["auth"],
    summary: "The signed-in person and what their role may do (the console shows only that)",
    responses: { 200: jsonResponse(ZMe, "The signed-in person"), ...errorResponses },
  }),
  "authenticated",
  async (c) => {
    const principal = c.get("principal");
    const user = principal && (await findUserById(c.get("deps").db, principal.userId));
    if (!user) {
      throw new AppError("unauthenticated", "The account behind this session no longer exists.");
    }
    return c.json(meOf(user), 200);
  },
);
