import { z } from "zod";
import { REGULATIONS, ZPeriod } from "../retention/schema.ts";

/**
 * A tiering policy (`rules/tiering/<table>.yaml`): how long a table's rows stay in each tier,
 * judged by one date column, and the seed's business rules.
 *
 * `tiers.hot` is the age at which rows leave hot, `tiers.warm` the age at which they leave warm,
 * `tiers.cold` the age at which they go to the archive, and `tiers.archive` how long the archive
 * keeps them (never shorter than the retention schedule: `comply_with_regulations`). Warm is a
 * tablespace, which holds whole relations: only partitioned tables have a warm tier; rows of
 * other tables stay hot until `tiers.warm`, then go to cold.
 */
export const TIERS = ["hot", "warm", "cold", "archive"] as const;
export type Tier = (typeof TIERS)[number];

export const ZTieringPolicy = z.strictObject({
  table: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lower-case table name"),
  date_column: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lower-case column name"),
  tiers: z.strictObject({ hot: ZPeriod, warm: ZPeriod, cold: ZPeriod, archive: ZPeriod }),
  business_rules: z.strictObject({
    /** Rows of customers active within `active_customer_days` stay hot. */
    retain_active_customers: z.boolean(),
    active_customer_days: z.number().int().min(1).max(3650).default(90),
    /** The archive may never end before the retention schedule of these regulations does. */
    comply_with_regulations: z.array(z.enum(REGULATIONS)).max(5),
    /** Every move is audited, and archive files are rewritten only by an erasure. */
    preserve_audit_trail: z.boolean(),
  }),
  /** Rows per batch for tables moved by rows. */
  batch_rows: z.number().int().min(100).max(100_000).default(5_000),
  enabled: z.boolean().default(true),
});

export type TTieringPolicy = z.infer<typeof ZTieringPolicy>;
