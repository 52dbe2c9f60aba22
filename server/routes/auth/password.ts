import { createRoute, z } from "@hono/zod-openapi";
import { getCookie, setCookie } from "hono/cookie";
import { ZAccessEnded } from "../../../schema/contracts/accounts.ts";
import { defineRoute } from "../../api/define-route.ts";
import { sourceIp } from "../../api/request-meta.ts";
import { errorResponses, jsonBody, jsonResponse, ZError } from "../../api/schemas.ts";
import { loginThrottle } from "../../auth/login-throttle.ts";
import { changeOwnPassword, PASSWORD_MAX } from "../../auth/password-change.ts";
import { createSession, SESSION_COOKIE } from "../../auth/principal.ts";
import { AppError } from "../../errors.ts";
import { throttled } from "./login.ts";

const ZChangePassword = z
  .strictObject({
    currentPassword: z.string().min(1).max(PASSWORD_MAX),
    newPassword: z.string().min(1).max(PASSWORD_MAX),
  })
  .openapi("ChangePasswordRequest");

export { ZAccessEnded };

export const changeOwnPasswordRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/me/password",
    tags: ["auth"],
    summary:
      "Change your own password (give the current one); every session and API token of yours ends, a browser gets a fresh session",
    security: [{ bearer: [] }],
    request: { body: jsonBody(ZChangePassword) },
    responses: {
      200: jsonResponse(ZAccessEnded, "Changed; what was ended"),
      ...errorResponses,
      429: jsonResponse(ZError, "Too many wrong current passwords; wait"),
    },
  }),
  "authenticated",
  async (c) => {
    const { db, redis, config } = c.get("deps");
    const principal = c.get("principal");
    if (!principal) {
      throw new AppError("unauthenticated", "Sign in first.");
    }
    const { currentPassword, newPassword } = c.req.valid("json");
    // Its own counters: a stolen session cannot guess the password fast, nor delay sign-in.
    const throttle = loginThrottle(redis, config.queuePrefix, "password-change");
    const ip = sourceIp(c) ?? "unknown";
    const verdict = await throttle.check(ip, principal.email);
    if (verdict.blocked) {
      throw throttled(c, verdict.retryAfterSeconds);
    }
    const ended = await changeOwnPassword(
      db,
      { id: principal.userId, email: principal.email },
      currentPassword,
      newPassword,
    ).catch(async (error: unknown) => {
      if (
        error instanceof AppError &&
        Array.isArray(error.details) &&
        error.details.some((d: { path?: string }) => d.path === "currentPassword")
      ) {
        await throttle.failed(ip, principal.email);
      }
      throw error;
    });
    c.set("audit", {
      action: "users.password_change",
      target: `user:${principal.email}`,
      summary: { ...ended },
    });
    // The browser that changed the password stays signed in, on a new session.
    if (principal.via === "session" && getCookie(c, SESSION_COOKIE)) {
      const session = await createSession(db, principal.userId, {
        sourceIp: sourceIp(c) ?? null,
        userAgent: c.req.header("user-agent"),
      });
      setCookie(c, SESSION_COOKIE, session.secret, {
        httpOnly: true,
        sameSite: "Strict",
        secure: config.env === "production",
        path: "/",
        expires: session.expiresAt,
      });
    }
    return c.json(ended, 200);
  },
);
