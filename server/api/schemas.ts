import { z } from "@hono/zod-openapi";

/** The wire format of every error (see server/errors.ts for the codes). */
export const ZError = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.unknown().optional(),
      requestId: z.string().optional(),
    }),
  })
  .openapi("Error");

/** Standard error responses, for routes to spread into their `responses`. */
export const errorResponses = {
  400: { description: "Invalid request", content: { "application/json": { schema: ZError } } },
  401: { description: "Not signed in", content: { "application/json": { schema: ZError } } },
  403: {
    description: "Not allowed for this role",
    content: { "application/json": { schema: ZError } },
  },
} as const;

export function jsonBody<T extends z.ZodType>(schema: T) {
  return { required: true, content: { "application/json": { schema } } } as const;
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } } as const;
}
