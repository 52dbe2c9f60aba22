import { z } from "zod";
import type { TProfileSource } from "../../schema/contracts/synthetic.ts";
import { ZMarginal } from "./marginals-schema.ts";
import { ZTableModel } from "./table-model.ts";

export { ZMarginal };

/**
 * A synthetic profile: what the generator needs to draw a platform that looks like the real one,
 * held as parameters only. No identifier, name, e-mail, phone, address or free text of the source
 * ever enters it: strings are limited to category labels that pass `isSafeLabel` and were seen at
 * least `MIN_CELL` times (rarer labels are pooled into `OTHER`), tenants are numbered, not named,
 * and numbers are aggregates (shares, quantiles, counts of counts).
 */

export const PROFILE_VERSION = 1;

/** A label must be seen this many times before the profile keeps it; rarer ones become OTHER. */
export const MIN_CELL = 5;

export const OTHER = "other";

/** The 21 quantile points of a value sketch (1st, 5th, 10th ... 95th, 99th percentile). */
export const SKETCH_POINTS = [
  0.01, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8,
  0.85, 0.9, 0.95, 0.99,
];

/** Counts per entity (interactions per customer...) are kept up to this, larger ones pooled. */
export const COUNT_CAP = 60;

const SAFE_LABEL = /^[a-z][a-z0-9_]{0,39}$/;

/**
 * Category labels in the profile are enum-like words (`credit_card`, `panel_upgrade`): lower
 * case, no spaces, digits or punctuation beyond `_`, so a name, an e-mail or a phone number can
 * never pass for one, whatever a column happens to hold.
 */
export function isSafeLabel(value: string): boolean {
  return SAFE_LABEL.test(value);
}

const ZMix = z.record(z.string(), z.number().min(0));
const ZSketch = z.object({
  n: z.number().int().min(0),
  mu: z.number(),
  sigma: z.number().min(0),
  /** Values at SKETCH_POINTS (rounded to cents). */
  q: z.array(z.number()),
});
/** Distribution of a small count: share of entities with 0, 1, 2 ... COUNT_CAP (pooled) items. */
const ZCountHist = z.array(z.number().min(0));

const ZTenantProfile = z.object({
  key: z.string(),
  /** Share of all customers that belong to this tenant. */
  customerShare: z.number(),
  staff: z.number().int().min(1),
  customerTypes: ZMix,
  /** Job type mix per customer type (commercial customers order commercial work). */
  jobTypesByCustomerType: z.record(z.string(), ZMix),
  jobValue: z.record(z.string(), ZSketch),
  /** ln(final / quoted) of completed jobs. */
  finalRatio: z.object({ mu: z.number(), sigma: z.number().min(0) }),
  jobStatus: ZMix,
  /** Per customer type. */
  jobsPerCustomer: z.record(z.string(), ZCountHist),
  monthOfYear: z.array(z.number().min(0)).length(12),
  dayOfWeek: z.array(z.number().min(0)).length(7),
  /** P(a job has an invoice) per job status. */
  invoiceByJobStatus: ZMix,
  invoiceStatus: ZMix,
  taxRate: z.number(),
  /** Share of invoices with 0, 1, 2, 3 payments, per invoice status. */
  paymentsPerInvoice: z.record(z.string(), z.array(z.number().min(0))),
  paymentMethod: ZMix,
  paymentStatus: ZMix,
  /** Per customer type. */
  interactionsPerCustomer: z.record(z.string(), ZCountHist),
  /** `type|channel|direction` combinations. */
  interactionKinds: ZMix,
  /** The tenant's language (from its locale), for generated free text. */
  language: z.string().optional(),
});

export const ZProfileParams = z.object({
  version: z.literal(PROFILE_VERSION),
  /** Days of history the generated platform spans (ends at generation time). */
  spanDays: z.number().int().min(30),
  /** Of which days after generation time (work scheduled ahead). */
  futureDays: z.number().int().min(0),
  tenants: z.array(ZTenantProfile).min(1),
  /** Table sizes relative to customers, for the record and for sizing a run. */
  ratios: z.record(z.string(), z.number()),
  /** The real data's binned distributions per fitted column, the report's yardstick. */
  marginals: z.record(z.string(), ZMarginal),
  /**
   * Every table of the platform (the masked copy's table list): row counts and per-column
   * models. Absent from profiles fitted before the generator covered the whole platform.
   */
  tables: z.record(z.string(), ZTableModel).optional(),
});

export type TenantProfile = z.infer<typeof ZTenantProfile>;
export type ValueSketch = z.infer<typeof ZSketch>;
export type Marginal = z.infer<typeof ZMarginal>;
export type ProfileParams = z.infer<typeof ZProfileParams>;

export type ProfileSource = TProfileSource;

export type SyntheticProfile = {
  id: string;
  createdAt: string;
  createdBy: string;
  version: number;
  source: ProfileSource;
  params: ProfileParams;
};
