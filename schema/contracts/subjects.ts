// The data-subject lookup's wire shape (server/routes/tenants/subjects.ts), for route and console.
import { z } from "@hono/zod-openapi";

/** One customer matching a lookup, masked: enough to recognise the person, not to read them. */
export const ZSubjectMatch = z
  .object({
    id: z.uuid(),
    name: z.string().describe("Masked: first letter of each name part (`J*** D***`)"),
    email: z.string().nullable().describe("Masked (`j***@e***.com`)"),
    phone: z.string().nullable().describe("Masked: its last 4 digits only"),
    customerType: z.string().nullable(),
    customerSince: z.string().nullable(),
    matchedOn: z.enum(["email", "phone", "name"]),
  })
  .openapi("SubjectMatch");

export const ZSubjectMatches = z
  .object({
    items: z.array(ZSubjectMatch),
    truncated: z.boolean().describe("More customers matched than are listed: narrow the search"),
  })
  .openapi("SubjectMatches");

export type TSubjectMatch = z.infer<typeof ZSubjectMatch>;
export type TSubjectMatches = z.infer<typeof ZSubjectMatches>;
