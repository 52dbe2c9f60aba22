import { createRoute } from "@hono/zod-openapi";
import { findProfile } from "../../../masking/synthetic/index.ts";
import { ZSyntheticProfile } from "../../../schema/contracts/synthetic.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { notFound } from "./schemas.ts";

export const latestProfileRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/synthetic/profiles/latest",
    tags: ["synthetic"],
    summary: "The newest synthetic profile: the parameters synthetic datasets are drawn from",
    responses: {
      200: jsonResponse(ZSyntheticProfile, "The profile"),
      ...errorResponses,
      ...notFound,
    },
  }),
  "masking:read",
  async (c) => {
    const profile = await findProfile(c.get("deps").db);
    if (!profile) {
      throw new AppError("not_found", "No synthetic profile has been fitted yet.");
    }
    return c.json(profile, 200);
  },
);
