import { createRoute } from "@hono/zod-openapi";
import { getPolicy, savePolicyVersion } from "../../../jobs/retention/policies.ts";
import { RetentionRulesError } from "../../../rules/retention/index.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { loadedPolicies, policyView } from "./policy-view.ts";
import { errorAnswer, ZPolicy, ZPolicyEdit, ZPolicyParams } from "./schemas.ts";

export const updatePolicyRoute = defineRoute(
  createRoute({
    method: "put",
    path: "/api/v1/retention/policies/{id}",
    tags: ["retention"],
    summary:
      "Save an edited policy as its next version, after the retention validator checks it against the real schema",
    request: { params: ZPolicyParams, body: jsonBody(ZPolicyEdit) },
    responses: {
      200: jsonResponse(ZPolicy, "The new current version"),
      404: errorAnswer("No such policy"),
      409: errorAnswer("The policy changed meanwhile (expectedVersion)"),
      ...errorResponses,
    },
  }),
  "retention:policies",
  async (c) => {
    const db = c.get("deps").db;
    const { id } = c.req.valid("param");
    const { definition, note, expectedVersion } = c.req.valid("json");
    const principal = c.get("principal");
    await loadedPolicies(db);
    const before = await getPolicy(db, id);
    if (!before) {
      throw new AppError("not_found", `No retention policy ${id}.`);
    }
    if (expectedVersion !== undefined && expectedVersion !== before.version) {
      throw new AppError(
        "conflict",
        `Policy ${id} is at version ${before.version} now, not ${expectedVersion}: reload it.`,
        { reason: "stale_version", current: before.version },
      );
    }
    // The path names the policy; a body naming another would edit the wrong one.
    if (definition.id !== undefined && definition.id !== id) {
      throw new AppError("invalid_request", "The definition's id must be the policy's id.", [
        { path: "definition.id", message: `must be ${id}` },
      ]);
    }
    let saved: Awaited<ReturnType<typeof savePolicyVersion>>;
    try {
      saved = await savePolicyVersion(db, {
        definition: { ...definition, id },
        editedBy: principal?.email ?? "api",
        note,
        expectedVersion,
      });
    } catch (error) {
      if (error instanceof RetentionRulesError) {
        throw new AppError(
          "invalid_request",
          `The policy is not valid: ${error.problems.join("; ")}`,
          error.problems.map((problem) => ({ path: "definition", message: problem })),
        );
      }
      throw error;
    }
    c.set("audit", {
      action: "retention.policy.update",
      target: `retention-policy:${id}`,
      summary: {
        from: before.version,
        version: saved.version,
        note,
        sha256: saved.definitionSha256,
      },
    });
    return c.json(policyView(saved), 200);
  },
);
