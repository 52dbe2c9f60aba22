import { createRoute, z } from "@hono/zod-openapi";
import { ROLES } from "../../../schema/domain/permissions.ts";
import { recordAccountChange } from "../../../schema/governance/account-provenance.repository.ts";
import {
  findUserByEmail,
  insertUser,
} from "../../../schema/governance/console-users.repository.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse, ZError } from "../../api/schemas.ts";
import { hashPassword } from "../../auth/passwords.ts";
import { AppError } from "../../errors.ts";
import { userView, ZDisplayName, ZEmail, ZNewPassword, ZUser } from "./schemas.ts";

const ZCreateUser = z
  .strictObject({
    email: ZEmail,
    displayName: ZDisplayName,
    role: z.enum(ROLES),
    password: ZNewPassword,
  })
  .openapi("CreateUserRequest");

export const createUserRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/users",
    tags: ["users"],
    summary: "Add a console user",
    security: [{ bearer: [] }],
    request: { body: jsonBody(ZCreateUser) },
    responses: {
      201: jsonResponse(ZUser, "The new user"),
      ...errorResponses,
      409: jsonResponse(ZError, "A user with this email exists"),
    },
  }),
  "users:write",
  async (c) => {
    const { db } = c.get("deps");
    const body = c.req.valid("json");
    const email = body.email.toLowerCase();
    // Checked first for a clear answer; the unique index still decides under a race.
    if (await findUserByEmail(db, email)) {
      throw new AppError("conflict", `A user with the email ${email} exists.`);
    }
    const user = await insertUser(db, {
      email,
      displayName: body.displayName,
      role: body.role,
      passwordHash: await hashPassword(body.password),
    }).catch((error: { code?: string }) => {
      throw error.code === "23505"
        ? new AppError("conflict", `A user with the email ${email} exists.`)
        : error;
    });
    await recordAccountChange(db, {
      userId: user.id,
      event: "created",
      role: user.role,
      by: { email: c.get("principal")?.email ?? "api", userId: c.get("principal")?.userId ?? null },
    });
    c.set("audit", {
      action: "users.create",
      target: `user:${user.email}`,
      summary: { role: user.role },
    });
    return c.json(userView(user), 201);
  },
);
