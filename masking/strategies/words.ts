/**
 * Building blocks for realistic fakes: names and place words assembled from syllables. Built, not
 * drawn from a list of real names, so a masked name practically never equals a real person's
 * name (which the leak scan would rightly report). Mirrored exactly by the SQL functions.
 */

export const FIRST_SYLLABLES = [
  "ka",
  "lo",
  "mi",
  "ra",
  "ve",
  "no",
  "sa",
  "li",
  "da",
  "re",
  "ta",
  "mo",
  "be",
  "ni",
  "co",
  "la",
  "ri",
  "sel",
  "ma",
  "jo",
  "ne",
  "vi",
  "ar",
  "el",
  "den",
  "lia",
  "ro",
  "fe",
  "ga",
  "ly",
  "tho",
  "wen",
] as const;

export const LAST_SYLLABLES = [
  "bar",
  "dal",
  "ven",
  "tor",
  "mar",
  "kes",
  "lin",
  "row",
  "ham",
  "sten",
  "ber",
  "gan",
  "mor",
  "ley",
  "wick",
  "ton",
  "vas",
  "rel",
  "dor",
  "fen",
  "mon",
  "grim",
  "hal",
  "ster",
  "nor",
  "cal",
  "bri",
  "ford",
  "quin",
  "sor",
  "lan",
  "dun",
] as const;

export const ENDINGS = ["n", "r", "s", "l", "th", "x", "k", "m"] as const;

/** Street types, unit words and directions kept as they are inside addresses (lower case). */
export const ADDRESS_KEEP = [
  "street",
  "st",
  "avenue",
  "ave",
  "road",
  "rd",
  "lane",
  "ln",
  "drive",
  "dr",
  "boulevard",
  "blvd",
  "court",
  "ct",
  "way",
  "place",
  "pl",
  "terrace",
  "circle",
  "parkway",
  "pkwy",
  "highway",
  "hwy",
  "square",
  "trail",
  "apt",
  "suite",
  "ste",
  "unit",
  "floor",
  "po",
  "box",
  "north",
  "south",
  "east",
  "west",
  "n",
  "s",
  "e",
  "w",
  // Ordinal suffixes of numbered streets ("5th"; "st" and "rd" are above): the number is
  // substituted, the suffix kept.
  "nd",
  "th",
  "ne",
  "nw",
  "se",
  "sw",
] as const;

export const EMAIL_DOMAINS = ["example.com", "example.net", "example.org"] as const;

/** One word from 6 bytes of `h` starting at `offset`: 2–3 syllables and maybe an ending. */
export function syllableWord(h: Buffer, offset: number, syllables: readonly string[]): string {
  const count = 2 + (byteAt(h, offset) % 2);
  let word = "";
  for (let i = 0; i < count; i++) {
    word += syllables[byteAt(h, offset + 1 + i) % 32];
  }
  if (byteAt(h, offset + 4) % 2 === 1) {
    word += ENDINGS[byteAt(h, offset + 5) % 8];
  }
  return capitalize(word);
}

// A module-level function, not a closure per call: the loader names every closure it makes
// (keepNames), which cost more than the word itself.
function byteAt(h: Buffer, i: number): number {
  return h[i] ?? 0;
}

export function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** Gives `out` the letter case of `token`: ALL CAPS, all lower, or Capitalized. */
export function keepCase(token: string, out: string): string {
  if (token.length > 1 && token === token.toUpperCase() && token !== token.toLowerCase()) {
    return out.toUpperCase();
  }
  if (token === token.toLowerCase()) {
    return out.toLowerCase();
  }
  return out;
}
