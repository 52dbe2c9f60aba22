import { abaRouting, iban, luhn } from "./checksums.ts";
import type { ValueDetector } from "./types.ts";

/**
 * Payment cards (Luhn, issuer ranges and the lengths each brand issues) and bank accounts (IBAN
 * with country length and mod-97, ABA routing numbers with their checksum).
 */

type Brand = { brand: string; lengths: number[]; match: (d: string) => boolean };

const p = (d: string, n: number) => Number(d.slice(0, n));

const BRANDS: Brand[] = [
  { brand: "visa", lengths: [13, 16, 19], match: (d) => d[0] === "4" },
  {
    brand: "mastercard",
    lengths: [16],
    match: (d) => (p(d, 2) >= 51 && p(d, 2) <= 55) || (p(d, 4) >= 2221 && p(d, 4) <= 2720),
  },
  { brand: "amex", lengths: [15], match: (d) => p(d, 2) === 34 || p(d, 2) === 37 },
  {
    brand: "discover",
    lengths: [16, 17, 18, 19],
    match: (d) =>
      p(d, 4) === 6011 ||
      (p(d, 3) >= 644 && p(d, 3) <= 649) ||
      p(d, 2) === 65 ||
      (p(d, 6) >= 622126 && p(d, 6) <= 622925),
  },
  {
    brand: "diners",
    lengths: [14, 15, 16, 17, 18, 19],
    match: (d) =>
      (p(d, 3) >= 300 && p(d, 3) <= 305) || p(d, 2) === 36 || p(d, 2) === 38 || p(d, 2) === 39,
  },
  { brand: "jcb", lengths: [16, 17, 18, 19], match: (d) => p(d, 4) >= 3528 && p(d, 4) <= 3589 },
  { brand: "unionpay", lengths: [16, 17, 18, 19], match: (d) => p(d, 2) === 62 },
  {
    brand: "maestro",
    lengths: [12, 13, 14, 15, 16, 17, 18, 19],
    match: (d) =>
      ["5018", "5020", "5038", "5893", "6304", "6759", "6761", "6762", "6763"].includes(
        d.slice(0, 4),
      ),
  },
  { brand: "mir", lengths: [16, 17, 18, 19], match: (d) => p(d, 4) >= 2200 && p(d, 4) <= 2204 },
];

// Digits written plain or in groups of 4 (Amex 4-6-5) separated by one space or dash.
const CARD_SHAPE = /^\d{12,19}$|^\d{4}([ -])\d{4,6}\1\d{4,5}(?:\1\d{1,4})?$/;

/** The brand of a valid card number (Luhn, IIN range, length), or undefined. */
export function cardBrand(value: string): string | undefined {
  if (value.length < 12 || value.length > 23 || !CARD_SHAPE.test(value)) {
    return undefined;
  }
  const digits = value.length > 19 || /\D/.test(value) ? value.replace(/\D/g, "") : value;
  if (!luhn(digits) || /^(\d)\1+$/.test(digits)) {
    return undefined;
  }
  for (const b of BRANDS) {
    if (b.lengths.includes(digits.length) && b.match(digits)) {
      return b.brand;
    }
  }
  return undefined;
}

export function isPaymentCard(value: string): boolean {
  return cardBrand(value) !== undefined;
}

const IBAN_SHAPE = /^[A-Z]{2}\d{2}[A-Z0-9 ]{10,36}$/i;

export function isIban(value: string): boolean {
  if (value.length < 15 || value.length > 42 || !IBAN_SHAPE.test(value)) {
    return false;
  }
  return iban(value.replace(/ /g, "").toUpperCase());
}

export function isAbaRouting(value: string): boolean {
  return value.length === 9 && /^\d{9}$/.test(value) && abaRouting(value);
}

/**
 * Canadian financial institution numbers (Payments Canada), as the electronic routing number
 * writes them after its leading 0.
 */
const CA_INSTITUTIONS = new Set([
  "001",
  "002",
  "003",
  "004",
  "006",
  "010",
  "016",
  "030",
  "039",
  "177",
  "219",
  "260",
  "320",
  "540",
  "614",
  "815",
  "828",
  "829",
  "837",
  "839",
  "865",
  "869",
  "879",
  "899",
]);

/** A Canadian electronic routing number: 0, an institution number, a 5-digit branch transit. */
export function isCanadianRouting(value: string): boolean {
  return /^0\d{8}$/.test(value) && CA_INSTITUTIONS.has(value.slice(1, 4));
}

/**
 * A bank branch's routing number, written bare (a US ABA number with its checksum, a Canadian
 * electronic routing number): it identifies a branch that many people bank at, not a person.
 */
export function isBankRouting(value: string): boolean {
  return isAbaRouting(value) || isCanadianRouting(value);
}

/** Digits (optionally grouped) of a length banks use for account numbers: only with context. */
export function isAccountNumberShape(value: string): boolean {
  return /^\d{6,17}$/.test(value) || /^\d{2,6}[- ]\d{2,10}(?:[- ]\d{1,10})?$/.test(value);
}

export const FINANCIAL_DETECTORS: ValueDetector[] = [
  { id: "payment_card.luhn_iin", category: "payment_card", strength: "weak", test: isPaymentCard },
  { id: "bank_account.iban", category: "bank_account", strength: "strong", test: isIban },
  { id: "bank_account.aba", category: "bank_account", strength: "weak", test: isAbaRouting },
];
