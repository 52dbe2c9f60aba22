import { z } from "zod";
import { ZMarginal } from "./marginals-schema.ts";

/**
 * What the profile holds per table of the platform, beyond the hand-fitted core: how many rows a
 * table has (per parent row of its anchoring foreign key, or per customer), and per column a
 * model the generator draws from plus the real distribution the report compares with. Parameters
 * only, as for the rest of the profile: numbers are quantiles and shares, strings are enum-like
 * labels seen at least MIN_CELL times (or JSON keys passing the same test); free text, names,
 * identifiers and addresses are never fitted beyond how often they are missing.
 */

/** Share of NULLs among the rows, in [0, 1]. */
const nulls = z.number().min(0).max(1);
/** Values at SKETCH_POINTS. */
const sketch = z.array(z.number());

export const ZColumnModel = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("numeric"),
    nulls,
    q: sketch,
    min: z.number(),
    max: z.number(),
    integer: z.boolean(),
  }),
  /** Dates and timestamps as days before the fit (generation: before the run's as-of day). */
  z.object({ kind: z.literal("age"), nulls, q: sketch, date: z.boolean() }),
  /** Time of day, in seconds after midnight. */
  z.object({ kind: z.literal("clock"), nulls, q: sketch }),
  /** Intervals, in seconds. */
  z.object({ kind: z.literal("interval"), nulls, q: sketch }),
  z.object({ kind: z.literal("boolean"), nulls, trueShare: z.number().min(0).max(1) }),
  z.object({ kind: z.literal("category"), nulls, mix: z.record(z.string(), z.number().min(0)) }),
  /** Generated from templates by the column's name; only its NULL share is fitted. */
  z.object({ kind: z.literal("text"), nulls }),
  z.object({
    kind: z.literal("json"),
    nulls,
    /** Share of rows holding a top-level array rather than an object. */
    arrays: z.number().min(0).max(1),
    /** Top-level key → share of object rows that have it, and the JSON type it mostly holds. */
    keys: z.record(
      z.string(),
      z.object({
        share: z.number().min(0).max(1),
        type: z.enum(["string", "number", "boolean", "object", "array", "null"]),
      }),
    ),
  }),
  z.object({ kind: z.literal("array"), nulls, length: sketch }),
  /** uuid, bytea, inet and anything else: the value is made up, its NULL share fitted. */
  z.object({ kind: z.literal("opaque"), nulls }),
]);

export const ZTableModel = z.object({
  rows: z.number().int().min(0),
  /** Rows per customer of the real store: the size of a table without an anchor. */
  perCustomer: z.number().min(0),
  /** Children per parent row of the anchoring foreign key (share of parents with 0, 1, 2 ...). */
  anchor: z
    .object({ column: z.string(), parent: z.string(), counts: z.array(z.number()) })
    .nullable(),
  columns: z.record(z.string(), ZColumnModel),
  /** The real distribution per reported column, binned: the report's yardstick. */
  marginals: z.record(z.string(), ZMarginal),
});

export type ColumnModel = z.infer<typeof ZColumnModel>;
export type TableModel = z.infer<typeof ZTableModel>;
