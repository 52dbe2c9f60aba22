import { createRoute, z } from "@hono/zod-openapi";
import { deleteCookie, getCookie } from "hono/cookie";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { deleteSession, SESSION_COOKIE } from "../../auth/principal.ts";

export const logout = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/auth/logout",
    tags: ["auth"],
    summary: "End the current session",
    responses: {
      200: jsonResponse(z.object({ ok: z.literal(true) }), "Signed out"),
      ...errorResponses,
    },
  }),
  "authenticated",
  async (c) => {
    const secret = getCookie(c, SESSION_COOKIE);
    if (secret) {
      await deleteSession(c.get("deps").db, secret);
    }
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    c.set("audit", { action: "auth.logout" });
    return c.json({ ok: true as const }, 200);
  },
);
