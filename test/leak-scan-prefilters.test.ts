import pg from "pg";
import { describe, expect, it } from "vitest";
import { eachAddressSpan, lineEnds, mayHoldStreet } from "../masking/address-lines.ts";
import {
  candidates,
  eachValidatedNumber,
  STREET,
  withoutUuids,
} from "../masking/leak-scan/candidates.ts";
import { smallNumeric } from "../masking/leak-scan/stream-scan.ts";
import { loadConfig, withDatabase } from "../schema/config.ts";
import { UUID_PATTERN } from "../schema/uuid.ts";

/**
 * The leak scan skips costly patterns on values a cheap test proves cannot match them. Each
 * shortcut is checked here against the pattern it stands in for, on generated text, by a check
 * that does not use the shortcut: a shortcut that skipped a real match would hide a leak.
 */

// A seeded generator: the same texts every run, many shapes mixed.
function generator(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  const digits = (n: number) =>
    Array.from({ length: n }, () => String(Math.floor(next() * 10))).join("");
  return { next, pick, digits };
}

const FRAGMENTS = [
  "rue",
  "Rue",
  "bis",
  "Avenue",
  "Hauptstraße",
  "Str.",
  "Am",
  "Rosenhügel",
  "Liberty",
  "Street",
  "N",
  "Main",
  "St",
  "Apt",
  "Élysée",
  "l’Église",
  "O'Brien",
  "de",
  "la",
  "Paix",
  "Call",
  "Annetta",
  "at",
  "INV",
  "weg",
  "th",
  "st",
  "a",
  "B",
];
const SEPARATORS = [" ", "  ", ", ", ". ", "-", "/", "'", "’", "", "(", ")", ": ", "\n", " - "];

function texts(count: number): string[] {
  const g = generator(20261207);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let t = "";
    const parts = 1 + Math.floor(g.next() * 8);
    for (let p = 0; p < parts; p++) {
      const r = g.next();
      if (r < 0.35) {
        t += g.digits(1 + Math.floor(g.next() * 6));
      } else if (r < 0.4) {
        t += crypto.randomUUID();
      } else if (r < 0.45) {
        t += `${g.digits(1)}${g.pick(["st", "nd", "rd", "th"])}`;
      } else {
        t += g.pick(FRAGMENTS);
      }
      t += g.pick(SEPARATORS);
    }
    out.push(t);
  }
  return out;
}

describe("leak scan shortcuts", () => {
  const corpus = texts(40_000);

  it("a text the street test turns away holds no street shape and no address-line span", () => {
    const street = new RegExp(STREET);
    let turnedAway = 0;
    for (const t of corpus) {
      const text = withoutUuids(t);
      if (mayHoldStreet(text)) {
        continue;
      }
      turnedAway++;
      expect(street.test(text), t).toBe(false);
      let spans = 0;
      eachAddressSpan(text, () => {
        spans++;
        return false;
      });
      expect(spans, t).toBe(0);
    }
    // The corpus exercises both sides of the test.
    expect(turnedAway).toBeGreaterThan(1000);
    expect(turnedAway).toBeLessThan(corpus.length - 1000);
  });

  it("a number whose first step is no line's end is left without losing a line of the set", () => {
    // The lines: a random third of the spans the corpus holds, as a source's dictionary would
    // hold some of them; their ends are what the shortcut may look at.
    const g = generator(11);
    const lines = new Set<string>();
    for (const t of corpus) {
      eachAddressSpan(t, (k) => {
        if (g.next() < 0.33) {
          lines.add(k);
        }
        return false;
      });
    }
    const ends = new Set([...lines].flatMap((k) => lineEnds(k)));
    let found = 0;
    let pruned = 0;
    for (const t of corpus) {
      const all: string[] = [];
      eachAddressSpan(t, (k) => {
        all.push(k);
        return false;
      });
      const read: string[] = [];
      eachAddressSpan(
        t,
        (k) => {
          read.push(k);
          return false;
        },
        (w) => ends.has(w),
      );
      // Every span the shortcut reads is one the full walk reads, and no line is left out.
      expect(
        read.every((k) => all.includes(k)),
        t,
      ).toBe(true);
      const wanted = all.filter((k) => lines.has(k));
      expect(
        read.filter((k) => lines.has(k)),
        t,
      ).toEqual(wanted);
      found += wanted.length;
      pruned += all.length - read.length;
    }
    expect(lines.size).toBeGreaterThan(100);
    expect(found).toBeGreaterThan(100);
    expect(pruned).toBeGreaterThan(100);
  });

  it("blanks every UUID the pattern finds, and nothing else", () => {
    const uuid = new RegExp(UUID_PATTERN, "gi");
    const g = generator(7);
    for (const t of corpus) {
      // Upper and lower case, glued to other text or not.
      const text = g.next() < 0.5 ? t.toUpperCase() : t;
      expect(withoutUuids(text), text).toBe(text.replace(uuid, (u) => " ".repeat(u.length)));
    }
  });

  it("a number of at most four integer digits has no candidate, whatever its fraction", () => {
    const g = generator(11);
    const heads = new Set(["annetta"]);
    for (let i = 0; i < 20_000; i++) {
      const int = g.digits(1 + Math.floor(g.next() * 4)).replace(/^0+(?=.)/, "");
      const fraction = g.next() < 0.2 ? "" : `.${g.digits(1 + Math.floor(g.next() * 24))}`;
      const text = `${g.next() < 0.3 ? "-" : ""}${int}${fraction}`;
      expect(candidates(text, heads), text).toEqual([]);
      expect(
        eachValidatedNumber(text, () => true),
        text,
      ).toBe(false);
    }
  });

  it("reads a numeric's size off its binary form as Postgres writes it", async () => {
    const config = withDatabase(loadConfig({ ...process.env, NODE_ENV: "test" }), "postgres");
    const client = new pg.Client({ connectionString: config.databaseUrl });
    await client.connect();
    try {
      const values = [
        "0",
        "-0.5",
        "9999.99999999",
        "-9999",
        "10000",
        "-10000.01",
        "0.0000001",
        "123456.78",
        "1e30",
        "NaN",
        "Infinity",
        "-Infinity",
        "4111111111111111",
        "1234.5678901234567890123",
      ];
      const rows = await client.query<{ b: Buffer; t: string }>(
        "SELECT numeric_send(v::numeric) AS b, v::numeric::text AS t FROM unnest($1::text[]) v",
        [values],
      );
      for (const { b, t } of rows.rows) {
        const integerDigits = /^-?([0-9]+)/.exec(t)?.[1]?.replace(/^0+(?=.)/, "") ?? "";
        const small = /^-?[0-9]/.test(t) && integerDigits.length <= 4;
        expect(smallNumeric(b, 0), t).toBe(small);
      }
    } finally {
      await client.end();
    }
  });
});
