import type { Category } from "../../schema/domain/classification.ts";

/** Below this confidence a new proposal is not evidence enough to reopen a human decision. */
export const CONTRADICTION_CONFIDENCE = 0.6;

export type DecisionState = {
  reviewStatus: string;
  decidedCategory: string | null;
  needsRereview: boolean;
};

/**
 * Whether a re-scan's proposal contradicts a steward's decision, and why (null: it does not).
 * A decision is never overwritten; a contradiction only flags it for re-review. It contradicts
 * when the proposal names a different personal-data category with meaningful confidence —
 * including a decided `none` whose values now detect PII — and the steward had not already
 * seen that same proposal when deciding (so a confirmed override is not flagged again on every
 * scan). A proposal of `none` never contradicts: the classifier seeing less than the steward is
 * not new evidence.
 */
export function contradiction(
  decision: DecisionState,
  proposal: { category: Category; confidence: number },
  proposedAtDecision: string | null,
): string | null {
  if (decision.reviewStatus === "pending") {
    return null;
  }
  const decided = decision.decidedCategory ?? "none";
  if (proposal.category === decided || proposal.category === "none") {
    return null;
  }
  if (proposal.confidence < CONTRADICTION_CONFIDENCE) {
    return null;
  }
  if (proposedAtDecision === proposal.category) {
    return null;
  }
  return decided === "none"
    ? `decided as not personal data, but sampled values now detect ${proposal.category}`
    : `decided as ${decided}, but the scanner now proposes ${proposal.category}`;
}
