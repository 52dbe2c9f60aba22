import { z } from "zod";
import { SYNTH_LIMITS } from "./synthesize.ts";

/** The `synth` job: generate the platform of a dataset already registered as requested. */
export const ZSynthJobPayload = z.strictObject({
  datasetId: z.uuid(),
  tenants: z.number().int().min(1).max(SYNTH_LIMITS.tenants).optional(),
  customersPerTenant: z.number().int().min(1).max(SYNTH_LIMITS.customersPerTenant).optional(),
  seed: z.number().int().min(0).max(2_147_483_647).optional(),
  profileId: z.uuid().optional(),
  /** The requester's row limit, checked while the platform is generated. */
  maxRows: z.number().int().min(0).optional(),
  /** Pass/fail limits of the fidelity report. */
  thresholds: z
    .strictObject({
      ks: z.number().min(0).max(1).optional(),
      tvd: z.number().min(0).max(1).optional(),
    })
    .optional(),
  /** Who asked (the profile fitted on the way, if any, is recorded as theirs). */
  requestedBy: z.string().min(1).max(255),
});
export type TSynthJobPayload = z.infer<typeof ZSynthJobPayload>;
