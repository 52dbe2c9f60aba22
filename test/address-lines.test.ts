import { fakerDE } from "@faker-js/faker";
import { describe, expect, it } from "vitest";
import { AddressLineSet, lineEndHash } from "../masking/address-line-set.ts";
import { addressLineKeys, LINE_PREFIX, lineEnds } from "../masking/address-lines.ts";
import { candidates, eachCandidate } from "../masking/leak-scan/candidates.ts";
import { HashSet64 } from "../masking/leak-scan/hash-set.ts";
import { maskingKey } from "../masking/strategies/key.ts";
import { SCRUB_PATTERNS, scrub } from "../masking/strategies/strategies.ts";
import { STREET_FORMS } from "../rules/classification/detectors/street-forms.ts";

/**
 * The source's address lines as scrub and the leak scan find them: one key for every way a
 * line is written, the line cut out of a postal address, and a line found in prose whatever
 * its shape. And the German street forms scrub finds by shape, counted on faker's real names.
 */

const key = maskingKey("address-lines-test").bytes;

/** The single key of a line (a line with a unit after its street has two). */
const keyOf = (line: string) => addressLineKeys(line)[0];

describe("address line keys", () => {
  it("give every spelling of one line the same key", () => {
    const same: string[][] = [
      ["Hauptstraße 12", "Hauptstr. 12", "HAUPTSTRASSE 12", "Haupt-Straße 12", "hauptstrasse 12"],
      ["Müllerstraße 5", "Muellerstrasse 5", "Mullerstr. 5", "Müller Straße 5"],
      ["Emil-Nolde-Str. 196", "Emil Nolde Straße 196", "emil-nolde-strasse 196"],
      ["16283 Liberty Street", "16283 Liberty St.", "16283 LIBERTY ST", "16283 liberty st"],
      ["742 Evergreen Avenue", "742 Evergreen Ave", "742 Evergreen Av."],
      ["12 rue de la Paix", "12, Rue de la Paix", "12 RUE DE LA PAIX"],
      ["1234 Rue Sherbrooke Ouest", "1234, rue Sherbrooke O.", "1234 rue sherbrooke ouest"],
      ["8 Allée de Seine", "8 allee de seine", "8 Allée-de-Seine"],
      ["3202 A Street", "3202 a st"],
      ["Am Rosenhügel 197a", "Am Rosenhuegel 197 a", "am rosenhügel 197A"],
    ];
    for (const forms of same) {
      const keys = forms.map(keyOf);
      expect(keys[0]).toBeDefined();
      expect(new Set(keys).size, forms.join(" | ")).toBe(1);
    }
    expect(keyOf("Hauptstraße 12")).not.toBe(keyOf("Hauptstraße 13"));
    expect(keyOf("Hauptstraße 12")).not.toBe(keyOf("Nebenstraße 12"));
    expect(keyOf("12 bis rue de la Paix")).not.toBe(keyOf("12 rue de la Paix"));
  });

  it("take the street line out of a postal address, without postcode, town or unit", () => {
    expect(addressLineKeys("Hauptstraße 12, 10115 Berlin")).toEqual([keyOf("Hauptstraße 12")]);
    expect(addressLineKeys("Jüch 12\n51371 Leverkusen")).toEqual([keyOf("Jüch 12")]);
    expect(addressLineKeys("16283 Liberty Street Apt 4, Skokie, IL 60613")).toEqual(
      expect.arrayContaining([keyOf("16283 Liberty Street")]),
    );
    expect(addressLineKeys("Apt 4B, 123 Main St, Springfield, IL 62701")).toEqual([
      keyOf("123 Main St"),
    ]);
    expect(addressLineKeys("1234, rue Sherbrooke Ouest, Montréal, QC H3A 1B2")).toEqual([
      keyOf("1234 Rue Sherbrooke Ouest"),
    ]);
    expect(addressLineKeys("Unit 4 - 55 King Street West")).toEqual(
      expect.arrayContaining([keyOf("55 King Street West")]),
    );
    // Unit lines alone, towns and postcodes, and text without a number are no address line.
    for (const none of ["Apt 4B", "3. OG links", "Whg. 12", "Bât. B", "Skokie", "H3A 1B2", ""]) {
      expect(addressLineKeys(none), none).toEqual([]);
    }
  });
});

describe("scrub with the source's address lines", () => {
  const lines = AddressLineSet.empty(key);
  const source = [
    "Jüch 12, 51371 Leverkusen",
    "Klief 3a",
    "3959 Schuppe Vista Apt 36A, Lake Ervin, OH 44130",
    "Flabbenhäuschen 4",
    "Hauptstraße 12",
    "1234, rue Sherbrooke Ouest, Montréal, QC H3A 1B2",
    "77 Chemin du Lac, 06000 Nice",
  ];
  for (const v of source) {
    lines.addValue(v);
  }
  const names = { first: new Set<string>(), last: new Set<string>(), lines };

  it("replaces a source line in prose whatever its shape and spelling, and nothing else", () => {
    const texts: [string, string[]][] = [
      ["Lieferung an Jüch 12, bitte klingeln.", ["Jüch 12", "Jüch"]],
      ["Schlüssel liegt bei KLIEF 3 A im Briefkasten.", ["KLIEF 3 A", "KLIEF"]],
      ["Site photo at 3959 schuppe vista, gate code 4411.", ["3959 schuppe vista", "schuppe"]],
      ["Termin Flabbenhaeuschen 4 um 9 Uhr.", ["Flabbenhaeuschen 4"]],
      ["Wohnt jetzt in der Hauptstrasse 12.", ["Hauptstrasse 12"]],
      ["Rendez-vous au 1234 rue Sherbrooke O. demain.", ["1234 rue Sherbrooke O", "Sherbrooke"]],
      ["Chantier 77, chemin du Lac.", ["77, chemin du Lac", "Lac"]],
    ];
    for (const [text, gone] of texts) {
      const out = scrub(key, text, names);
      for (const g of gone) {
        expect(out, text).not.toContain(g);
      }
      // The text around the line is kept.
      expect(out.slice(0, 6)).toBe(text.slice(0, 6));
    }
    // Streets the source does not hold, of shapes scrub does not know, stay as written; so do
    // prose numbers next to words.
    for (const text of [
      "Lieferung an Lippe 7, bitte klingeln.",
      "Kapitel 12 und Seite 3 lesen.",
      "Jüch 13 ist nebenan.",
      "Klief 4 ist nebenan.",
    ]) {
      expect(scrub(key, text, names)).toBe(text);
    }
  });

  it("scrubs with the dictionary inside JSON text leaves as in prose", async () => {
    const { maskJsonText } = await import("../masking/strategies/strategies.ts");
    const out = maskJsonText(
      key,
      '{"note": "Ersatzteil an Jüch 12 geliefert", "n": 3}',
      { note: { s: "scrub" } },
      names,
    );
    expect(out).not.toContain("Jüch 12");
    expect(out).toContain('"n": 3');
  });

  it("the leak scan's candidates hold the key of a line written in any spelling", () => {
    for (const [text, line] of [
      ["Lieferung an JUECH 12, bitte", "Jüch 12"],
      ["see 16283 Liberty St. tomorrow", "16283 Liberty Street"],
      ["au 1234, rue Sherbrooke Ouest", "1234 Rue Sherbrooke Ouest"],
    ] as const) {
      expect(candidates(text, new Set())).toContain(LINE_PREFIX + keyOf(line));
    }
  });

  it("the stream scan reads a number as a line only as far as the dictionary's line ends allow, and a line the dictionary lacks is known", () => {
    // The stream scan's reading with the dictionary's ends (stream-scan.ts).
    const read = (text: string) => {
      const out: string[] = [];
      eachCandidate(
        text,
        new Set(),
        (c) => {
          out.push(c);
          return false;
        },
        lines.ends,
      );
      return out.filter((c) => c.startsWith(LINE_PREFIX));
    };
    // Every spelling of a line the dictionary holds is still read, a line it lacks is not.
    for (const [text, line] of [
      ["Lieferung an JUECH 12, bitte", "Jüch 12"],
      ["Site photo at 3959 schuppe vista, gate code 4411.", "3959 Schuppe Vista"],
      ["au 1234, rue Sherbrooke Ouest", "1234 rue Sherbrooke Ouest"],
    ] as const) {
      expect(read(text), text).toContain(LINE_PREFIX + keyOf(line));
    }
    expect(read("Lieferung an Lippe 7, bitte klingeln.")).toEqual([]);
    expect(candidates("Lieferung an Lippe 7, bitte klingeln.", new Set())).toContain(
      LINE_PREFIX + keyOf("Lippe 7"),
    );
    // The source side's ends (identifiers.ts) prove the reading safe only when the dictionary
    // holds every one of them: a line the source gained after the dictionary was read does not.
    const endsOf = (values: string[]) => {
      const out = new HashSet64();
      for (const k of values.flatMap((v) => addressLineKeys(v))) {
        for (const end of lineEnds(k)) {
          out.add(...lineEndHash(key, end));
        }
      }
      return out;
    };
    expect(lines.holdsEnds(endsOf(source))).toBe(true);
    expect(lines.holdsEnds(endsOf(["Hauptstrasse 12", "JUECH 12"]))).toBe(true);
    expect(lines.holdsEnds(endsOf([...source, "Lippe 7"]))).toBe(false);
  });
});

/** Ordinary German prose with numbers after capitalized words: no street among them. */
const GERMAN_PROSE = [
  "Zum günstigen Preis 49 Euro, nur heute.",
  "Herr Busch 12 Jahre Erfahrung, sehr zuverlässig.",
  "Die Hütte 3 km entfernt ist geschlossen.",
  "Im Kapitel 12 steht es anders; Seite 3 lesen.",
  "Gegen Ende 2024 kamen 15 Kunden dazu.",
  "Bitte Rechnung 4711 und Auftrag 815 prüfen.",
  "Im Januar 2025 und am Montag 12 Uhr.",
  "Am Wochenende 2 Termine, im Raum 3.",
  "Schöne Grüße und bis Montag 9 Uhr.",
];

describe("German street forms", () => {
  const whole = new RegExp(`^(?:${SCRUB_PATTERNS.street})$`);
  const german = new RegExp(STREET_FORMS.german.join("|"));

  it("find nearly all of faker's 1,031 German street names, numbered, as one street", () => {
    const streets = fakerDE.rawDefinitions.location?.street_name ?? [];
    expect(streets.length).toBe(1031);
    const missed = streets.filter((s) => !whole.test(`${s} 12`));
    // Single words with no street word at all ("Jüch", "Klief", "Lippe") cannot be told from
    // prose by their shape: the source's address lines find those (the tests above).
    expect(missed.length).toBeLessThanOrEqual(12);
    for (const street of [
      "A.-W.-v.-Hofmann-Str.",
      "Dr.-August-Blank-Str.",
      "Dünnwalder Grenzweg",
      "An der Evgl. Kirche",
      "An St. Remigius",
      "Große Kirchstr.",
      "Gut Reuschenberg",
      "Ober dem Hof",
      "Unter dem Schildchen",
      "Zur alten Fabrik",
      "St. Ingberter Str.",
      "Münsters Gäßchen",
      "Schöne Aussicht",
      "Alt Steinbücheler Weg",
      "Zauberkuhle",
      "Ratherkämp",
    ]) {
      expect(whole.test(`${street} 12`), street).toBe(true);
    }
  });

  it("find no street in ordinary German prose", () => {
    for (const text of GERMAN_PROSE) {
      expect(text.match(german)?.[0], text).toBeUndefined();
    }
  });
});
