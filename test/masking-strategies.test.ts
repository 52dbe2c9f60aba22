import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detokenizeDigits, tokenizeDigits } from "../masking/strategies/fpe.ts";
import { rewriteJsonLeaves } from "../masking/strategies/json-text.ts";
import { maskingKey } from "../masking/strategies/key.ts";
import { maskingFunctionsSql } from "../masking/strategies/sql-functions.ts";
import {
  dateShift,
  dateShiftDays,
  decryptValue,
  encryptValue,
  hashValue,
  maskJsonText,
  noise,
  partial,
  SCRUB_PATTERNS,
  scramble,
  scrub,
  substituteAddress,
  substituteEmail,
  substituteIp,
  substituteName,
  substituteNameWord,
  substitutePhone,
} from "../masking/strategies/strategies.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

const key = maskingKey("test-secret").bytes;
const otherKey = maskingKey("another-secret").bytes;
const names = {
  first: new Set(["abbey", "minerva", "jürgen", "élodie"]),
  last: new Set(["waters", "wiza", "müller", "öztürk"]),
};

const EMAILS = ["abbeywaters@comcast.net", "Wiza.Minerva@Yahoo.com", "noel@sunrise-electric.com"];
const PHONES = [
  "(630) 687-8290",
  "+1 630 687 8290",
  "+44 20 7946 0958",
  "630.687.8290",
  "5",
  // Country codes of one, two and three digits, a 00 prefix, trunk zeros.
  "+353 85 012 3456",
  "0044 20 7946 0958",
  "030 9018 2731",
  "06 12 34 56 78",
  "+49 (0)30 90182731",
];
const NAMES = ["Abbey Waters", "abbey", "WATERS", "Mary-Jane O'Neil", "Dr. Minerva Wiza"];
const ADDRESSES = ["16283 Liberty Street", "21568 Tom Radial, Schaumburg, IL 60677", "Apt 4B"];
const CARDS = ["4242424242424242", "4000 0566 5566 5556", "371449635398431", "0", "0012"];
const TEXTS = [
  "Inbound call from Abbey Waters at (630) 687-8290. Abbey is asking about electrical work at 16283 Liberty Street, Skokie. Email on file: abbeywaters@comcast.net.",
  "Prepared for: Minerva Wiza\n21568 Tom Radial\nSchaumburg, IL 60677\nPhone: (847) 871-1377\nCard 4242 4242 4242 4242, jimbob@x.com and bob@x.com",
  "Nothing personal here, just a Tuesday.",
  // Names as written: apostrophes and inner capitals inside, a possessive outside.
  "Voicemail from D'angelo McCullough: D'angelo's van is blue, O'Brien's too.",
  // Tax ids as written.
  "Social security number: 987-65-4326, EIN 12-3456789, due 2026-01-15.",
  // Compass points and numbered streets are part of the address.
  "Hedge trimming at 5296 13th Street. Carpet cleaning at 19709 E 5th Street, then 12 NW Oak Road and 7 O'Brien Pine.",
  // International numbers, which the SQL twin finds by their + / 00 / trunk-0 shape.
  "Ring +44 20 7946 0958 or 030 9018 2731; Paris 06 12 34 56 78.",
  // German, French and Canadian streets as the demo platform writes them.
  "Baustellenfoto Emil-Nolde-Str. 196, Karl-Jaspers-Str. 22; Oderstr. 131 und Alte Ziegelei 76. Marienburger Str. 220, An der Schmitten 100, Am Rosenhügel 197a, Nauener Str. 74b, Gerichtsstr. 38c, Albert-Zarthe-Weg 16, Hauptstraße 12, Lindenstrasse 3.",
  "Chantier au 179 bis Allée de Seine, puis 12 rue de la Paix et 3 place d'Italie; 8 quai des Orfèvres. Montréal: 1234 Rue Sherbrooke Ouest.",
  // A number the card pass takes with the minutes after it, then a street-shaped "30 Minuten":
  // no later pass rewrites part of an earlier one's masked value.
  "Katja bittet um Anruf unter 0176 35106361 30 Minuten vor Ankunft, sonst +49 175 5599073.",
  // IBANs as written, grouped and compact.
  "Lastschrift von DE89 3704 0044 0532 0130 00, Rückbuchung auf FR7616606466685631494373509.",
  // Names spelled beyond ASCII are whole words; a capital before an umlaut is no name ("Türen").
  "Termin mit Jürgen Müller und Élodie Öztürk. Türen geschlossen halten, Müllers Hund.",
];
const STREETS_DE = [
  "Emil-Nolde-Str. 196",
  "Karl-Jaspers-Str. 22",
  "Oderstr. 131",
  "Alte Ziegelei 76",
  "Marienburger Str. 220",
  "An der Schmitten 100",
  "Am Rosenhügel 197a",
  "Nauener Str. 74b",
  "Gerichtsstr. 38c",
  "Albert-Zarthe-Weg 16",
  "Hauptstraße 12",
  "Lindenstrasse 3",
];
const STREETS_FR = [
  "179 bis Allée de Seine",
  "12 rue de la Paix",
  "3 place d'Italie",
  "8 quai des Orfèvres",
  "1234 Rue Sherbrooke Ouest",
];

describe("masking strategies (Node)", () => {
  it("are deterministic under the key and change with it", () => {
    for (const e of EMAILS) {
      expect(substituteEmail(key, e)).toBe(substituteEmail(key, e));
      expect(substituteEmail(key, e)).not.toBe(substituteEmail(otherKey, e));
    }
    expect(scrub(key, TEXTS[0] ?? "", names)).toBe(scrub(key, TEXTS[0] ?? "", names));
  });

  it("substitute keeps the format: emails stay unique emails, phones keep country and layout", () => {
    const masked = EMAILS.map((e) => substituteEmail(key, e));
    for (const m of masked) {
      expect(m).toMatch(/^[a-z]+\.[a-z]+\.[0-9a-f]{8}@example\.(com|net|org)$/);
    }
    expect(new Set(masked).size).toBe(EMAILS.length);
    expect(substituteEmail(key, " AbbeyWaters@Comcast.net")).toBe(masked[0]);
    const phone = substitutePhone(key, "(630) 687-8290");
    expect(phone).toMatch(/^\([0-9]{3}\) [0-9]{3}-[0-9]{4}$/);
    expect(phone).not.toBe("(630) 687-8290");
    expect(substitutePhone(key, "+44 20 7946 0958")).toMatch(/^\+44 [0-9]{2} [0-9]{4} [0-9]{4}$/);
    // The same national number masks to the same digits with or without its country code.
    expect(substitutePhone(key, "+1 630 687 8290").slice(3).replace(/ /g, "")).toBe(
      phone.replace(/[^0-9]/g, ""),
    );
  });

  it("substitute names word by word, so a full name matches its first and last name columns", () => {
    const full = substituteName(key, "Abbey Waters");
    const first = substituteName(key, "Abbey", "first");
    const last = substituteName(key, "Waters", "last");
    expect(full).toBe(`${first} ${last}`);
    expect(full).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
    expect(substituteName(key, "WATERS", "last")).toBe(last.toUpperCase());
    expect(substituteAddress(key, "16283 Liberty Street")).toMatch(
      /^[1-9][0-9]{4} [A-Z][a-z]+ Street$/,
    );
    expect(substituteAddress(key, "Schaumburg, IL 60677")).toMatch(/^[A-Z][a-z]+, IL [0-9]{5}$/);
    expect(substituteIp(key, "108.212.84.171")).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });

  it("tokenize is format-preserving and round-trips only with the key", () => {
    for (const card of CARDS) {
      const token = tokenizeDigits(key, card);
      expect(token.length).toBe(card.length);
      expect(token.replace(/[0-9]/g, "d")).toBe(card.replace(/[0-9]/g, "d"));
      expect(detokenizeDigits(key, token)).toBe(card);
    }
    expect(tokenizeDigits(key, "4242424242424242")).not.toBe("4242424242424242");
    expect(detokenizeDigits(otherKey, tokenizeDigits(key, "4242424242424242"))).not.toBe(
      "4242424242424242",
    );
    // A bijection: 3-digit strings all map to distinct tokens.
    const all = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));
    expect(new Set(all.map((d) => tokenizeDigits(key, d))).size).toBe(1000);
  });

  it("date_shift moves every date of one entity by the same number of days", () => {
    const days = dateShiftDays(key, "customer-1");
    expect(Math.abs(days)).toBeLessThanOrEqual(30);
    const a = dateShift(key, "2025-01-10", "customer-1");
    const b = dateShift(key, "2025-03-01", "customer-1");
    const diff = (s: string, t: string) => (Date.parse(s) - Date.parse(t)) / 86_400_000;
    expect(diff(a, "2025-01-10")).toBe(days);
    expect(diff(b, "2025-03-01")).toBe(days);
    const shifted = dateShift(key, new Date("2025-01-10T12:00:00Z"), "customer-1");
    expect(shifted.getTime() - Date.parse("2025-01-10T12:00:00Z")).toBe(days * 86_400_000);
    const offsets = new Set(Array.from({ length: 50 }, (_, i) => dateShiftDays(key, `c${i}`)));
    expect(offsets.size).toBeGreaterThan(10);
  });

  it("scramble, hash, partial, encrypt, noise behave as documented", () => {
    expect(scramble(key, "AB-12 cd")).toMatch(/^[A-Z]{2}-[0-9]{2} [a-z]{2}$/);
    expect(hashValue(key, "secret")).toMatch(/^[0-9a-f]{64}$/);
    expect(partial("4242424242424242")).toBe("************4242");
    const enc = encryptValue(key, "4242424242424242");
    expect(enc).toBe(encryptValue(key, "4242424242424242"));
    expect(decryptValue(key, enc)).toBe("4242424242424242");
    const n = noise(key, 100, 0.1);
    expect(n).toBeGreaterThanOrEqual(90);
    expect(n).toBeLessThanOrEqual(110);
    expect(noise(key, 100)).toBe(n);
  });

  it("scrub replaces the entities of free text with their columns' substitutes and keeps the rest", () => {
    const text = TEXTS[0] ?? "";
    const out = scrub(key, text, names);
    for (const real of ["Abbey", "Waters", "(630) 687-8290", "16283 Liberty", "abbeywaters@"]) {
      expect(out).not.toContain(real);
    }
    expect(out).toContain(substituteEmail(key, "abbeywaters@comcast.net"));
    expect(out).toContain(substituteName(key, "Abbey Waters"));
    expect(out).toContain(substitutePhone(key, "(630) 687-8290"));
    expect(out).toContain("is asking about electrical work at");
    const second = scrub(key, TEXTS[1] ?? "", names);
    expect(second).toContain(substituteEmail(key, "jimbob@x.com"));
    expect(second).not.toContain("4242 4242");
    expect(scrub(key, TEXTS[2] ?? "", names)).toBe(TEXTS[2]);
    const named = scrub(key, TEXTS[3] ?? "", {
      first: new Set(["d'angelo"]),
      last: new Set(["mccullough", "o'brien"]),
    });
    for (const real of ["D'angelo", "McCullough", "O'Brien"]) {
      expect(named).not.toContain(real);
    }
    expect(named).toMatch(/^Voicemail from \S+ \S+: \S+'s van is blue, \S+'s too\.$/);
    const ids = scrub(key, TEXTS[4] ?? "", names);
    expect(ids).not.toContain("987-65-4326");
    expect(ids).not.toContain("12-3456789");
    expect(ids).toMatch(
      /^Social security number: \d{3}-\d{2}-\d{4}, EIN \d{2}-\d{7}, due 2026-01-15\.$/,
    );
    for (const [text, real] of [
      [TEXTS[7] ?? "", STREETS_DE],
      [TEXTS[8] ?? "", STREETS_FR],
    ] as const) {
      const out = scrub(key, text, names);
      for (const street of real) {
        expect(street.match(new RegExp(SCRUB_PATTERNS.street))?.[0]).toBe(street);
        expect(out).not.toContain(street);
        // The name is gone, not only the number.
        expect(out).not.toContain(street.replace(/ ?[0-9]+[a-z]?( bis)?/, ""));
      }
    }
    const streets = scrub(key, TEXTS[5] ?? "", names);
    for (const real of ["5296 13th Street", "19709 E 5th Street", "12 NW Oak Road", "7 O'Brien"]) {
      expect(streets).not.toContain(real);
    }
    expect(streets).toMatch(
      /^Hedge trimming at \d+ \d+th Street\. Carpet cleaning at \d+ E \d+th Street, then \d+ NW \w+ Road and \d+ \w+'\w+ \w+\.$/,
    );
  });

  it("scrub replaces a name only as a whole word, as /\\bName\\b/ would", () => {
    const text = "Ann met Anna, Ann's dog, JoAnn, Ann_x, 3Ann and ann; Ann.";
    const fake = substituteNameWord(key, "Ann", "first");
    expect(scrub(key, text, { first: new Set(["ann"]), last: new Set() })).toBe(
      text.replace(/\bAnn\b/g, fake),
    );
    expect(fake).not.toBe("Ann");
  });
});

describe("JSON documents", () => {
  it("mask leaf by leaf by path, scrub the rest, and keep every other number exactly as written", () => {
    const text = `{"name": "Abbey Waters", "email": "abbeywaters@comcast.net", "id": 12345678901234567890, "total": 12.50, "addresses": [{"line1": "16283 Liberty Street", "zip": "60613", "n": 3}], "notes": "call (630) 687-8290", "calls": [{"from": "(630) 687-8290"}, {"from": "abbeywaters@comcast.net"}], "ok": true, "none": null}`;
    const rules = {
      name: { s: "substitute", c: "person_name" },
      email: { s: "substitute", c: "email" },
      "addresses[].line1": { s: "substitute", c: "postal_address" },
      "calls[].from": { s: "substitute", c: "phone" },
      total: { s: "noise", p: { bound: 0.1 } },
      "*": { s: "scrub" },
    } as const;
    const out = maskJsonText(key, text, rules, names);
    const masked = JSON.parse(out);
    expect(masked.name).toBe(substituteName(key, "Abbey Waters"));
    expect(masked.email).toBe(substituteEmail(key, "abbeywaters@comcast.net"));
    expect(masked.addresses[0].line1).not.toContain("Liberty");
    expect(masked.notes).toBe(`call ${substitutePhone(key, "(630) 687-8290")}`);
    // A path of mixed values: the email under a phone rule is scrubbed, not passed through.
    expect(masked.calls[1].from).toBe(substituteEmail(key, "abbeywaters@comcast.net"));
    expect(out).toContain('"id": 12345678901234567890');
    expect(out).toMatch(/"total": \d+\.\d\d,/);
    expect(out).toContain('"n": 3}');
    expect(out).toContain('"ok": true, "none": null');
    // Everything but the masked leaves is the source's text as written.
    expect(out.replace(/"(?:[^"\\]|\\.)*"|-?[0-9][0-9.]*/g, "_")).toBe(
      text.replace(/"(?:[^"\\]|\\.)*"|-?[0-9][0-9.]*/g, "_"),
    );
    expect(rewriteJsonLeaves(text, () => undefined)).toBe(text);
    expect(() => rewriteJsonLeaves('{"a": 1,}', () => undefined)).toThrow(SyntaxError);
    expect(() => rewriteJsonLeaves('{"a": 1} x', () => undefined)).toThrow(SyntaxError);
  });

  it("give keys named like an object's members the document's rule, not the member", () => {
    const text = `{"toString": "call (630) 687-8290", "__proto__": "abbeywaters@comcast.net", "constructor": {"valueOf": "(630) 687-8290"}}`;
    const masked = JSON.parse(maskJsonText(key, text, { "*": { s: "scrub" } }, names));
    const phone = substitutePhone(key, "(630) 687-8290");
    expect(masked.toString).toBe(`call ${phone}`);
    expect(Object.getOwnPropertyDescriptor(masked, "__proto__")?.value).toBe(
      substituteEmail(key, "abbeywaters@comcast.net"),
    );
    expect(masked.constructor.valueOf).toBe(phone);
  });
});

describe("masking strategies in SQL", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase("mask_strategies");
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("compute the very same values as the Node strategies", async () => {
    await t.owner.connection().execute(async (db) => {
      await sql.raw(maskingFunctionsSql(key)).execute(db);
      await sql`INSERT INTO pg_temp.gm_first_names SELECT unnest(${[...names.first]}::text[])`.execute(
        db,
      );
      await sql`INSERT INTO pg_temp.gm_last_names SELECT unnest(${[...names.last]}::text[])`.execute(
        db,
      );
      const one = async (expr: string): Promise<unknown> => {
        const r = await sql<{ m: unknown }>`SELECT ${sql.raw(expr)} AS m`.execute(db);
        return r.rows[0]?.m;
      };
      const q = (v: string) => `'${v.replace(/'/g, "''")}'`;
      const text = (fn: string) => async (v: string) => one(`pg_temp.${fn}(${q(v)})`);
      for (const e of EMAILS) {
        expect(await text("gm_email")(e)).toBe(substituteEmail(key, e));
      }
      for (const p of PHONES) {
        expect(await text("gm_phone")(p)).toBe(substitutePhone(key, p));
      }
      for (const c of CARDS) {
        expect(await text("gm_tokenize")(c)).toBe(tokenizeDigits(key, c));
        expect(
          await one(`pg_temp.gm_feistel('${tokenizeDigits(key, c).replace(/[^0-9]/g, "")}', true)`),
        ).toBe(c.replace(/[^0-9]/g, ""));
      }
      for (const n of NAMES) {
        expect(await one(`pg_temp.gm_name('${n.replace(/'/g, "''")}', 'full')`)).toBe(
          substituteName(key, n),
        );
        expect(await one(`pg_temp.gm_name('${n.replace(/'/g, "''")}', 'last')`)).toBe(
          substituteName(key, n, "last"),
        );
      }
      for (const a of ADDRESSES) {
        expect(await text("gm_address")(a)).toBe(substituteAddress(key, a));
      }
      for (const s of ["AB-12 cd", "x".repeat(70), "Zürich 8001"]) {
        expect(await text("gm_scramble")(s)).toBe(scramble(key, s));
        expect(await text("gm_hash")(s)).toBe(hashValue(key, s));
        expect(await text("gm_encrypt")(s)).toBe(encryptValue(key, s));
      }
      expect(await text("gm_ip")("108.212.84.171")).toBe(substituteIp(key, "108.212.84.171"));
      expect(await one("pg_temp.gm_partial('4242424242424242', 4)")).toBe("************4242");
      expect(await one("pg_temp.gm_shift_days('customer-1', 30)")).toBe(
        dateShiftDays(key, "customer-1"),
      );
      expect(Number(await one("pg_temp.gm_noise(869.50, 0.1)"))).toBeCloseTo(
        noise(key, "869.50", 0.1),
        6,
      );
      for (const s of TEXTS) {
        expect(await text("gm_scrub")(s)).toBe(scrub(key, s, names));
      }
    });
  });
});

describe("HMAC-SHA256 in JavaScript", () => {
  it("equals node:crypto's for every message length and for non-ASCII text", async () => {
    const { createHmac, randomBytes } = await import("node:crypto");
    const { HmacSha256 } = await import("../masking/strategies/hmac-sha256.ts");
    const secret = randomBytes(32);
    const ours = new HmacSha256(secret);
    for (let n = 0; n < 200; n++) {
      for (const message of ["x".repeat(n), `é✓${"ab".repeat(n)}`]) {
        const expected = createHmac("sha256", secret).update(message, "utf8").digest("hex");
        expect(ours.digest(message).toString("hex"), `${n}`).toBe(expected);
      }
    }
  });
});
