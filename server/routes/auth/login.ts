import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { setCookie } from "hono/cookie";
import { findUserByEmail, markLogin } from "../../../schema/governance/console-users.repository.ts";
import type { AppEnv } from "../../api/context.ts";
import { defineRoute } from "../../api/define-route.ts";
import { sourceIp } from "../../api/request-meta.ts";
import { errorResponses, jsonBody, jsonResponse, ZError } from "../../api/schemas.ts";
import { loginThrottle } from "../../auth/login-throttle.ts";
import { verifyPassword } from "../../auth/passwords.ts";
import { createSession, deleteSession, SESSION_COOKIE } from "../../auth/principal.ts";
import { AppError } from "../../errors.ts";
import { meOf, ZMe } from "./me.ts";

const ZLogin = z
  .strictObject({
    email: z.string().trim().min(3).max(255),
    password: z.string().min(1).max(1024),
  })
  .openapi("LoginRequest");

export const login = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/auth/login",
    tags: ["auth"],
    summary: "Sign in with email and password; sets a fresh session cookie",
    request: { body: jsonBody(ZLogin) },
    responses: {
      200: jsonResponse(ZMe, "Signed in"),
      ...errorResponses,
      429: jsonResponse(ZError, "Too many failed attempts; wait `details.retryAfterSeconds`"),
      503: jsonResponse(ZError, "The attempt counter's store (Redis) does not answer"),
    },
  }),
  "public",
  async (c) => {
    const { db, redis, config } = c.get("deps");
    const { email, password } = c.req.valid("json");
    const peer = sourceIp(c);
    const ip = peer ?? "unknown"; // the throttle still needs a key without a socket
    const throttle = loginThrottle(redis, config.queuePrefix);
    const verdict = await throttle.check(ip, email);
    if (verdict.blocked) {
      throw throttled(c, verdict.retryAfterSeconds);
    }
    const user = await findUserByEmail(db, email);
    const ok = await verifyPassword(password, user?.passwordHash);
    if (!user || !ok || user.disabledAt) {
      const wait = await throttle.failed(ip, email);
      c.set("audit", { action: "auth.login_failed", target: `user:${email.toLowerCase()}` });
      throw new AppError(
        "unauthenticated",
        "Wrong email or password.",
        wait > 0 ? { retryAfterSeconds: wait } : undefined,
      );
    }
    await throttle.succeeded(ip, email);
    // Rotation: whatever session the browser brought is ended, and a new one begins.
    const previous = c.req.header("cookie")?.match(new RegExp(`${SESSION_COOKIE}=([^;]+)`))?.[1];
    if (previous) {
      await deleteSession(db, previous);
    }
    const session = await createSession(db, user.id, {
      sourceIp: peer ?? null,
      userAgent: c.req.header("user-agent"),
    });
    await markLogin(db, user.id);
    setCookie(c, SESSION_COOKIE, session.secret, {
      httpOnly: true,
      sameSite: "Strict",
      secure: config.env === "production",
      path: "/",
      expires: session.expiresAt,
    });
    c.set("principal", { userId: user.id, email: user.email, role: user.role, via: "session" });
    c.set("audit", { action: "auth.login", target: `user:${user.email}` });
    return c.json(meOf(user), 200);
  },
);

/** A 429 that says how long to wait, in the body and in `Retry-After`. */
export function throttled(c: Context<AppEnv>, retryAfterSeconds: number): AppError {
  c.header("Retry-After", String(retryAfterSeconds));
  return new AppError(
    "rate_limited",
    `Too many failed attempts; try again in ${formatWait(retryAfterSeconds)}.`,
    { retryAfterSeconds },
  );
}

function formatWait(seconds: number): string {
  return seconds < 120 ? `${seconds} s` : `${Math.ceil(seconds / 60)} minutes`;
}
