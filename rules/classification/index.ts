/**
 * The PII classifier: column proposals from names, comments and sampled values (`classifyColumn`),
 * the offline contract (`classifySampleFile`), and the free-text entity finder (`findEntities`)
 * that masking's `scrub` and retention erasure reuse.
 */
export { classifyColumn, classifyColumns } from "./classify.ts";
export { type Entity, findEntities } from "./entities.ts";
export { maskValue } from "./mask.ts";
export { classifySampleFile, type OfflineColumn, SampleFileError } from "./offline.ts";
export { SENSITIVITY } from "./scoring.ts";
