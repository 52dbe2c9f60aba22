import { describe, expect, it } from "vitest";
import { candidates, hash64, leaks } from "../masking/leak-scan/candidates.ts";
import { HashSet64 } from "../masking/leak-scan/hash-set.ts";
import {
  identifierOf,
  imageForms,
  imageOf,
  namesPerson,
} from "../masking/leak-scan/identifiers.ts";
import { LeakCheck, TableScan } from "../masking/leak-scan/table-scan.ts";
import { tokenizeDigits } from "../masking/strategies/fpe.ts";
import { jsonTextLeaves } from "../masking/strategies/json-text.ts";
import { substitutePhone } from "../masking/strategies/strategies.ts";
import { encodeBinaryCopy } from "./support/binary-copy.ts";

const key = Buffer.alloc(32, 7);
const all = (text: string, heads: string[] = []) => [...candidates(text, new Set(heads))];

describe("leak scan candidates", () => {
  it("cut a text into the forms identifiers take", () => {
    const text =
      "Met Ann Lee at 19709 E 5th Street. Mail ann.lee@Example.com or call (630) 687-8290.";
    const got = all(text, ["ann"]);
    // Prose is no identifier as a whole; a single long token (a token, an IP) is.
    expect(all("Met Ann Lee at noon", ["ann"])).not.toContain("met ann lee at noon");
    expect(all("sk_live_4eC39HqLyjWDarjtT1zdp7dc")).toContain("sk_live_4ec39hqlyjwdarjtt1zdp7dc");
    expect(got).toContain("ann.lee@example.com");
    expect(got).toContain("6306878290");
    expect(got).toContain("19709 e 5th street");
    expect(got).toContain("19709 e");
    expect(got).toContain("ann lee");
    // Word pairs only where the first word starts a person-name identifier.
    expect(got).not.toContain("met ann");
    expect(got).not.toContain("lee at");
    // Only words written with one space between them pair up.
    expect(all("Spencer, Swift and Weimann", ["spencer"])).not.toContain("spencer swift");
  });

  it("take tax ids as written as one number, and dates as none", () => {
    expect(all("SSN 123-45-6789 on file")).toContain("123456789");
    expect(all("due 2026-01-15 10:30")).not.toContain("2026011510");
  });

  it("keep the last ten digits of long numbers (a phone with its country code)", () => {
    expect(all("call +1 630 687 8290 today")).toEqual(
      expect.arrayContaining(["16306878290", "6306878290"]),
    );
  });

  it("find an identifier by its keyed hash, and nothing else", () => {
    const set = new HashSet64(4);
    for (const id of ["ann lee", "6306878290", "19709 e 5th street"]) {
      set.add(...hash64(key, id));
    }
    const heads = new Set(["ann"]);
    expect(leaks(key, "Spoke with Ann Lee today", set, heads)).toBe(true);
    expect(leaks(key, "Call 630.687.8290", set, heads)).toBe(true);
    expect(leaks(key, "Gate at 19709 E 5th Street, back", set, heads)).toBe(true);
    expect(leaks(key, "Ann called about 19709 E 4th Street", set, heads)).toBe(false);
    // An unmasked German street in a caption is found; another house number is not it.
    const street = identifierOf("Emil-Nolde-Str. 196, 10115 Berlin", "postal_address") ?? "";
    expect(street).toBe("emil-nolde-str. 196");
    set.add(...hash64(key, street));
    expect(leaks(key, "Baustellenfoto Emil-Nolde-Str. 196, Nordseite", set, heads)).toBe(true);
    expect(leaks(key, "Baustellenfoto Emil-Nolde-Str. 169, Nordseite", set, heads)).toBe(false);
    // A real value that is also the masked image of another is the copy's own: not a leak.
    const images = new HashSet64(4);
    images.add(...hash64(key, "6306878290"));
    expect(leaks(key, "Call 630.687.8290", set, heads, images)).toBe(false);
    // A digit run inside a token is no phone, nor is one inside a UUID, in JSON or a URL.
    expect(leaks(key, "req_a6306878290b", set, heads)).toBe(false);
    const uuid = "3f2a9c1d-7b4e-4a1c-9d2e-556306878290";
    expect(leaks(key, `{"payment_id": "${uuid}"}`, set, heads)).toBe(false);
    expect(leaks(key, uuid, set, heads)).toBe(false);
    expect(leaks(key, `https://files.example.com/${uuid}/photo.jpg`, set, heads)).toBe(false);
    // The phone next to it still counts.
    expect(leaks(key, `${uuid} call 630.687.8290`, set, heads)).toBe(true);
    // Another key: the same text, different hashes.
    expect(leaks(Buffer.alloc(32, 8), "Spoke with Ann Lee today", set, heads)).toBe(false);
  });
});

describe("leak scan of a table's stream", () => {
  it("counts every row that leaks, however often its value repeats, and every value checked", () => {
    const set = new HashSet64(4);
    set.add(...hash64(key, "6306878290"));
    const check = new LeakCheck(key, set, new Set(), new HashSet64(4));
    // Past the memory's trial: a status that repeats, a leaking text and document that repeat.
    const rows: (string | null)[][] = [];
    for (let i = 0; i < 6000; i++) {
      rows.push([
        "paid",
        i % 3 === 0 ? "call 630.687.8290" : `note ${i}`,
        i % 2 === 0 ? '{"a": "x", "b": {"tel": "630-687-8290"}, "c": 1}' : null,
      ]);
    }
    const scan = new TableScan(["text", "text", "json"], check, true);
    const stream = encodeBinaryCopy(rows);
    for (let i = 0; i < stream.length; i += 4096) {
      scan.push(stream.subarray(i, i + 4096));
    }
    const result = scan.end();
    expect(result.hits).toEqual([0, 2000, 3000]);
    // Each JSON value stops at its leaking leaf, the second of its three.
    expect(result.values).toBe(6000 + 6000 + 3000 * 2);
    expect(result.leaked.length).toBe(5000);
    expect(result.leaked[0]).toEqual([1, "call 630.687.8290", false]);
    expect(result.leaked[1]).toEqual([2, "630-687-8290", false]);
  });
});

describe("leak scan JSON leaves", () => {
  it("are every string and every number as written", () => {
    const text =
      '{"card": 4111111111111111111, "n": 12.50, "a": ["x", {"b\\u0022": "y\\n"}], "t": true}';
    expect(jsonTextLeaves(text)).toEqual(["4111111111111111111", "12.50", "x", "y\n"]);
    expect(() => jsonTextLeaves('{"a": 1,}')).toThrow(SyntaxError);
  });
});

describe("HashSet64", () => {
  it("holds what was added across growth and nothing else", () => {
    const set = new HashSet64(2);
    for (let i = 0; i < 50_000; i++) {
      set.add(i * 7919, i);
      set.add(i * 7919, i);
    }
    expect(set.size).toBe(50_000);
    for (let i = 0; i < 50_000; i += 97) {
      expect(set.has(i * 7919, i)).toBe(true);
      expect(set.has(i * 7919 + 1, i)).toBe(false);
    }
  });
});

describe("leak scan source identifiers", () => {
  it("take the identifying form of each category, as candidates cut it from text", () => {
    expect(identifierOf(" Ann.Lee@Example.com ", "email")).toBe("ann.lee@example.com");
    // An email is one whatever its path's category says.
    expect(identifierOf("ann@example.com", "phone")).toBe("ann@example.com");
    expect(identifierOf("+1 (630) 687-8290", "phone")).toBe("6306878290");
    expect(identifierOf("12345", "phone")).toBeUndefined();
    expect(identifierOf("4111 1111 1111 1111", "payment_card")).toBe("4111111111111111");
    expect(identifierOf("Unit 4, 19709 E 5th Street, Skokie", "postal_address")).toBe(
      "19709 e 5th street",
    );
    expect(identifierOf("Mary Ann Smith", "person_name")).toBe("ann smith");
    expect(identifierOf("Ann", "person_name")).toBeUndefined();
    expect(identifierOf("  10.1.2.3 ", "ip_address")).toBe("10.1.2.3");
    expect(identifierOf("60613", "none")).toBeUndefined();
    // The same forms the target side cuts out of text.
    const pairs: [string, string, string][] = [
      ["Mail ann.lee@example.com", "ann.lee@example.com", "email"],
      ["call (630) 687-8290", "(630) 687-8290", "phone"],
      ["at 19709 E 5th Street", "19709 E 5th Street", "postal_address"],
      // German, French and Canadian streets, inside text and as address columns hold them.
      [
        "Baustellenfoto Emil-Nolde-Str. 196, Eingang hinten",
        "Emil-Nolde-Str. 196, 10115 Berlin",
        "postal_address",
      ],
      ["Lieferung an Karl-Jaspers-Str. 22.", "Karl-Jaspers-Str. 22", "postal_address"],
      ["Termin: Marienburger Str. 220", "Marienburger Str. 220", "postal_address"],
      ["Wir sind jetzt Am Rosenhügel 197a", "Am Rosenhügel 197a", "postal_address"],
      ["Gerichtsstr. 38c (Hinterhof)", "Gerichtsstr. 38c", "postal_address"],
      ["Alte Ziegelei 76, 2. OG", "Alte Ziegelei 76", "postal_address"],
      ["chantier au 179 bis Allée de Seine, Paris", "179 bis Allée de Seine", "postal_address"],
      ["au 12 rue de la Paix Jean attend", "12 rue de la Paix", "postal_address"],
      ["1234 Rue Sherbrooke Ouest, Montréal", "1234 Rue Sherbrooke Ouest", "postal_address"],
    ];
    for (const [text, value, category] of pairs) {
      expect(all(text)).toContain(identifierOf(value, category));
    }
  });

  it("count a full name only when it names a person the name columns know", () => {
    const words = { first: new Set(["ann", "jackson"]), last: new Set(["lee", "smith"]) };
    expect(namesPerson("Ann Lee", words)).toBe(true);
    expect(namesPerson("Jackson Family Medicine", words)).toBe(false);
    expect(namesPerson("Ann Lee LLC", words)).toBe(false);
    expect(namesPerson("ann lee", words)).toBe(false);
    expect(namesPerson("Bob Lee", words)).toBe(false);
    expect(namesPerson("Bob Lee", { first: new Set(), last: new Set() })).toBe(true);
  });

  it("know the masked image of a format-preserving identifier, as provisioning masks it", () => {
    const maskKey = Buffer.alloc(32, 3);
    expect(imageOf(maskKey, "(630) 687-8290", "phone")).toBe(
      substitutePhone(maskKey, "(630) 687-8290"),
    );
    expect(imageOf(maskKey, "4111111111111111", "payment_card")).toBe(
      tokenizeDigits(maskKey, "4111111111111111"),
    );
    // A street of kept words keeps them: only its number is masked.
    const street = imageOf(maskKey, "4711 North Avenue", "postal_address");
    expect(street).toMatch(/^\d{4} North Avenue$/);
    expect(imageOf(maskKey, "ann@example.com", "phone")).toBeUndefined();
    expect(imageOf(maskKey, "Ann Lee", "person_name")).toBeUndefined();
  });

  it("cut an image into every form the target side looks up", () => {
    // A masked account number's last ten digits are a phone's shape.
    expect(imageForms("046782075638", "bank_account")).toEqual(
      expect.arrayContaining(["046782075638", "6782075638"]),
    );
    expect(imageForms("1829 North Avenue", "postal_address")).toEqual(
      expect.arrayContaining(["1829 north avenue", "1829 north"]),
    );
    expect(imageForms("(418) 093-5512", "phone")).toContain("4180935512");
  });
});
