import * as faker from "@faker-js/faker";
import type { ValueDetector } from "./types.ts";

/**
 * Postal addresses: a street line (house number and a street word, in either order, in the
 * languages the platform meets) or a P.O. box, alone or followed by city and postal code. A city,
 * state, country or postal code alone is not an address: it does not locate a person.
 */

const EXTRA_STREET_WORDS =
  "st ave av rd blvd ln dr ct pl pkwy hwy cir ter sq apt suite ste unit fl floor " +
  "straße strasse str weg allee platz gasse ring damm ufer chaussee " +
  "rue avenue boulevard bd chemin place impasse quai allée cours route " +
  "via viale piazza corso vicolo calle avenida av plaza paseo carrer camino carretera " +
  "rua travessa praça alameda straat laan plein gracht kade singel ulica ul aleja " +
  "vej gade vägen gatan väg gata tie katu";

let streetWords: Set<string> | undefined;

/** Street words of every faker locale (single words only) plus common abbreviations. */
function words(): Set<string> {
  if (!streetWords) {
    const set = new Set(EXTRA_STREET_WORDS.split(" "));
    for (const [key, locale] of Object.entries(faker)) {
      if (!/^[a-z]{2}(_[A-Z]{2})?$/.test(key) || !locale || typeof locale !== "object") {
        continue;
      }
      const location = (locale as { location?: Record<string, unknown> }).location;
      for (const list of [location?.street_suffix, location?.street_prefix]) {
        if (Array.isArray(list)) {
          for (const w of list) {
            if (typeof w === "string" && !w.includes(" ")) {
              set.add(w.toLowerCase().replace(/\.$/, ""));
            }
          }
        }
      }
    }
    streetWords = set;
  }
  return streetWords;
}

const TOKEN = /[\p{L}]+\.?/gu;
const HOUSE_NUMBER = /(?:^|[\s,])\d{1,6}[A-Za-z]?(?:[-/]\d{1,4}[A-Za-z]?)?(?=$|[\s,])/;
const PO_BOX = /\b(?:p\.?\s?o\.?\s?box|postfach|boîte postale|apartado)\s*\d+/i;
// "Hauptstraße", "Emil-Nolde-Str." (the abbreviation ends in a dot, so no \b after it),
// "Eichenkamp", "Am Rosenhof": German street names end in these words glued to the name.
const GLUED_STREET =
  /\p{L}{3,}-?(?:(?:straße|strasse|weg|gasse|allee|platz|damm|ring|ufer|kamp|pfad|stieg|steig|chaussee|promenade|vägen|gatan|gade|vej)\b|str\.)/iu;
// German streets named by a place, led by a preposition and article: "Am Kiesberg 124",
// "Im Bergischen Heim 135", "An der Alster 12", "Zur Mühle 3". The number must end the line.
const GERMAN_LEADING =
  /^(?:Am|Im|Zum|Zur|An der|An den|An dem|Auf der|Auf dem|Auf den|In der|In den|Unter den|Hinter der|Hinter dem|Vor dem|Alte|Alter|Altes) \p{Lu}[\p{L}.-]*(?: [\p{L}.-]+){0,3} \d{1,4}[a-z]?(?=$|,)/u;

const STARTS_WITH_NUMBER = /^\d{1,6}[A-Za-z]?(?:[-/]\d{1,4}[A-Za-z]?)?,?\s+\p{L}/u;
const ENDS_WITH_NUMBER = /\s\d{1,5}[A-Za-z]?(?:[-/]\d{1,4}[A-Za-z]?)?(?=$|[,\n])/;

/**
 * A street line or a full address: it starts with the house number ("12 Market Street",
 * "12 rue de la Paix") or with the street ("Hauptstraße 12", "Calle Mayor 3, Madrid"), and holds a
 * street word. Prose that merely mentions an address does not start that way.
 */
export function isStreetAddress(value: string): boolean {
  if (value.length < 6 || value.length > 160) {
    return false;
  }
  if (PO_BOX.test(value) && value.search(PO_BOX) === 0) {
    return true;
  }
  if (!HOUSE_NUMBER.test(value)) {
    return false;
  }
  const leading = STARTS_WITH_NUMBER.test(value);
  if (!leading && !ENDS_WITH_NUMBER.test(value.split(/[,\n]/)[0] ?? "")) {
    return false;
  }
  if (GLUED_STREET.test(value) || GERMAN_LEADING.test(value)) {
    return true;
  }
  const set = words();
  let index = 0;
  // A street named before its number ("Calle Mayor 3, Madrid") holds its street word in the
  // street line: a later part ("Version 4, Spring Edition") is not that street.
  const line = leading ? value : (value.split(/[,\n]/)[0] ?? "");
  for (const m of line.matchAll(TOKEN)) {
    const w = m[0].toLowerCase().replace(/\.$/, "");
    index++;
    // The street word follows a name ("Market Street") or leads it ("rue de la Paix").
    if (set.has(w) && (leading || index <= 2) && /\p{L}{2,}/u.test(line.replace(m[0], ""))) {
      return true;
    }
  }
  return false;
}

// A street line followed by a postal code and a town, as continental Europe writes addresses:
// "Unter den Linden 77, 10117 Berlin", "Kurze Gasse 3a, 1010 Wien", "12 Grand-Rue, 75001 Paris",
// "Via Roma 12, 00184 Roma". The line and the code-and-town shape say address without a street
// word the lists know.
const STREET_THEN_NUMBER =
  /^\p{L}[\p{L}\p{M}'’. -]{2,60}? \d{1,5}[a-zA-Z]?(?:[-/]\d{1,4}[a-zA-Z]?)?$/u;
const NUMBER_THEN_STREET = /^\d{1,5}[a-zA-Z]?(?:bis|ter)?,? \p{L}[\p{L}\p{M}'’. -]{2,60}$/u;
const POSTCODE_TOWN =
  /^(?:[A-Z]{1,2}-)?\d{4,5} \p{Lu}[\p{L}\p{M}'’. -]{1,40}(?: (?:CEDEX|Cedex)(?: \d{1,2})?)?$/u;

export function isEuropeanAddress(value: string): boolean {
  if (value.length < 12 || value.length > 160) {
    return false;
  }
  // Cheap refusals first: an address of this shape has a separator and a 4-5 digit code.
  if ((!value.includes(",") && !value.includes("\n")) || !/\d{4}/.test(value)) {
    return false;
  }
  const parts = value.split(/\s*[,\n]\s*/);
  if (parts.length < 2 || parts.length > 4) {
    return false;
  }
  const street = parts[0] as string;
  const town = parts[parts.length - 1] as string;
  const code = POSTCODE_TOWN.test(town)
    ? town
    : parts.length > 2
      ? (parts[parts.length - 2] as string)
      : "";
  // A 4-digit code that reads as a recent year ("Version 4, 2021 Edition") is not a postcode.
  if (/^(?:19[5-9]\d|20[0-3]\d) /.test(code)) {
    return false;
  }
  return (
    (STREET_THEN_NUMBER.test(street) || NUMBER_THEN_STREET.test(street)) &&
    POSTCODE_TOWN.test(code) &&
    /\p{L}{3}/u.test(street)
  );
}

export const ADDRESS_DETECTORS: ValueDetector[] = [
  { id: "address.street", category: "postal_address", strength: "weak", test: isStreetAddress },
  {
    id: "address.european",
    category: "postal_address",
    strength: "weak",
    test: isEuropeanAddress,
  },
];
