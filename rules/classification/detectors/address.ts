import { en } from "@faker-js/faker";
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

function words(): Set<string> {
  if (!streetWords) {
    streetWords = new Set(
      [...(en.location?.street_suffix ?? []), ...EXTRA_STREET_WORDS.split(" ")].map((w) =>
        w.toLowerCase(),
      ),
    );
  }
  return streetWords;
}

const TOKEN = /[\p{L}]+\.?/gu;
const HOUSE_NUMBER = /(?:^|[\s,])\d{1,6}[A-Za-z]?(?:[-/]\d{1,4}[A-Za-z]?)?(?=$|[\s,])/;
const PO_BOX = /\b(?:p\.?\s?o\.?\s?box|postfach|boîte postale|apartado)\s*\d+/i;
const GLUED_STREET =
  /\p{L}{3,}(?:straße|strasse|str\.|weg|gasse|allee|platz|vägen|gatan|gade|vej)\b/iu;

/** A street line or a full address with a house number and a street word. */
export function isStreetAddress(value: string): boolean {
  if (value.length < 6 || value.length > 200) {
    return false;
  }
  if (PO_BOX.test(value)) {
    return true;
  }
  if (!HOUSE_NUMBER.test(value)) {
    return false;
  }
  if (GLUED_STREET.test(value)) {
    return true;
  }
  const set = words();
  let letters = 0;
  for (const m of value.matchAll(TOKEN)) {
    const w = m[0].toLowerCase().replace(/\.$/, "");
    letters++;
    // The street word follows a name ("Market Street") or leads it ("rue de la Paix").
    if (letters >= 1 && set.has(w) && /\p{L}{2,}/u.test(value.replace(m[0], ""))) {
      return true;
    }
  }
  return false;
}

export const ADDRESS_DETECTORS: ValueDetector[] = [
  { id: "address.street", category: "postal_address", strength: "weak", test: isStreetAddress },
];
