import { createRoute, z } from "@hono/zod-openapi";
import {
  decideSuggestion,
  generateSuggestions,
  listSuggestions,
} from "../../../jobs/quality/suggest.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonBody, jsonResponse } from "../../api/schemas.ts";
import { AppError } from "../../errors.ts";
import { ZIdParams, ZSuggestion } from "./schemas.ts";

const toWire = (s: Awaited<ReturnType<typeof listSuggestions>>[number]) => ({
  ...s,
  rule: s.rule as unknown as Record<string, unknown>,
});

export const listQualitySuggestionsRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/quality/suggestions",
    tags: ["quality"],
    summary: "Rules suggested from the catalog (PII formats) and from profiling",
    request: {
      query: z.strictObject({ status: z.enum(["proposed", "accepted", "rejected"]).optional() }),
    },
    responses: {
      200: jsonResponse(z.object({ suggestions: z.array(ZSuggestion) }), "Suggestions"),
      ...errorResponses,
    },
  }),
  "quality:read",
  async (c) => {
    const { status } = c.req.valid("query");
    const suggestions = await listSuggestions(c.get("deps").db, status);
    return c.json({ suggestions: suggestions.map(toWire) }, 200);
  },
);

export const generateQualitySuggestionsRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/quality/suggestions/generate",
    tags: ["quality"],
    summary: "Propose rules from the catalog and by profiling the tables",
    request: {
      body: jsonBody(
        z
          .strictObject({
            tables: z
              .array(z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/))
              .max(100)
              .optional(),
          })
          .openapi("GenerateQualitySuggestionsRequest"),
      ),
    },
    responses: {
      200: jsonResponse(z.object({ added: z.number() }), "How many new suggestions"),
      ...errorResponses,
    },
  }),
  "quality:rules",
  async (c) => {
    const body = c.req.valid("json");
    const added = await generateSuggestions(c.get("deps").db, body);
    c.set("audit", { action: "quality.suggestions.generate", summary: { added } });
    return c.json({ added }, 200);
  },
);

export const decideQualitySuggestionRoute = defineRoute(
  createRoute({
    method: "post",
    path: "/api/v1/quality/suggestions/{id}/decision",
    tags: ["quality"],
    summary: "Accept (store the rule) or reject a suggested rule",
    request: {
      params: ZIdParams,
      body: jsonBody(
        z
          .strictObject({ action: z.enum(["accept", "reject"]) })
          .openapi("DecideQualitySuggestionRequest"),
      ),
    },
    responses: {
      200: jsonResponse(ZSuggestion, "The suggestion after the decision"),
      404: jsonResponse(z.object({ error: z.unknown() }), "No open suggestion with this id"),
      ...errorResponses,
    },
  }),
  "quality:rules",
  async (c) => {
    const { id } = c.req.valid("param");
    const { action } = c.req.valid("json");
    const actor = c.get("principal")?.email ?? "api";
    const decided = await decideSuggestion(c.get("deps").db, id, action, actor);
    if (!decided) {
      throw new AppError("not_found", "No proposed suggestion has this id.");
    }
    c.set("audit", {
      action: `quality.suggestion.${action}`,
      target: `quality_suggestion:${id}`,
      summary: { rule: decided.ruleId, definition: decided.rule },
    });
    return c.json(toWire(decided), 200);
  },
);
