import type { CountryCode } from "libphonenumber-js/max";
import type { Category } from "../../schema/domain/classification.ts";
import { ssnRules } from "./detectors/checksums.ts";
import { isEmail } from "./detectors/contact.ts";
import { isApiKeyOrToken, isPasswordHash } from "./detectors/credential.ts";
import { cardBrand, isIban } from "./detectors/financial.ts";
import { isNino, isSinFormatted } from "./detectors/government-id.ts";
import { isIpAddress } from "./detectors/network.ts";
import { COMMON_WORDS, nameSets } from "./detectors/person-name.ts";
import { STREET_FORMS } from "./detectors/street-forms.ts";
import { findPhones } from "./phone-numbers.ts";

/**
 * Personal data embedded in free text: where each entity starts and ends, by category. Masking's
 * `scrub` strategy replaces these spans; retention erasure searches them; the classifier measures
 * the share of values that embed any. Every candidate a pattern finds is validated with the same
 * detectors the column classifier uses (Luhn, SSN rules, libphonenumber...), so prose full of
 * amounts, dates and order numbers does not light up.
 */
export type Entity = { category: Category; start: number; end: number };

const EMAIL = /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}/g;
const DATE_LIKE = /^\d{4}-\d{2}-\d{2}$|^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}$/;
const CARD = /\b\d(?:[ -]?\d){11,18}\b/g;
const SSN = /\b(\d{3})-(\d{2})-(\d{4})\b/g;
const SSN_CONTEXT = /(?:ssn|social security|soc\.? sec|tax ?payer|tin)\b[^\n]{0,30}$/i;
const SIN = /\b\d{3}[- ]\d{3}[- ]\d{3}\b/g;
const NINO = /\b[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/g;
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b/g;
// Not inside a version string (Chrome/116.0.5845.96) or a longer dotted number.
const IPV4 = /(?<![\w./-])(?:\d{1,3}\.){3}\d{1,3}(?![\w.]*\d)/g;
const SECRET =
  /\b(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|gh[pousr]_[A-Za-z0-9]{36,}|(?:AKIA|ASIA)[A-Z0-9]{16}|xox[abposr]-[A-Za-z0-9-]{10,}|AIza[A-Za-z0-9_-]{35}|SG\.[\w-]{16,}\.[\w-]{16,}|eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{16,})|\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}|\$argon2[^\s]{20,}/g;
const PASSWORD_CONTEXT = /\b(?:password|passwd|pwd|passcode|pin)\s*(?:is|:|=)\s*(\S{4,64})/gi;
const DOB_CONTEXT =
  /\b(?:dob|d\.o\.b\.?|date of birth|birth ?date|born(?: on)?|birthday)\s*[:-]?\s*(\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2} [A-Z][a-z]+ \d{4}|[A-Z][a-z]+ \d{1,2},? \d{4})/gi;
const DOCUMENT_CONTEXT =
  /\b(?:passport(?: no\.?| number| #)?|driver'?s? licen[cs]e(?: no\.?| number| #)?|driving licen[cs]e(?: no\.?| number)?|DL|licen[cs]e (?:no\.?|number|#))\s*[:#]?\s*([A-Z0-9][A-Z0-9-]{5,18}\d)/g;

let addressPattern: RegExp | undefined;
function addressRe(): RegExp {
  if (!addressPattern) {
    const suffixes = [
      "Street",
      "St",
      "Avenue",
      "Ave",
      "Road",
      "Rd",
      "Boulevard",
      "Blvd",
      "Lane",
      "Ln",
      "Drive",
      "Dr",
      "Court",
      "Ct",
      "Place",
      "Pl",
      "Way",
      "Terrace",
      "Parkway",
      "Pkwy",
      "Highway",
      "Hwy",
      "Circle",
      "Cir",
      "Square",
      "Trail",
      "Harbors?",
      "Causeway",
      "Summit",
      "Canyon",
      "Hills?",
      "Stream",
      "Station",
      "Village",
      "Common",
      "Pines?",
      "Mills?",
      "Alley",
      "Crossing",
      "Crossroad",
      "Estates?",
      "Extension",
      "Falls?",
      "Ferry",
      "Field",
      "Fields",
      "Forges?",
      "Fork",
      "Fort",
      "Freeway",
      "Gardens?",
      "Gateway",
      "Glens?",
      "Greens?",
      "Groves?",
      "Haven",
      "Heights",
      "Hollow",
      "Islands?",
      "Junction",
      "Keys?",
      "Knolls?",
      "Lakes?",
      "Landing",
      "Light",
      "Loaf",
      "Locks?",
      "Lodge",
      "Loop",
      "Manors?",
      "Meadows?",
      "Mission",
      "Motorway",
      "Mountains?",
      "Neck",
      "Orchard",
      "Oval",
      "Pass",
      "Path",
      "Pike",
      "Plains?",
      "Plaza",
      "Points?",
      "Ports?",
      "Prairie",
      "Radial",
      "Ranch",
      "Rapids?",
      "Rest",
      "Ridges?",
      "River",
      "Route",
      "Row",
      "Run",
      "Shoals?",
      "Shores?",
      "Skyway",
      "Springs?",
      "Spurs?",
      "Stravenue",
      "Streets",
      "Throughway",
      "Trace",
      "Track",
      "Tunnel",
      "Turnpike",
      "Underpass",
      "Unions?",
      "Valleys?",
      "Viaduct",
      "Views?",
      "Villes?",
      "Vista",
      "Walks?",
      "Wells?",
      "Burgs?",
      "Bypass",
      "Camp",
      "Cape",
      "Centers?",
      "Cliffs?",
      "Club",
      "Commons",
      "Corners?",
      "Course",
      "Courts",
      "Coves?",
      "Creek",
      "Crescent",
      "Crest",
      "Curve",
      "Dale",
      "Dam",
      "Divide",
      "Drives",
      "Expressway",
      "Flats?",
      "Fords?",
      "Forest",
      "Garden",
      "Grove",
      "Harbor",
      "Inlet",
      "Isle",
      "Knoll",
      "Mall",
      "Manor",
      "Mews",
      "Mill",
      "Mount",
      "Overpass",
      "Park",
      "Parks",
      "Parkways",
      "Plain",
      "Point",
      "Port",
      "Ramp",
      "Ridge",
      "Shoal",
      "Spring",
      "Squares?",
      "Summit",
      "Vale",
      "Via",
    ].join("|");
    addressPattern = new RegExp(
      `\\b\\d{1,6}[A-Z]? (?:[NSEW]\\.? )?(?:[A-Z][a-z]+\\.? ){1,3}(?:${suffixes})\\b\\.?(?:,? (?:Apt|Suite|Unit|#)\\.? ?[A-Za-z0-9-]+)?(?:,? [A-Z][a-z]+(?: [A-Z][a-z]+)?,? [A-Z]{2} \\d{5}(?:-\\d{4})?)?` +
        // German and French/Canadian streets as scrub finds them ("Emil-Nolde-Str. 196",
        // "Am Rosenhügel 197a", "179 bis Allée de Seine").
        `|(?<![A-Za-zÀ-ÖØ-öø-ÿ0-9])(?:${[STREET_FORMS.french, ...STREET_FORMS.german].join("|")})` +
        `|\\b[Pp]\\.? ?[Oo]\\.? [Bb]ox \\d{1,6}`,
      "g",
    );
  }
  addressPattern.lastIndex = 0;
  return addressPattern;
}

const NAME_SPAN =
  /\b[\p{Lu}][\p{Ll}'’]{2,}(?:-[\p{Lu}][\p{Ll}]+)?(?:\s[\p{Lu}][\p{Ll}'’]+(?:-[\p{Lu}][\p{Ll}]+)?)?/gu;

const PLACE_PREFIX =
  /(?:^|\s)(?:North|East|West|South|New|Lake|Port|Fort|Mount|Mt\.?|Saint|St\.?|San|Santa|Los|Las|El|La|Le|Bad|Sankt)\s$/;

/** First names as they appear in prose: a known first name that is not a common English word. */
function personSpans(text: string, out: Entity[]): void {
  const { first, last } = nameSets();
  NAME_SPAN.lastIndex = 0;
  for (let m = NAME_SPAN.exec(text); m !== null; m = NAME_SPAN.exec(text)) {
    const span = m[0];
    // "Port Joannie", "Lake Lucasview", "San Jose": places named after people are places.
    if (PLACE_PREFIX.test(text.slice(Math.max(0, m.index - 7), m.index))) {
      continue;
    }
    const space = span.search(/\s/);
    const head = (space > 0 ? span.slice(0, space) : span).replace(/['’]s?$/, "").toLowerCase();
    if (!first.has(head) || COMMON_WORDS.has(head)) {
      // "Lebsack, Clyde" and lone surnames are left to the full-name case below.
      if (space > 0) {
        const tail = span
          .slice(space + 1)
          .replace(/['’]s?$/, "")
          .toLowerCase();
        if (last.has(head) && first.has(tail) && !COMMON_WORDS.has(tail)) {
          out.push({ category: "person_name", start: m.index, end: m.index + span.length });
        }
      }
      continue;
    }
    let end = m.index + span.length;
    if (space > 0) {
      const tail = span
        .slice(space + 1)
        .replace(/['’]s?$/, "")
        .toLowerCase();
      if (COMMON_WORDS.has(tail) && !last.has(tail)) {
        end = m.index + space;
      }
    }
    out.push({ category: "person_name", start: m.index, end });
  }
}

function scan(
  re: RegExp,
  text: string,
  fn: (m: RegExpExecArray) => Entity | undefined,
  out: Entity[],
): void {
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const e = fn(m);
    if (e) {
      out.push(e);
    }
  }
}

const at = (category: Category, m: RegExpExecArray): Entity => ({
  category,
  start: m.index,
  end: m.index + m[0].length,
});

/** Group span of a capture group (its start found inside the whole match). */
const group = (category: Category, m: RegExpExecArray, g: number): Entity => {
  const value = m[g] as string;
  const start = m.index + m[0].lastIndexOf(value);
  return { category, start, end: start + value.length };
};

export type FindOptions = {
  /** Also report person names (first names known to faker's lists). Default true. */
  names?: boolean;
  /** The country national phone numbers are tried in first (the tenant's). */
  country?: CountryCode;
};

/**
 * Every entity found in `text`, sorted by start, overlaps resolved in favour of the earlier and
 * then the longer span (an email's digits are not also a phone number).
 */
export function findEntities(text: string, options: FindOptions = {}): Entity[] {
  if (text.length < 3) {
    return [];
  }
  const found: Entity[] = [];
  const hasAt = text.includes("@");
  let digits = 0;
  for (let i = 0; i < text.length && digits < 6; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      digits++;
    }
  }
  if (hasAt) {
    scan(EMAIL, text, (m) => (isEmail(m[0]) ? at("email", m) : undefined), found);
  }
  if (
    text.includes("$") ||
    text.includes("_") ||
    text.includes("eyJ") ||
    /AKIA|ASIA|xox|AIza|SG\./.test(text)
  ) {
    scan(
      SECRET,
      text,
      (m) =>
        isApiKeyOrToken(m[0]) || isPasswordHash(m[0]) || m[0].startsWith("eyJ")
          ? at("credential", m)
          : undefined,
      found,
    );
  }
  scan(PASSWORD_CONTEXT, text, (m) => group("credential", m, 1), found);
  if (digits >= 4) {
    scan(
      SSN,
      text,
      (m) => {
        const ok =
          ssnRules(m[1] as string, m[2] as string, m[3] as string) ||
          SSN_CONTEXT.test(text.slice(Math.max(0, m.index - 40), m.index));
        return ok ? at("government_id", m) : undefined;
      },
      found,
    );
    scan(
      SIN,
      text,
      (m) =>
        isSinFormatted(m[0]) && /\bSIN\b|social insurance/i.test(text)
          ? at("government_id", m)
          : undefined,
      found,
    );
    scan(NINO, text, (m) => (isNino(m[0]) ? at("government_id", m) : undefined), found);
    scan(DOCUMENT_CONTEXT, text, (m) => group("government_id", m, 1), found);
    scan(DOB_CONTEXT, text, (m) => group("date_of_birth", m, 1), found);
    scan(IBAN, text, (m) => (isIban(m[0]) ? at("bank_account", m) : undefined), found);
    scan(
      CARD,
      text,
      (m) => (cardBrand(m[0].replace(/[ -]/g, "")) ? at("payment_card", m) : undefined),
      found,
    );
    scan(IPV4, text, (m) => (isIpAddress(m[0]) ? at("ip_address", m) : undefined), found);
    // Phones in every served country's layout, validated by libphonenumber (phone-numbers.ts).
    for (const p of findPhones(text, options.country)) {
      const raw = p.text;
      const digitCount = raw.replace(/\D/g, "").length;
      // Bare digit runs are ids and order numbers unless they have a phone's length.
      const written = /[\s().+-]/.test(raw);
      if (digitCount < 7 || (!written && (digitCount < 10 || digitCount > 11))) {
        continue;
      }
      if (DATE_LIKE.test(raw) || cardBrand(raw.replace(/[ -]/g, ""))) {
        continue;
      }
      found.push({ category: "phone", start: p.start, end: p.end });
    }
  }
  if (digits >= 1) {
    // A street needs no more than its house number ("Oderstr. 5", "3 place d'Italie").
    scan(addressRe(), text, (m) => at("postal_address", m), found);
  }
  if (options.names !== false) {
    personSpans(text, found);
  }
  if (found.length < 2) {
    return found;
  }
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Entity[] = [];
  let lastEnd = -1;
  for (const e of found) {
    if (e.start >= lastEnd) {
      out.push(e);
      lastEnd = e.end;
    }
  }
  return out;
}
