import { createRoute, z } from "@hono/zod-openapi";
import { findUserById } from "../../../schema/governance/console-users.repository.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { meOf, ZMe } from "./me.ts";

export const ZSession = z
  .union([ZMe, z.object({ user: z.null(), permissions: z.array(z.string()).max(0) })])
  .openapi("Session");

/**
 * Who is signed in, if anyone. Unlike `GET /me` it answers 200 with `user: null` when nobody
 * is, so the console can find out at start-up without a failed request on the sign-in page.
 */
export const getSession = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/session",
    tags: ["auth"],
    summary: "The signed-in person and their permissions, or `user: null` when nobody is",
    responses: { 200: jsonResponse(ZSession, "The session"), 400: errorResponses[400] },
  }),
  "public",
  async (c) => {
    const principal = c.get("principal");
    const user = principal && (await findUserById(c.get("deps").db, principal.userId));
    return c.json(user ? meOf(user) : { user: null, permissions: [] }, 200);
  },
);
