import { createRoute } from "@hono/zod-openapi";
import { getPolicy, policyHistory } from "../../../jobs/retention/policies.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { loadedPolicies, policyView, versionView } from "./policy-view.ts";
import { errorAnswer, ZPolicyDetail, ZPolicyParams } from "./schemas.ts";

export const getPolicyRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/retention/policies/{id}",
    tags: ["retention"],
    summary: "One retention policy with every version (who, when, why)",
    request: { params: ZPolicyParams },
    responses: {
      200: jsonResponse(ZPolicyDetail, "The policy and its versions, newest first"),
      404: errorAnswer("No such policy"),
      ...errorResponses,
    },
  }),
  "retention:read",
  async (c) => {
    const db = c.get("deps").db;
    const { id } = c.req.valid("param");
    await loadedPolicies(db);
    const current = await getPolicy(db, id);
    if (!current) {
      throw new AppError("not_found", `No retention policy ${id}.`);
    }
    const versions = await policyHistory(db, id);
    return c.json({ ...policyView(current), versions: versions.map(versionView) }, 200);
  },
);
