import { z } from "@hono/zod-openapi";
import { ZError } from "../../api/schemas.ts";
import { noNul } from "../users/schemas.ts";

export * from "../../../schema/contracts/retention.ts";

// Request-side shapes and helpers of /api/v1/retention/*; the answers' shapes are in
// schema/contracts/retention.ts (shared with the console).

/** A whole number written in decimal ("0x10", "1e3" and " 7" are refused, not reinterpreted). */
export const queryInt = (min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .optional()
    .transform((n) => n ?? fallback)
    .openapi({ type: "integer", minimum: min, maximum: max, default: fallback });

/** Printable text without control characters (NUL cannot be stored; the rest hides content). */
export const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine(...noNul)
    .refine((value) => !/\p{Cc}/u.test(value), "must not contain control characters");

export const ZPolicyId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,99}$/, "a policy id: lower-case letters, digits, . _ -");

export const ZPolicyParams = z.strictObject({
  id: ZPolicyId.openapi({ param: { name: "id", in: "path" } }),
});

export const ZUuidParams = z.strictObject({
  id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
});

/**
 * A request as people see it in lists: its full id, or a unique prefix of at least 8 hex digits
 * (the short id the console shows, e.g. `27c18b76`).
 */
export const ZRequestRefParams = z.strictObject({
  id: z
    .string()
    .regex(
      /^[0-9a-fA-F]{8}(-?[0-9a-fA-F]){0,24}$|^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
      "a request id, or its first 8 (or more) hex digits",
    )
    .openapi({
      param: { name: "id", in: "path" },
      description: "The request id or a unique prefix of at least 8 hex digits",
      example: "27c18b76",
    }),
});

export const ZPaging = {
  page: queryInt(1, 1_000_000, 1),
  pageSize: queryInt(1, 200, 25),
};

export const ZPolicyEdit = z
  .strictObject({
    definition: z
      .record(z.string(), z.unknown())
      .openapi({ description: "The whole policy; validated by the retention rules validator" }),
    note: text(1000).openapi({ description: "Why it changed (kept with the version)" }),
    expectedVersion: z
      .number()
      .int()
      .min(1)
      .optional()
      .openapi({ description: "Refuse (409) unless this is still the current version" }),
  })
  .openapi("RetentionPolicyEdit");

export const ZDecision = z
  .strictObject({
    reason: text(1000),
    fingerprint: z
      .string()
      .regex(/^[0-9a-f]{16,128}$/, "a hex fingerprint")
      .optional()
      .openapi({ description: "The fingerprint the approver saw; refused if it changed since" }),
  })
  .openapi("RetentionDecision");

export const iso = (value: unknown): string => new Date(value as string).toISOString();
export const isoOrNull = (value: unknown): string | null =>
  value === null || value === undefined ? null : iso(value);

/** An error answer other than the standard 400/401/403 (e.g. 404, 409), in the one error model. */
export const errorAnswer = (description: string) =>
  ({ description, content: { "application/json": { schema: ZError } } }) as const;
