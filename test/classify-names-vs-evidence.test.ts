import { describe, expect, test } from "vitest";
import { classifyColumn } from "../rules/classification/index.ts";

/**
 * A name that sounds harmless never outvotes values that validate: it may lower the
 * confidence, never switch a validated detector off. Values are built here with their own
 * checksums (Luhn, mod-97, SSN rules), independently of the detectors under test.
 */

/** A small deterministic generator so every run classifies the same values. */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x * 1664525 + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

function digits(next: () => number, n: number): string {
  let out = "";
  for (let i = 0; i < n; i++) {
    out += Math.floor(next() * 10);
  }
  return out;
}

function luhnComplete(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) {
        d -= 9;
      }
    }
    sum += d;
  }
  return body + ((10 - (sum % 10)) % 10);
}

/** Visa, Mastercard, Amex and Discover numbers with their issuer ranges and lengths. */
function cards(count: number): string[] {
  const next = rng(42);
  const issuers: [string, number][] = [
    ["4", 16],
    ["53", 16],
    ["2221", 16],
    ["37", 15],
    ["6011", 16],
  ];
  return Array.from({ length: count }, (_, i) => {
    const [prefix, length] = issuers[i % issuers.length] as [string, number];
    return luhnComplete(prefix + digits(next, length - prefix.length - 1));
  });
}

/** German IBANs: DEkk + 8-digit bank code + 10-digit account, check digits by mod-97. */
function ibans(count: number): string[] {
  const next = rng(7);
  return Array.from({ length: count }, () => {
    const bban = digits(next, 18);
    // D=13, E=14, then "00" for the check digits, moved to the end.
    const numeric = `${bban}131400`;
    let rem = 0;
    for (const c of numeric) {
      rem = (rem * 10 + Number(c)) % 97;
    }
    return `DE${String(98 - rem).padStart(2, "0")}${bban}`;
  });
}

function ssns(count: number): string[] {
  const next = rng(99);
  return Array.from({ length: count }, () => {
    const area = 100 + Math.floor(next() * 560); // 100..659: never 000, 666 or 9xx
    const group = 10 + Math.floor(next() * 89);
    const serial = 1000 + Math.floor(next() * 8999);
    return `${area}-${group}-${serial}`;
  });
}

function emails(count: number): string[] {
  const next = rng(3);
  return Array.from({ length: count }, (_, i) => `user${i}.${digits(next, 3)}@mailbox-example.com`);
}

function phones(count: number): string[] {
  const next = rng(5);
  const areas = ["212", "415", "312", "617", "206"];
  return Array.from(
    { length: count },
    (_, i) => `(${areas[i % areas.length]}) ${200 + Math.floor(next() * 700)}-${digits(next, 4)}`,
  );
}

const HARMLESS = ["order_ref", "ref", "order_number", "sku_code", "legacy_contact_id"];

const CASES: { category: string; values: string[] }[] = [
  { category: "payment_card", values: cards(200) },
  { category: "bank_account", values: ibans(200) },
  { category: "government_id", values: ssns(200) },
  { category: "email", values: emails(200) },
  { category: "phone", values: phones(200) },
];

describe("a harmless-sounding name never switches off a validated detector", () => {
  for (const { category, values } of CASES) {
    for (const column of HARMLESS) {
      test(`200 valid ${category} values under \`${column}\` are proposed ${category}`, () => {
        const proposal = classifyColumn({ table: "orders", column, type: "text", samples: values });
        expect(proposal.category).toBe(category);
        // Confident enough to reopen a steward's `none` decision on a re-scan.
        expect(proposal.confidence).toBeGreaterThanOrEqual(0.6);
      });
    }
  }

  test("card numbers stored as numeric under order_ref are still cards", () => {
    const values = cards(200)
      .filter((c) => c.length === 16)
      .map((c) => Number(c));
    const proposal = classifyColumn({
      table: "orders",
      column: "order_ref",
      type: "numeric",
      samples: values.map(String),
    });
    expect(proposal.category).toBe("payment_card");
  });

  test("sequential order numbers under order_number stay none", () => {
    const values = Array.from({ length: 200 }, (_, i) => String(4_000_000_000_000_000 + i * 7));
    const proposal = classifyColumn({
      table: "orders",
      column: "order_number",
      type: "text",
      samples: values,
    });
    expect(proposal.category).toBe("none");
  });
});
