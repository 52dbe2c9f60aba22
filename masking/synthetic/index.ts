/** Synthetic platforms: fitted profiles, generation, comparison reports. */
export { fitSyntheticProfile } from "./fit.ts";
export { generateSyntheticPlatform, SYNTHETIC_TABLES } from "./generate.ts";
export { MARGINAL_DEFS } from "./marginals.ts";
export type { ProfileParams, ProfileSource, SyntheticProfile } from "./profile.ts";
export type {
  CategoricalComparison,
  NumericComparison,
  SyntheticReport,
  TableReport,
  Thresholds,
} from "./report.ts";
export { compareWithProfile, DEFAULT_THRESHOLDS } from "./report.ts";
export {
  fitAndStoreProfile,
  requestSyntheticDataset,
  runSyntheticDataset,
  SYNTH_DEFAULTS,
  SYNTH_LIMITS,
  type SynthOptions,
  type SynthResult,
  syntheticDatabaseName,
} from "./synthesize.ts";
export { findProfile, findReport } from "./synthetic.repository.ts";
