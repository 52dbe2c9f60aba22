import { cumulative, type Prng } from "./prng.ts";

/**
 * Card and bank details for the payments table. Card numbers are only the processors' published
 * test PANs (they pass Luhn, as a PAN detector expects, but can never charge anyone); routing
 * numbers carry a valid ABA checksum; account numbers are random digits.
 */

export type TestCard = { pan: string; brand: string; weight: number };

/** Published test card numbers (Stripe, Adyen, Braintree documentation), by brand. */
export const TEST_CARDS: TestCard[] = [
  { pan: "4242424242424242", brand: "visa", weight: 30 },
  { pan: "4000056655665556", brand: "visa", weight: 12 },
  { pan: "4111111111111111", brand: "visa", weight: 8 },
  { pan: "4012888888881881", brand: "visa", weight: 5 },
  { pan: "5555555555554444", brand: "mastercard", weight: 14 },
  { pan: "2223003122003222", brand: "mastercard", weight: 5 },
  { pan: "5200828282828210", brand: "mastercard", weight: 6 },
  { pan: "5105105105105100", brand: "mastercard", weight: 3 },
  { pan: "378282246310005", brand: "amex", weight: 6 },
  { pan: "371449635398431", brand: "amex", weight: 3 },
  { pan: "6011111111111117", brand: "discover", weight: 4 },
  { pan: "6011000990139424", brand: "discover", weight: 2 },
  { pan: "3056930009020004", brand: "diners", weight: 1 },
  { pan: "36227206271667", brand: "diners", weight: 1 },
  { pan: "3566002020360505", brand: "jcb", weight: 1 },
  { pan: "6200000000000005", brand: "unionpay", weight: 1 },
];

/** Test PANs the processors always decline, for failed payment attempts. */
export const DECLINED_TEST_CARDS: TestCard[] = [
  { pan: "4000000000000002", brand: "visa", weight: 3 },
  { pan: "4000000000009995", brand: "visa", weight: 1 },
];

export const DECLINE_REASONS = [
  "card_declined: Your card was declined.",
  "insufficient_funds: Your card has insufficient funds.",
  "expired_card: Your card has expired.",
  "incorrect_cvc: Your card's security code is incorrect.",
];

const CARDS = cumulative(TEST_CARDS.map((c) => [c, c.weight] as const));
const DECLINED = cumulative(DECLINED_TEST_CARDS.map((c) => [c, c.weight] as const));

export function pickTestCard(rng: Prng): TestCard {
  return rng.pickWeighted(CARDS);
}

export function pickDeclinedCard(rng: Prng): TestCard {
  return rng.pickWeighted(DECLINED);
}

/** Luhn (mod 10) check, as PAN detectors apply it. */
export function luhnValid(digits: string): boolean {
  if (!/^\d{12,19}$/.test(digits)) {
    return false;
  }
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) {
        d -= 9;
      }
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** ABA routing checksum: 3(d1+d4+d7) + 7(d2+d5+d8) + (d3+d6+d9) ≡ 0 (mod 10). */
export function abaValid(routing: string): boolean {
  if (!/^\d{9}$/.test(routing)) {
    return false;
  }
  const d = [...routing].map((c) => c.charCodeAt(0) - 48) as number[];
  const sum =
    3 * ((d[0] as number) + (d[3] as number) + (d[6] as number)) +
    7 * ((d[1] as number) + (d[4] as number) + (d[7] as number)) +
    ((d[2] as number) + (d[5] as number) + (d[8] as number));
  return sum % 10 === 0;
}

/**
 * A routing number with a valid checksum and a realistic Federal Reserve prefix (01-12 for
 * banks, 21-32 for thrifts), so format validators accept it.
 */
export function routingNumber(rng: Prng): string {
  const district = rng.chance(0.8) ? rng.int(1, 12) : rng.int(21, 32);
  const head = `${district < 10 ? "0" : ""}${district}${rng.digits(6)}`;
  const d = [...head].map((c) => c.charCodeAt(0) - 48) as number[];
  const partial =
    3 * ((d[0] as number) + (d[3] as number) + (d[6] as number)) +
    7 * ((d[1] as number) + (d[4] as number) + (d[7] as number)) +
    ((d[2] as number) + (d[5] as number));
  return `${head}${(10 - (partial % 10)) % 10}`;
}

/** A checking account number: 9-12 digits, never starting with 0. */
export function accountNumber(rng: Prng): string {
  return `${rng.int(1, 9)}${rng.digits(rng.int(8, 11))}`;
}
