import { RecognizerDefinitionError } from "../../../rules/classification/custom-recognizers.ts";
import { RecognizerStoreError } from "../../../schema/governance/recognizers.repository.ts";
import { AppError } from "../../errors.ts";

const STATUS = {
  name_taken: "conflict",
  not_found: "not_found",
  unchanged: "conflict",
  rename: "invalid_request",
} as const;

/**
 * Runs recognizer work, turning its refusals into the API's error model: an invalid definition
 * (does not compile, can backtrack, unknown validator) is 400 with each problem under
 * `definition.<field>`; a taken name or a change that changes nothing 409; unknown 404.
 */
export async function asRecognizerErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof RecognizerDefinitionError) {
      throw new AppError(
        "invalid_request",
        `The recognizer is not valid: ${error.message}.`,
        error.problems.map((p) => ({ path: `definition.${p.path}`, message: p.message })),
      );
    }
    if (error instanceof RecognizerStoreError) {
      throw new AppError(STATUS[error.code], `${error.message}.`);
    }
    throw error;
  }
}
