/** The masking strategies a rule may name (masking/strategies implements each, in Node and SQL). */
export const STRATEGIES = [
  "substitute",
  "scramble",
  "tokenize",
  "encrypt",
  "hash",
  "partial",
  "nullify",
  "date_shift",
  "noise",
  "scrub",
  "allow",
] as const;
export type Strategy = (typeof STRATEGIES)[number];
