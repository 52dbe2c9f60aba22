import { CatalogReviewError } from "../../../schema/governance/catalog-review.repository.ts";
import { AppError } from "../../errors.ts";

const STATUS = {
  unknown_column: "not_found",
  invalid_review: "invalid_request",
  reason_required: "invalid_request",
  cannot_undo: "conflict",
} as const;

/**
 * Runs a review decision, turning the repository's refusals into the API's error model: an
 * unknown column is 404, a decision that cannot be made as asked 400 (a missing reason names the
 * `comment` field), an undo that no longer applies 409.
 */
export async function asApiErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof CatalogReviewError) {
      throw new AppError(
        STATUS[error.code],
        `${error.message.charAt(0).toUpperCase()}${error.message.slice(1)}.`,
        error.code === "reason_required"
          ? [{ path: "comment", message: "a reason is required to reject a PII proposal" }]
          : undefined,
      );
    }
    throw error;
  }
}
