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

// Card and expiry in one value: `4111 1111 1111 1111 12/27`, `4111111111111111|12/2027`,
// `5500-0000-0000-0004 exp 03/26`, or the expiry first.
const EXPIRY = "(?:0[1-9]|1[0-2])\\s?[/-]\\s?(?:\\d{2}|20\\d{2})";
const CARD_DIGITS = "\\d[\\d -]{10,21}\\d";
const CARD_THEN_EXPIRY = new RegExp(
  `^(${CARD_DIGITS})\\s*[|,;/ ]\\s*(?:(?:exp(?:iry|ires)?|valid thru|gültig bis)\\.?:?\\s*)?${EXPIRY}(?:\\s*[|,;/ ]\\s*(?:cvv|cvc)?:?\\s*\\d{3,4})?$`,
  "i",
);
const EXPIRY_THEN_CARD = new RegExp(`^${EXPIRY}\\s*[|,;/ ]\\s*(${CARD_DIGITS})$`, "i");

/** A card number with its expiry date (and perhaps its CVV): strong, the pair is a card. */
export function isCardWithExpiry(value: string): boolean {
  if (value.length < 17 || value.length > 48) {
    return false;
  }
  const m = CARD_THEN_EXPIRY.exec(value) ?? EXPIRY_THEN_CARD.exec(value);
  return m !== null && isPaymentCard((m[1] as string).trim());
}

// Bank details written as one string: `RTN 021000021 ACCT 12345678`, `routing:021000021;
// account:12345678`, `ABA 021000021 / acct no 1234-5678`, `sort code 12-34-56 account 12345678`.
const ROUTING_ACCOUNT =
  /^(?:rtn|routing(?:[ _]?(?:no|number|#))?|aba|transit)\s*[:#=]?\s*(\d{9})\s*[;,/|]?\s*(?:acct|account|acc|a\/c)(?:[ _]?(?:no|number|#))?\s*[:#=]?\s*(\d[\d -]{3,19}\d)$/i;
const ACCOUNT_ROUTING =
  /^(?:acct|account|acc|a\/c)(?:[ _]?(?:no|number|#))?\s*[:#=]?\s*(\d[\d -]{3,19}\d)\s*[;,/|]?\s*(?:rtn|routing(?:[ _]?(?:no|number|#))?|aba|transit)\s*[:#=]?\s*(\d{9})$/i;
const SORT_CODE_ACCOUNT =
  /^sort[ _]?code\s*[:#=]?\s*\d{2}-?\d{2}-?\d{2}\s*[;,/|]?\s*(?:acct|account|acc|a\/c)(?:[ _]?(?:no|number|#))?\s*[:#=]?\s*\d{8}$/i;
const IBAN_BIC =
  /^(?:iban\s*[:#=]?\s*)?([A-Z]{2}\d{2}[A-Z0-9 ]{10,36}?)\s*[;,/|]?\s*(?:bic|swift)\s*[:#=]?\s*[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?$/i;

export function isBankDetails(value: string): boolean {
  if (value.length < 14 || value.length > 96 || !/^[A-Za-z]/.test(value)) {
    return false;
  }
  const ra = ROUTING_ACCOUNT.exec(value);
  if (ra) {
    return abaRouting(ra[1] as string);
  }
  const ar = ACCOUNT_ROUTING.exec(value);
  if (ar) {
    return abaRouting(ar[2] as string);
  }
  if (SORT_CODE_ACCOUNT.test(value)) {
    return true;
  }
  const ib = IBAN_BIC.exec(value);
  return ib !== null && isIban((ib[1] as string).trim());
}

export const FINANCIAL_DETECTORS: ValueDetector[] = [
  {
    id: "payment_card.with_expiry",
    category: "payment_card",
    strength: "strong",
    test: isCardWithExpiry,
  },
  { id: "bank_account.details", category: "bank_account", strength: "strong", test: isBankDetails },
  { id: "payment_card.luhn_iin", category: "payment_card", strength: "weak", test: isPaymentCard },
  { id: "bank_account.iban", category: "bank_account", strength: "strong", test: isIban },
  { id: "bank_account.aba", category: "bank_account", strength: "weak", test: isAbaRouting },
];
