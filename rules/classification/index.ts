import type { ColumnProposal, ColumnSample } from "../../schema/domain/classification.ts";

/**
 * Proposes a category, sensitivity and confidence for one column from its name, type, comment and
 * sampled values. (Placeholder until the detectors land: everything is `none`.)
 */
export function classifyColumn(_column: ColumnSample): ColumnProposal {
  return { category: "none", sensitivity: "internal", confidence: 0, evidence: [], paths: [] };
}
