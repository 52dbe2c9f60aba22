import { createRoute, z } from "@hono/zod-openapi";
import { lookupSubjects } from "../../../jobs/retention/subject-lookup.ts";
import { ZSubjectMatches } from "../../../schema/contracts/subjects.ts";
import { defineRoute } from "../../api/define-route.ts";
import { errorResponses, jsonResponse } from "../../api/schemas.ts";

const ZParams = z.strictObject({
  id: z.uuid().openapi({ param: { name: "id", in: "path" }, description: "The tenant" }),
});

const ZQuery = z.strictObject({
  q: z
    .string()
    .trim()
    .min(3)
    .max(255)
    .refine((value) => !/\p{Cc}/u.test(value), "must not contain control characters")
    .openapi({ description: "An email address, a phone number (any format) or a name" }),
});

export const lookupSubjectsRoute = defineRoute(
  createRoute({
    method: "get",
    path: "/api/v1/tenants/{id}/subjects",
    tags: ["tenants"],
    summary:
      "Data-subject lookup: the tenant's customers matching an email, phone or name (normalized), masked until one is chosen",
    request: { params: ZParams, query: ZQuery },
    responses: {
      200: jsonResponse(ZSubjectMatches, "At most 20 masked matches"),
      ...errorResponses,
    },
  }),
  "retention:plan",
  async (c) => {
    const { id } = c.req.valid("param");
    const { q } = c.req.valid("query");
    return c.json(await lookupSubjects(c.get("deps").db, id, q), 200);
  },
);
