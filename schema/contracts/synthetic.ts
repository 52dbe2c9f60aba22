// The synthetic report's wire shapes (server/routes/datasets/synthetic-report.ts), defined once
// for the route and the console.
import { z } from "@hono/zod-openapi";

export const ZSyntheticComparison = z
  .object({
    column: z.string(),
    kind: z.enum(["numeric", "categorical"]),
    statistic: z.enum(["ks", "tvd"]),
    value: z.number(),
    realTotal: z.number(),
    syntheticTotal: z.number(),
    real: z.array(z.number()),
    synthetic: z.array(z.number()),
    edges: z.array(z.number()).optional(),
    logScale: z.boolean().optional(),
    labels: z.array(z.string()).optional(),
    chiSquare: z.object({ statistic: z.number(), df: z.number() }).optional(),
    /** Within its threshold (absent on reports made before verdicts existed). */
    pass: z.boolean().optional(),
    /** Never generated on purpose (secrets, card and bank numbers): shown, not judged. */
    withheld: z.boolean().optional(),
  })
  .openapi("SyntheticComparison");

export const ZSyntheticThresholds = z
  .object({ ks: z.number().min(0).max(1), tvd: z.number().min(0).max(1) })
  .openapi("SyntheticThresholds");

export const ZSyntheticTableReport = z
  .object({
    table: z.string(),
    realRows: z.number(),
    syntheticRows: z.number(),
    pass: z.boolean(),
    worst: z.object({ ks: z.number(), tvd: z.number() }),
    columns: z.array(ZSyntheticComparison),
  })
  .openapi("SyntheticTableReport");

export const ZSyntheticReport = z
  .object({
    profileId: z.string(),
    createdAt: z.string(),
    columns: z.array(ZSyntheticComparison),
    worst: z.object({ ks: z.number(), tvd: z.number() }),
    /** Per table of the platform; empty for reports made before whole-platform generation. */
    tables: z.array(ZSyntheticTableReport),
    thresholds: ZSyntheticThresholds.nullable(),
    pass: z.boolean().nullable(),
  })
  .openapi("SyntheticReport");

export type TSyntheticComparison = z.infer<typeof ZSyntheticComparison>;
export type TSyntheticTableReport = z.infer<typeof ZSyntheticTableReport>;
export type TSyntheticReport = z.infer<typeof ZSyntheticReport>;

/** What a profile read, in aggregate: row counts per table and the tenants fitted. */
export const ZProfileSource = z.object({
  tables: z.record(z.string(), z.number()),
  tenants: z.number(),
  fittedAt: z.string(),
  durationMs: z.number(),
});
export type TProfileSource = z.infer<typeof ZProfileSource>;

/**
 * A fitted synthetic profile as the API shows it: its parameters (masking/synthetic/profile.ts
 * validates them whole) are passed through; their top-level fields are named here.
 */
export const ZSyntheticProfile = z
  .object({
    id: z.string(),
    createdAt: z.string(),
    createdBy: z.string(),
    version: z.number(),
    source: ZProfileSource,
    params: z.looseObject({
      spanDays: z.number(),
      tenants: z.array(z.looseObject({ key: z.string() })),
      marginals: z.record(z.string(), z.unknown()),
      tables: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .openapi("SyntheticProfile");
export type TSyntheticProfile = z.infer<typeof ZSyntheticProfile>;
