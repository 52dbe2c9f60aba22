import { z } from "zod";

/** A column's binned distribution, as fitted on the real store and measured on a generated one. */

const ZNumericMarginal = z.object({
  kind: z.literal("numeric"),
  total: z.number(),
  /** Bucket edges for the KS statistic (the real data's percentiles). */
  ksEdges: z.array(z.number()),
  ksCounts: z.array(z.number()),
  /** Bucket edges for plots (equal width, log-spaced for money). */
  plotEdges: z.array(z.number()),
  plotCounts: z.array(z.number()),
  logScale: z.boolean(),
});
const ZCategoricalMarginal = z.object({
  kind: z.literal("categorical"),
  total: z.number(),
  counts: z.record(z.string(), z.number().min(0)),
});
export const ZMarginal = z.discriminatedUnion("kind", [ZNumericMarginal, ZCategoricalMarginal]);
