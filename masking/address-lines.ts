import type { TablePlan } from "./provision/plan.ts";
import { ident, literal } from "./provision/select.ts";

/**
 * The source's address lines (street and house number) as scrub and the leak scan compare them:
 * a street written in prose is the source's line whatever its shape ("Jüch 12", "Klief 3",
 * "3959 Schuppe Vista"), and whatever way it is spelled there ("Hauptstr. 12", "HAUPTSTRASSE
 * 12", "Haupt-Straße 12"; "16283 Liberty St."; "1234, rue Sherbrooke O."). Both sides cut text
 * into the same normalised words (addressTokens) and compare keys of them: a source line's key
 * (addressLineKeys) and the keys of the word runs that start or end at a house number in the
 * text (eachAddressSpan). The values come from the masking plan as SQL (addressLineQueries),
 * like the people's names of person-names.ts.
 */

/** Spelled-out and abbreviated words that mean the same in an address line. */
const CANONICAL: Record<string, string> = {};
for (const [canonical, words] of Object.entries({
  st: "street st saint",
  str: "strasse str strase",
  ave: "avenue ave av",
  rd: "road rd",
  dr: "drive dr",
  blvd: "boulevard blvd bd boul",
  ln: "lane ln",
  ct: "court ct",
  pl: "place pl platz",
  pkwy: "parkway pkwy",
  hwy: "highway hwy",
  cir: "circle cir",
  sq: "square sq",
  cres: "crescent cres",
  ste: "sainte ste",
  ch: "chemin ch",
  imp: "impasse imp",
  rte: "route rte",
  apt: "apartment appartement apt appt app",
  n: "north nord n",
  s: "south sud s",
  e: "east est e",
  w: "west ouest o w",
  ne: "northeast ne",
  nw: "northwest nw",
  se: "southeast se",
  sw: "southwest sw",
})) {
  for (const w of words.split(" ")) {
    CANONICAL[w] = canonical;
  }
}

/**
 * Street words German glues to the name ("Hauptstraße", "Lindenweg"), which are also written
 * apart or hyphenated ("Haupt Straße", "Linden-Weg"): split off, so every spelling has one key.
 */
const GLUED = [
  "strasse",
  "str",
  "weg",
  "platz",
  "allee",
  "gasse",
  "ring",
  "damm",
  "ufer",
  "chaussee",
  "pfad",
  "steig",
  "stieg",
  "graben",
  "markt",
];

/** Unit and floor words: a segment of only these and numbers ("Apt 4B", "3. OG links") is no street. */
const UNIT_WORDS = new Set([
  "apt",
  "suite",
  "unit",
  "flat",
  "floor",
  "fl",
  "room",
  "rm",
  "bldg",
  "building",
  "whg",
  "wohnung",
  "og",
  "eg",
  "dg",
  "ug",
  "etage",
  "stock",
  "links",
  "rechts",
  "mitte",
  "hinterhaus",
  "vorderhaus",
  "bat",
  "batiment",
  "escalier",
  "esc",
  "porte",
  "box",
  "po",
  "bp",
  "cp",
]);

/** The accents NFD splits off Latin letters (U+0300-U+036F). */
const COMBINING_MARKS = /[\u0300-\u036f]/g;

/** Lower case, ß and umlauts spelled out, other accents dropped: "Müller" is "mueller". */
function plain(word: string): string {
  const lower = word.toLowerCase();
  const spelled = /[ßäöü]/.test(lower)
    ? lower.replace(/ß/g, "ss").replace(/ä/g, "ae").replace(/ö/g, "oe").replace(/ü/g, "ue")
    : lower;
  return /[À-ɏ]/.test(spelled) ? spelled.normalize("NFD").replace(COMBINING_MARKS, "") : spelled;
}

/** "mueller", "muller" (an umlaut typed without its e) and "müller" become one word. */
const fold = (w: string) => (/[aou]e/.test(w) ? w.replace(/([aou])e/g, "$1") : w);

/** The normalised words of one alphabetic token: canonical street words, glued ones split off. */
export function addressWords(token: string): string[] {
  const w = plain(token);
  const canonical = CANONICAL[w];
  if (canonical !== undefined) {
    return [canonical];
  }
  for (const suffix of GLUED) {
    if (w.length >= suffix.length + 3 && w.endsWith(suffix)) {
      const glued = w.slice(0, -suffix.length);
      return [fold(glued), CANONICAL[suffix] ?? fold(suffix)];
    }
  }
  return [fold(w)];
}

/**
 * A token of a text as address lines are compared. Its normalised words are computed when first
 * read: a scan reads only the words next to a house number, and most of a text's words are not.
 */
export class AddressToken {
  private normalised: string[] | undefined;

  constructor(
    /** The text it is in (sliced only when its words are read). */
    private readonly text: string,
    /** Where it is in the text. */
    readonly start: number,
    public end: number,
    /** A house number: digits first ("12", "12a", "5th"), at most six of them. */
    readonly number: boolean,
    /** Whether it holds a letter-only word (not only numbers). */
    readonly alpha: boolean,
    /** Whether the text between it and the previous token lets one line run across it. */
    readonly joined: boolean,
  ) {}

  /** Its normalised words (one, or two when a glued street word was split off). */
  get words(): string[] {
    this.normalised ??= wordsOf(this.text.slice(this.start, this.end), this.alpha);
    return this.normalised;
  }

  set words(words: string[]) {
    this.normalised = words;
  }
}

/** Letters of the Latin scripts served (ASCII, Latin-1, Latin Extended-A/B) and digits. */
function isAlnum(c: number): boolean {
  return (
    (c >= 48 && c <= 57) ||
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    (c >= 0xc0 && c <= 0x24f && c !== 0xd7 && c !== 0xf7)
  );
}

/** Whether the text between two tokens lets one line run across it: 1-3 of ` .,-/'’`. */
function joins(text: string, from: number, to: number): boolean {
  if (to - from < 1 || to - from > 3) {
    return false;
  }
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 46 && c !== 44 && c !== 45 && c !== 47 && c !== 39 && c !== 0x2019) {
      return false;
    }
  }
  return true;
}

/** Normalised words of recent tokens: the scan reads the same words over and over. */
const WORDS_SEEN = new Map<string, string[]>();

function wordsOf(raw: string, alpha: boolean): string[] {
  let words = WORDS_SEEN.get(raw);
  if (words === undefined) {
    words = alpha ? addressWords(raw) : [plain(raw)];
    if (WORDS_SEEN.size >= 50_000) {
      WORDS_SEEN.clear();
    }
    WORDS_SEEN.set(raw, words);
  }
  return words;
}

/** What comes before a number that is part of a token: a letter or digit, then - or / or nothing. */
const GLUED_NUMBER = /[A-Za-z0-9][-/]?$/;

/**
 * Whether the number at `index` of `text` is glued into a token ("INV-1488", "Q/1488", "A1488"):
 * a reference, no house number. One rule for the leak scan's streets (candidates.ts) and for
 * address lines on both sides: at 4 x 25,000 "INV-26613 - Main line" met the line "26613 Main".
 */
export function gluedNumber(text: string, index: number): boolean {
  return index > 0 && GLUED_NUMBER.test(text.slice(Math.max(0, index - 2), index));
}

/**
 * The text's tokens as address lines are compared: runs of letters and digits, normalised, a
 * single letter after a house number joined to it ("12 a" is "12a").
 */
export function addressTokens(text: string): AddressToken[] {
  const out: AddressToken[] = [];
  const n = text.length;
  let i = 0;
  let previousEnd = -1;
  while (i < n) {
    let c = text.charCodeAt(i);
    if (!isAlnum(c)) {
      i++;
      continue;
    }
    const start = i;
    let digits = 0;
    let leading = 0;
    while (i < n && isAlnum(c)) {
      if (c >= 48 && c <= 57) {
        digits++;
        if (leading === i - start) {
          leading++;
        }
      }
      c = text.charCodeAt(++i);
    }
    const joined = previousEnd >= 0 && joins(text, previousEnd, start);
    previousEnd = i;
    const last = out[out.length - 1];
    if (
      last?.number &&
      i - start === 1 &&
      digits === 0 &&
      (start === last.end || (start === last.end + 1 && text.charCodeAt(last.end) === 32))
    ) {
      last.words = [`${last.words[0]}${plain(text.charAt(start))}`];
      last.end = i;
      continue;
    }
    const alpha = digits === 0;
    out.push(
      new AddressToken(
        text,
        start,
        i,
        // Digits first, at most six of them ("12", "12a", "5th"; not a long number), not glued
        // into a reference ("INV-26613").
        leading > 0 && leading <= 6 && !gluedNumber(text, start),
        alpha,
        joined,
      ),
    );
  }
  return out;
}

/** What a line's key is hashed after in the leak scan: no other identifier starts with it. */
export const LINE_PREFIX = "line:";

/** The most tokens an address line is compared over. */
export const MAX_LINE_TOKENS = 8;

const keyOf = (tokens: AddressToken[]) => tokens.flatMap((t) => t.words).join(" ");

const isUnit = (t: AddressToken) => t.alpha && t.words.every((w) => UNIT_WORDS.has(w));

/**
 * The keys of the address line a source value holds (none when it holds none): the first
 * comma- or line-separated part with a house number and a word that is no unit word (a postal
 * address's street comes before its postcode and town; "Apt 4, 123 Main St" skips the unit),
 * a number alone joined to the part after it ("1234, rue Sherbrooke"). Also without a unit
 * written after the street ("16283 Liberty Street Apt 4" is "16283 Liberty Street" too), and
 * from the number on where words come before it ("Unit 4 - 123 Main St").
 */
export function addressLineKeys(value: string): string[] {
  const parts = value.split(/[\r\n;|,]+/);
  for (let p = 0; p < parts.length; p++) {
    let tokens = addressTokens(parts[p] ?? "");
    if (tokens.length > 0 && tokens.every((t) => t.number || t.words[0] === "bis")) {
      tokens = [...tokens, ...addressTokens(parts[p + 1] ?? "")];
      p++;
    }
    if (!tokens.some((t) => t.number) || !tokens.some((t) => t.alpha && !isUnit(t))) {
      continue;
    }
    const keys = new Set<string>();
    // A line as the scan reads one (eachAddressSpan): its number at one end, a word next to it.
    const add = (run: AddressToken[]) => {
      const n = run.length;
      if (
        n >= 2 &&
        n <= MAX_LINE_TOKENS &&
        ((run[0]?.number && run[1]?.alpha) || (run[n - 1]?.number && run[n - 2]?.alpha)) &&
        run.some((t) => t.alpha && !isUnit(t))
      ) {
        keys.add(keyOf(run));
      }
    };
    add(tokens);
    const unit = tokens.findIndex((t, i) => i > 1 && isUnit(t));
    if (unit > 0) {
      add(tokens.slice(0, unit));
    }
    const from = tokens.findLastIndex((t, i) => t.number && tokens[i + 1]?.alpha);
    if (from > 0) {
      add(tokens.slice(from));
    }
    return [...keys];
  }
  return [];
}

/** A house number next to a word, as a line's tokens stand (the gap `joins` allows). */
const NUMBER_BY_WORD =
  /[0-9][A-Za-zÀ-ɏ]{0,2}[ .,'’/-]{1,3}[A-Za-zÀ-ɏ]|[A-Za-zÀ-ɏ][ .,'’/-]{1,3}[0-9]/;
/** A number before an ordinal ("12 5th"): a street's shape without a word next to its number. */
const NUMBER_BY_ORDINAL = /[0-9] [0-9]+(?:st|nd|rd|th)/;

/**
 * Whether `text` may hold a street or an address line: a number next to a word (or an
 * ordinal). Every street shape (STREET_FORMS, the leak scan's STREET) and every span
 * eachAddressSpan looks up has one; most values with digits (amounts, dates, ids, JSON numbers,
 * phone numbers) do not, and skip the costly patterns.
 */
export function mayHoldStreet(text: string): boolean {
  return NUMBER_BY_WORD.test(text) || NUMBER_BY_ORDINAL.test(text);
}

const spelled = (t: AddressToken) =>
  t.words.length === 1 ? (t.words[0] as string) : t.words.join(" ");

/**
 * The two words at the house number's end of every run a key can be read from (lineEnds): its
 * first two words and its last two. A run eachAddressSpan reads keeps these two words however
 * far it grows (the number and the word next to it).
 */
export function lineEnds(key: string): [string, string] {
  const words = key.split(" ");
  return [words.slice(0, 2).join(" "), words.slice(-2).join(" ")];
}

/**
 * Hands `visit` the key of every run of tokens that starts or ends at a house number and could
 * be an address line (2 to MAX_LINE_TOKENS tokens, one a word, no break between them), with where
 * it is, until `visit` returns true; says whether it did. The leak scan looks each key up among
 * the source's lines, scrub its own dictionary. With `ends` (whether some key has these two
 * words at its number's end, lineEnds), a number whose first step is no such end is not read
 * further: no longer run from it can be a key. Most numbers in prose (a time, an amount, a
 * reference) stop there.
 */
export function eachAddressSpan(
  text: string,
  visit: (key: string, start: number, end: number) => boolean,
  ends?: (twoWords: string) => boolean,
): boolean {
  // Most values with digits (amounts, dates, ids, JSON numbers) have no word next to a number.
  if (!NUMBER_BY_WORD.test(text)) {
    return false;
  }
  const tokens = addressTokens(text);
  for (let i = 0; i < tokens.length; i++) {
    const anchor = tokens[i] as AddressToken;
    if (!anchor.number) {
      continue;
    }
    // A number's line has a word next to it (phone groups, dates and amounts do not): only
    // runs that start with the number and its word are looked up.
    // Number first: "12 rue de la Paix", "16283 Liberty Street".
    let key = spelled(anchor);
    const next = tokens[i + 1];
    let alpha = false;
    const first =
      next?.alpha && next.joined && (!ends || ends(`${key} ${next.words[0] as string}`));
    for (let j = i + 1; first && j < tokens.length && j - i < MAX_LINE_TOKENS; j++) {
      const t = tokens[j] as AddressToken;
      if (!t.joined) {
        break;
      }
      key += ` ${spelled(t)}`;
      alpha ||= t.alpha;
      if (alpha && visit(key, anchor.start, t.end)) {
        return true;
      }
    }
    // Number last: "Hauptstraße 12", "Am Rosenhügel 197a".
    key = spelled(anchor);
    alpha = false;
    const before = tokens[i - 1];
    const last =
      before?.alpha &&
      anchor.joined &&
      (!ends || ends(`${before.words[before.words.length - 1] as string} ${key}`));
    for (let j = i - 1; last && j >= 0 && i - j < MAX_LINE_TOKENS; j--) {
      const t = tokens[j] as AddressToken;
      if (!(tokens[j + 1] as AddressToken).joined) {
        break;
      }
      key = `${spelled(t)} ${key}`;
      alpha ||= t.alpha;
      if (alpha && visit(key, t.start, anchor.end)) {
        return true;
      }
    }
  }
  return false;
}

// ---- where the source holds address lines -------------------------------------------------

/** Column and JSON key names that hold a street line, whatever the catalog calls them. */
const STREET_NAME =
  /^(?:street|street_?address|street_?line_?1?|street_?name|address_?line_?1|addr_?line_?1|line_?1|address1|strasse|straße|rue)$/i;
/** The keys a JSON address object keeps its street line under. */
const STREET_KEYS = [
  "street",
  "Street",
  "street_name",
  "streetName",
  "street_address",
  "streetAddress",
  "line1",
  "line_1",
  "address_line1",
  "address_line_1",
  "addressLine1",
  "address1",
  "strasse",
  "straße",
  "rue",
];
/** Names of a house number kept apart from its street. */
const NUMBER_NAMES = [
  "house_number",
  "houseNumber",
  "street_number",
  "streetNumber",
  "number",
  "nr",
  "hausnummer",
  "building_number",
  "civic_number",
  "numero",
];
const NUMBER_NAME = new RegExp(`^(?:${NUMBER_NAMES.join("|")})$`, "i");

/** `addresses[].street` → `$."addresses"[*]."street"` (as identifiers.ts writes JSON paths). */
function jsonPath(parts: string[]): string {
  let out = "$";
  for (const part of parts) {
    const m = /^(.*?)((?:\[\])*)$/.exec(part);
    const key = m?.[1] ?? part;
    if (key !== "") {
      out += `."${key.replace(/["\\]/g, "\\$&")}"`;
    }
    out += "[*]".repeat((m?.[2]?.length ?? 0) / 2);
  }
  return out;
}

/**
 * SELECTs (one text `v` each) of the values of a table that hold its address lines: address
 * columns and arrays, `street`/`line1` columns whatever their category, JSON paths of addresses
 * or named like a street (in arrays too), and a street kept apart from its house number — in
 * two columns or two keys of one object — joined both ways ("Hauptstraße 12", "12 Hauptstraße").
 */
export function addressLineQueries(table: TablePlan, schema: string): string[] {
  const from = `${ident(schema)}.${ident(table.table)} t`;
  const out: string[] = [];
  const numberColumn = table.columns.find(
    (c) => NUMBER_NAME.test(c.column) && c.typeCategory !== "A" && c.udt !== "jsonb",
  );
  for (const c of table.columns) {
    const col = `t.${ident(c.column)}`;
    if (c.udt === "jsonb" || c.udt === "json") {
      // Paths of whole addresses or street lines, in arrays too.
      for (const p of c.paths) {
        const parts = p.path.split(".").filter(Boolean);
        const leaf = (parts[parts.length - 1] ?? "").replace(/\[\]$/, "");
        if (p.category === "postal_address" || STREET_NAME.test(leaf)) {
          out.push(
            `SELECT j #>> '{}' FROM ${from}, LATERAL jsonb_path_query(${col}::jsonb, ${literal(`lax ${jsonPath(parts)}`)}) j WHERE jsonb_typeof(j) = 'string'`,
          );
        }
      }
      // Address parts at any depth, whatever the catalog found of the document's paths: an
      // object's street (`street`, `line1`) alone and joined to its house number both ways.
      const address =
        c.category === "postal_address" || /addr|location|street|anschrift|adresse/i.test(c.column);
      if (address) {
        const street = `coalesce(${STREET_KEYS.map((k) => `o ->> ${literal(k)}`).join(", ")})`;
        const number = `coalesce(${NUMBER_NAMES.map((k) => `o ->> ${literal(k)}`).join(", ")})`;
        out.push(
          `SELECT x FROM ${from}, LATERAL jsonb_path_query(${col}::jsonb, 'lax $.**') o,
             LATERAL (VALUES (${street}), (${street} || ' ' || ${number}), (${number} || ' ' || ${street})) v(x)
           WHERE jsonb_typeof(o) = 'object'`,
        );
      }
      continue;
    }
    const holds = c.category === "postal_address" || STREET_NAME.test(c.column);
    if (!holds) {
      continue;
    }
    if (c.typeCategory === "A" && c.elementCategory === "S") {
      out.push(`SELECT x FROM ${from}, unnest(${col}::text[]) x`);
    } else if (c.typeCategory === "S") {
      out.push(`SELECT ${col}::text FROM ${from}`);
      if (numberColumn && STREET_NAME.test(c.column)) {
        const number = `t.${ident(numberColumn.column)}::text`;
        out.push(
          `SELECT ${col}::text || ' ' || ${number} FROM ${from}`,
          `SELECT ${number} || ' ' || ${col}::text FROM ${from}`,
        );
      }
    }
  }
  return out;
}

/** One SELECT of every value of the plan's tables that holds an address line (`v`). */
export function addressLineValuesSql(plan: TablePlan[], schema: string): string {
  const queries = plan.flatMap((t) => addressLineQueries(t, schema));
  return queries.length ? queries.join(" UNION ALL ") : "SELECT NULL::text";
}
