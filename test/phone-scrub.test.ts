import examples from "libphonenumber-js/examples.mobile.json";
import { type CountryCode, getExampleNumber } from "libphonenumber-js/max";
import { describe, expect, it } from "vitest";
import { maskJsonText, scrub, substitutePhone } from "../masking/strategies/strategies.ts";
import { findEntities } from "../rules/classification/entities.ts";
import { findPhones, phoneKeys, SERVED_COUNTRIES } from "../rules/classification/phone-numbers.ts";

/**
 * The scrubber over phone numbers it was not written for: libphonenumber's own example mobile
 * number of every country the platform serves, written nationally and internationally, inside a
 * sentence. The check is the number's own digits: none of them may survive as written.
 */

const key = Buffer.alloc(32, 9);

const cases = SERVED_COUNTRIES.flatMap((country: CountryCode) => {
  const n = getExampleNumber(country, examples);
  if (!n) {
    return [];
  }
  return [
    { country, written: n.formatNational(), nsn: n.nationalNumber as string },
    { country, written: n.formatInternational(), nsn: n.nationalNumber as string },
    { country, written: n.number as string, nsn: n.nationalNumber as string },
  ];
});

/** The text with the separators between digits taken out. */
const squeeze = (s: string) => s.replace(/([0-9])[ .()/-]+(?=[0-9])/g, "$1");

describe("phones of every served country", () => {
  it("has an example for every served country, each written three ways", () => {
    expect(cases.length).toBe(SERVED_COUNTRIES.length * 3);
  });

  it.each(cases)("scrub masks $country's $written inside a sentence", ({ written, nsn }) => {
    const text = `Please call ${written} before noon.`;
    const out = scrub(key, text);
    expect(out).not.toBe(text);
    expect(squeeze(out)).not.toContain(nsn);
    expect(out.startsWith("Please call ")).toBe(true);
    expect(out.endsWith(" before noon.")).toBe(true);
  });

  it.each(cases)(
    "finds $country's $written, with the key all its forms share",
    ({ written, nsn }) => {
      const found = findPhones(`tel. ${written}, thanks`);
      expect(found.map((p) => p.text)).toEqual([written]);
      expect(phoneKeys(written)).toContain(nsn.replace(/^0+/, ""));
      expect(findEntities(`tel. ${written}, thanks`, { names: false })).toEqual([
        { category: "phone", start: 5, end: 5 + written.length },
      ]);
    },
  );

  it("a masked phone keeps its country code, its trunk 0 and its layout", () => {
    const gb = substitutePhone(key, "+44 20 7946 0958");
    expect(gb).toMatch(/^\+44 [0-9]{2} [0-9]{4} [0-9]{4}$/);
    expect(gb).not.toBe("+44 20 7946 0958");
    expect(substitutePhone(key, "030 9018 2731")).toMatch(/^0[0-9]{2} [0-9]{4} [0-9]{4}$/);
    expect(substitutePhone(key, "0044 20 7946 0958")).toMatch(/^0044 [0-9]{2} [0-9]{4} [0-9]{4}$/);
    expect(substitutePhone(key, "+353 85 012 3456")).toMatch(/^\+353 [0-9]{2} [0-9]{3} [0-9]{4}$/);
  });

  it("leaves dates, times, amounts and short numbers in prose alone", () => {
    const text = "Due 2026-01-15 10:30, total 1,234.56 for 3 items, order 4471, on 15.01.2026.";
    expect(scrub(key, text)).toBe(text);
    expect(findPhones(text)).toEqual([]);
  });

  it("masks a JSON number leaf under a phone or card rule as it masks a string", () => {
    const doc = '{"phone": 14155550123, "card": 4111111111111111, "n": 3, "amount": 12.50}';
    const out = maskJsonText(key, doc, {
      phone: { s: "substitute", c: "phone" },
      card: { s: "tokenize" },
    });
    expect(out).not.toContain("14155550123");
    expect(out).not.toContain("4111111111111111");
    expect(out).toContain('"n": 3, "amount": 12.50');
    // Scrubbed (a JSON column's default for paths without a rule) alike.
    const scrubbed = maskJsonText(key, doc, { "*": { s: "scrub" } });
    expect(scrubbed).not.toContain("14155550123");
    expect(scrubbed).not.toContain("4111111111111111");
    expect(JSON.parse(scrubbed).n).toBe(3);
  });
});
