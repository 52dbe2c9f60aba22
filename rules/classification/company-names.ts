/**
 * Words that make a name an organisation's ("Bergnaum Inc", "Lakeside Dental Group"): a value
 * holding one is not a person's name, wherever a name column holds it (cards in a company's
 * name, invoices to a business). Shared by the classifier, the masking dictionary and the leak
 * scan, in JavaScript and in Postgres regex syntax.
 */
export const COMPANY_WORDS = [
  "inc",
  "llc",
  "ltd",
  "gmbh",
  "corp",
  "company",
  "group",
  "plc",
  "llp",
  "hoa",
  "bistro",
  "school",
  "realty",
  "club",
  "partners",
  "services",
  "solutions",
  "holdings",
  "apartments",
  "church",
] as const;

export const COMPANY_NAME = new RegExp(`\\b(${COMPANY_WORDS.join("|")})\\b`, "i");

/** The same test for Postgres (`value ~* COMPANY_NAME_SQL`): `\m`/`\M` are its word bounds. */
export const COMPANY_NAME_SQL = `\\m(${COMPANY_WORDS.join("|")})\\M`;
