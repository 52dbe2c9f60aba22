import { createRoute } from "@hono/zod-openapi";
import { fitAndStoreProfile } from "../../../masking/synthetic/index.ts";
import { ZSyntheticProfile } from "../../../schema/contracts/synthetic.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { conflict, engine, requirePrincipal } from "./schemas.ts";

export const fitProfileRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/synthetic/profiles",
    tags: ["synthetic"],
    summary: "Fit a synthetic profile to the real store now (parameters only, never real values)",
    responses: {
      201: jsonResponse(ZSyntheticProfile, "The fitted profile"),
      ...errorResponses,
      ...conflict,
    },
  }),
  "datasets:provision",
  async (c) => {
    const principal = requirePrincipal(c.get("principal"));
    const profile = await engine(() => fitAndStoreProfile(c.get("deps").db, principal.email));
    c.set("audit", {
      action: "synthetic.profile.fit",
      target: `synthetic-profile:${profile.id}`,
      summary: { tenants: profile.source.tenants, tables: profile.source.tables },
    });
    return c.json(profile, 201);
  },
);
