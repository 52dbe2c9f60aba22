import { CatalogReviewError } from "../../../schema/governance/catalog-review.repository.ts";
import { AppError } from "../../errors.ts";

/**
 * Runs a review decision, turning the repository's refusals into the API's error model: an
 * unknown column is 404, a decision that cannot be made as asked 400.
 */
export async function asApiErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof CatalogReviewError) {
      throw new AppError(
        error.code === "unknown_column" ? "not_found" : "invalid_request",
        `${error.message.charAt(0).toUpperCase()}${error.message.slice(1)}.`,
      );
    }
    throw error;
  }
}
