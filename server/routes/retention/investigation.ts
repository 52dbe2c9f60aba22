import { createRoute, z } from "@hono/zod-openapi";
import {
  activeInvestigation,
  clearInvestigation,
  HoldInputError,
  type Investigation,
  setInvestigation,
} from "../../../jobs/retention/holds.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { iso, text, ZInvestigation } from "./schemas.ts";

/** The flag concerns SOX: while it is set, SOX-governed records cannot be destroyed. */
const REGULATION = "SOX";

function flagView(flag: Investigation | undefined) {
  return {
    regulation: REGULATION,
    active: flag !== undefined,
    reason: flag?.reason ?? null,
    setBy: flag?.setBy ?? null,
    setAt: flag ? iso(flag.setAt) : null,
  };
}

export const getInvestigationRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/retention/investigation",
    tags: ["retention"],
    summary: "The investigation flag: while set, SOX-governed records cannot be destroyed",
    responses: { 200: jsonResponse(ZInvestigation, "The flag"), ...errorResponses },
  }),
  "retention:holds",
  async (c) => c.json(flagView(await activeInvestigation(c.get("deps").db, REGULATION)), 200),
);

export const putInvestigationRoute = defineRoute(
  createRoute({
    method: "put",
    path: "/api/v1/retention/investigation",
    tags: ["retention"],
    summary: "Set or lift the investigation flag, with a reason",
    request: {
      body: jsonBody(
        z.strictObject({ active: z.boolean(), reason: text(1000) }).openapi("InvestigationChange"),
      ),
    },
    responses: { 200: jsonResponse(ZInvestigation, "The flag now"), ...errorResponses },
  }),
  "retention:holds",
  async (c) => {
    const db = c.get("deps").db;
    const { active, reason } = c.req.valid("json");
    const actor = c.get("principal")?.email ?? "api";
    try {
      if (active) {
        await setInvestigation(db, { reason, setBy: actor, regulation: REGULATION });
      } else {
        await clearInvestigation(db, { reason, clearedBy: actor, regulation: REGULATION });
      }
    } catch (error) {
      if (error instanceof HoldInputError) {
        throw new AppError("invalid_request", error.message);
      }
      throw error;
    }
    c.set("audit", {
      action: active ? "retention.investigation.set" : "retention.investigation.clear",
      target: `retention-investigation:${REGULATION}`,
      summary: { reason },
    });
    return c.json(flagView(await activeInvestigation(db, REGULATION)), 200);
  },
);
