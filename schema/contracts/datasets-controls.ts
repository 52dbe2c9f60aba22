// Wire shapes of the dataset controls (rule preview, expiry, refresh schedule, refused requests),
// defined once for the routes (server/routes/datasets/*) and the console.
import { z } from "@hono/zod-openapi";
import { CATEGORIES } from "../domain/classification.ts";

/** The parameters a masking strategy takes (masking/strategies/strategies.ts StrategyParams). */
export const ZStrategyParams = z.strictObject({
  category: z.enum(CATEGORIES).optional(),
  part: z.enum(["first", "last", "full"]).optional(),
  keep: z.number().int().min(0).max(32).optional(),
  entity: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, "a column name")
    .optional(),
  days: z.number().int().min(1).max(3650).optional(),
  bound: z.number().min(0).max(10).optional(),
});

export const ZRulePreviewRow = z.object({
  key: z.string().nullable(),
  before: z.string().nullable(),
  after: z.string().nullable(),
});

export const ZRulePreview = z
  .object({
    table: z.string(),
    column: z.string(),
    jsonPath: z.string(),
    category: z.string(),
    strategy: z.string(),
    params: z.record(z.string(), z.unknown()),
    maskedIn: z.enum(["sql", "node", "none"]),
    beforeRaw: z.boolean(),
    /** A unique index covers the column: colliding masked values get a row tag in the copy. */
    uniqueIndex: z.boolean(),
    rows: z.array(ZRulePreviewRow),
  })
  .openapi("MaskingRulePreview");
export type TRulePreview = z.infer<typeof ZRulePreview>;

export const ZExtendExpiry = z
  .strictObject({ days: z.number().int().min(1).max(3650) })
  .openapi("ExtendDatasetExpiryRequest");

export const ZExpiryResult = z
  .object({
    id: z.string(),
    expiresAt: z.string(),
    /** The latest expiry the caller's role may set now. */
    maxExpiresAt: z.string(),
  })
  .openapi("DatasetExpiry");
export type TExpiryResult = z.infer<typeof ZExpiryResult>;

export const ZRefreshScheduleRequest = z
  .strictObject({
    /** Five-field cron in UTC; null removes the schedule. */
    cron: z.string().trim().min(9).max(100).nullable(),
  })
  .openapi("DatasetRefreshScheduleRequest");

export const ZRefreshSchedule = z
  .object({
    id: z.string(),
    cron: z.string().nullable(),
    nextRefreshAt: z.string().nullable(),
  })
  .openapi("DatasetRefreshSchedule");
export type TRefreshSchedule = z.infer<typeof ZRefreshSchedule>;

export const REFUSAL_REASONS = ["size_limit", "gate_closed"] as const;

export const ZDatasetRefusal = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.string(),
    requestedBy: z.string(),
    reason: z.enum(REFUSAL_REASONS),
    message: z.string(),
    details: z.unknown(),
    createdAt: z.string(),
  })
  .openapi("DatasetRefusal");
export type TDatasetRefusal = z.infer<typeof ZDatasetRefusal>;
