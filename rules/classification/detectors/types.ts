import type { Category } from "../../../schema/domain/classification.ts";

/**
 * One value detector. `strong` detectors validate a shape that ordinary non-personal data does not
 * take by accident (an email address, a bcrypt hash, an IBAN with its check digits); `weak` ones
 * accept values that other data also takes (a Luhn-valid 16-digit number may be an order number,
 * a capitalised word may be a first name or a city), so they decide only with a supporting name
 * or with a dominant share of a column whose name says nothing.
 */
export type ValueDetector = {
  id: string;
  category: Category;
  strength: "strong" | "weak";
  /**
   * A costly check most columns fail: detection stops trying it on a column once its first
   * values show it does not fit (see scoring's `detect`).
   */
  probe?: boolean;
  /** The value is a trimmed string of at most MAX_VALUE_LENGTH characters. */
  test(value: string): boolean;
};

/** Work per value is capped: longer values are free text, handled by the entity scanner. */
export const MAX_VALUE_LENGTH = 512;
