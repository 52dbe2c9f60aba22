import { z } from "@hono/zod-openapi";

/**
 * The wire shapes of the tiering API (server/routes/tiering), imported by the console as
 * inferred types: one definition per shape.
 */
export const TIER_NAMES = ["hot", "warm", "cold", "archive"] as const;

export const ZTierUsage = z.object({ rows: z.number(), bytes: z.number() });
export const ZTableStorage = z
  .object({
    table: z.string(),
    tiers: z.object({ hot: ZTierUsage, warm: ZTierUsage, cold: ZTierUsage, archive: ZTierUsage }),
    monthlyCost: z.number(),
  })
  .openapi("TableStorage");
export const ZTierStatus = z
  .object({
    tables: z.array(ZTableStorage),
    /** Whether rows are exact counts or the stores' estimates (reltuples, system.parts). */
    exact: z.boolean(),
    pricesPerGbMonth: z.object({
      hot: z.number(),
      warm: z.number(),
      cold: z.number(),
      archive: z.number(),
    }),
    monthlyCost: z.number(),
  })
  .openapi("TierStatus");
export type TTierStatus = z.infer<typeof ZTierStatus>;

export const ZPlannedMove = z.object({
  table: z.string(),
  from: z.enum(TIER_NAMES),
  to: z.enum(TIER_NAMES),
  rows: z.number(),
  partition: z.string().nullable(),
});
export const ZTierPlan = z
  .object({
    moves: z.array(ZPlannedMove),
    skipped: z.array(
      z.object({ table: z.string(), partition: z.string().nullable(), reason: z.string() }),
    ),
    warm: z.object({
      available: z.boolean(),
      tablespace: z.string(),
      reason: z.string().optional(),
    }),
  })
  .openapi("TierPlan");
export type TTierPlan = z.infer<typeof ZTierPlan>;

export const ZTierMove = z
  .object({
    id: z.string(),
    table: z.string(),
    from: z.enum(TIER_NAMES),
    to: z.enum(TIER_NAMES),
    partition: z.string().nullable(),
    state: z.enum(["copying", "verified", "done", "rolled_back"]),
    rows: z.number().nullable(),
    requestedBy: z.string(),
    createdAt: z.string(),
    error: z.string().nullable(),
  })
  .openapi("TierMove");
export const ZTierMoves = z.object({
  items: z.array(ZTierMove),
  runs: z.array(
    z.object({
      jobId: z.string().nullable(),
      status: z.string(),
      progress: z.number().nullable(),
      triggeredBy: z.string().nullable(),
      createdAt: z.string(),
    }),
  ),
});
export type TTierMoves = z.infer<typeof ZTierMoves>;

export const ZTierHistory = z.object({
  points: z.array(
    z.object({
      takenAt: z.string(),
      hot: z.number(),
      warm: z.number(),
      cold: z.number(),
      archive: z.number(),
    }),
  ),
});
export type TTierHistory = z.infer<typeof ZTierHistory>;

export const ZTierRecommendation = z.object({
  table: z.string(),
  seqScans: z.number(),
  indexScans: z.number(),
  liveRows: z.number(),
  writes: z.number(),
  hotAge: z.string().nullable(),
  suggestion: z.string(),
});
export const ZTierRecommendations = z.object({ items: z.array(ZTierRecommendation) });
export type TTierRecommendations = z.infer<typeof ZTierRecommendations>;

export const ZRestoreRequest = z
  .strictObject({
    /** A table with a tiering policy (checked by the route against the policies). */
    table: z.string().min(1).max(63),
    tenantId: z.uuid().nullable().optional(),
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }),
  })
  .openapi("TierRestoreRequest");
export type TRestoreRequest = z.infer<typeof ZRestoreRequest>;

// Policy editing: the policies in force, their audited versions, a draft's dry run.

export const ZTieringPolicyView = z
  .object({
    table: z.string(),
    version: z.number(),
    source: z.enum(["file", "console"]),
    editedBy: z.string().nullable(),
    /** The YAML in force (the file's, or the newest console version). */
    body: z.string(),
    dateColumn: z.string(),
    tiers: z.object({ hot: z.string(), warm: z.string(), cold: z.string(), archive: z.string() }),
    businessRules: z.object({
      retainActiveCustomers: z.boolean(),
      activeCustomerDays: z.number(),
      complyWithRegulations: z.array(z.string()),
      preserveAuditTrail: z.boolean(),
    }),
    enabled: z.boolean(),
  })
  .openapi("TieringPolicy");
export const ZTieringPolicies = z.object({ items: z.array(ZTieringPolicyView) });
export type TTieringPolicies = z.infer<typeof ZTieringPolicies>;
export type TTieringPolicyView = z.infer<typeof ZTieringPolicyView>;

export const ZTieringPolicyVersions = z.object({
  items: z.array(
    z.object({
      version: z.number(),
      body: z.string(),
      createdBy: z.string(),
      createdAt: z.string(),
    }),
  ),
});
export type TTieringPolicyVersions = z.infer<typeof ZTieringPolicyVersions>;

/** A draft policy (YAML, validated like a file under rules/tiering). */
export const ZTieringPolicyDraft = z
  .strictObject({
    body: z
      .string()
      .min(1)
      .max(20_000)
      .refine((text) => text.trim().length > 0, "the policy text is empty")
      // YAML needs line breaks and may use tabs; other control characters only hide content.
      .refine((text) => !/[^\P{Cc}\t\n\r]/u.test(text), {
        message: "must not contain control characters",
      }),
  })
  .openapi("TieringPolicyDraft");
export type TTieringPolicyDraft = z.infer<typeof ZTieringPolicyDraft>;

/** A policy problem taken apart: the field it names (`tiers.archive`), its line, the message. */
export const ZTieringPolicyIssue = z.object({
  path: z.string().nullable(),
  line: z.number().nullable(),
  message: z.string(),
});
export type TTieringPolicyIssue = z.infer<typeof ZTieringPolicyIssue>;

/** A draft's dry run: its problems, or the table's plan under it next to the current plan. */
export const ZTieringPolicyPreview = z
  .object({
    valid: z.boolean(),
    problems: z.array(z.string()),
    /** The same problems, each with the field it names (for the console's form). */
    issues: z.array(ZTieringPolicyIssue),
    draft: z.object({ moves: z.array(ZPlannedMove), skipped: ZTierPlan.shape.skipped }).nullable(),
    current: z.object({ moves: z.array(ZPlannedMove), skipped: ZTierPlan.shape.skipped }),
  })
  .openapi("TieringPolicyPreview");
export type TTieringPolicyPreview = z.infer<typeof ZTieringPolicyPreview>;
