import type { Category } from "../../schema/domain/classification.ts";
import type { NamePart, Strategy, StrategyParams } from "../strategies/strategies.ts";

/** The strategy a column of each category gets unless a steward set a rule. */
export const DEFAULT_STRATEGY: Record<Category, Strategy> = {
  email: "substitute",
  phone: "substitute",
  person_name: "substitute",
  postal_address: "substitute",
  date_of_birth: "date_shift",
  government_id: "tokenize",
  payment_card: "tokenize",
  bank_account: "tokenize",
  ip_address: "substitute",
  geolocation: "noise",
  credential: "hash",
  free_text_pii: "scrub",
  none: "allow",
};

/** Which part of a name a column holds, from its name (`first_name`, `last_name`, ...). */
export function namePartFor(columnOrPath: string): NamePart {
  const leaf =
    columnOrPath
      .split(/[.[\]]/)
      .filter(Boolean)
      .pop()
      ?.toLowerCase() ?? "";
  if (/(^|_)(first|given|fore)(_?name)?$/.test(leaf) || leaf === "firstname") {
    return "first";
  }
  if (/(^|_)(last|family|sur)(_?name)?$/.test(leaf) || leaf === "lastname" || leaf === "surname") {
    return "last";
  }
  return "full";
}

/** The default rule (strategy and params) for a column or JSONB path of a category. */
export function defaultRule(
  category: Category,
  columnOrPath: string,
): { strategy: Strategy; params: StrategyParams } {
  const strategy = DEFAULT_STRATEGY[category];
  if (category === "person_name") {
    return { strategy, params: { part: namePartFor(columnOrPath) } };
  }
  return { strategy, params: {} };
}
