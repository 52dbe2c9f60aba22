import { composeIBAN } from "ibantools";
import { PAD2 } from "./copy-text.ts";
import {
  drawNsn,
  type PhoneCountry,
  type PhoneSeed,
  type PhoneTemplate,
  phoneTemplates,
  writePhone,
} from "./phones.ts";
import { cumulative, type Prng, type Weighted } from "./prng.ts";
import { METROS, type Metro } from "./vocabulary.ts";

/**
 * The countries the platform serves and what differs between them: where the businesses are,
 * which language their people write in, how phones, addresses, postcodes, bank details and tax
 * ids look, the currency and the tenant's region. Tenants cycle through COUNTRY_CYCLE, so a seed
 * of N tenants always has the same countries in the same order.
 */

export type CountryCode = "US" | "CA" | "DE" | "FR";
export type Language = "en" | "de" | "fr";

export type Country = {
  code: CountryCode;
  language: Language;
  /** BCP 47 locale of the tenant's settings. */
  locale: string;
  currency: "USD" | "CAD" | "EUR";
  metros: Weighted<Metro>;
  /** Mobile ranges (the metro's area codes give the landlines). */
  mobile: PhoneSeed[];
  /** Share of stored phone numbers written internationally (+49 ...) rather than nationally. */
  internationalShare: number;
  legalForms: string[];
  emailProviders: Weighted<string>;
  tld: string;
};

/**
 * Order of countries over a seed's tenants: the first tenant stays in the US (so one-tenant
 * seeds keep their rows), the EU comes next so that two- and three-tenant seeds, which most tests
 * and the default demo use, meet German and French formats.
 */
export const COUNTRY_CYCLE: CountryCode[] = ["US", "DE", "FR", "CA"];

export function countryOf(tenantIndex: number): CountryCode {
  return COUNTRY_CYCLE[tenantIndex % COUNTRY_CYCLE.length] as CountryCode;
}

// Postcodes by city: full codes, or a prefix the generator completes to the country's length.
// biome-ignore format: one metro per line, like a table
const CA_METROS: Metro[] = [
  { name: "Toronto", state: "ON", cities: ["Toronto", "Mississauga", "Brampton", "Markham", "Vaughan"], areaCodes: ["416", "647", "437", "905"], zip3: "", timezone: "America/Toronto", utcOffset: -5, taxBp: 1300, weight: 10, country: "CA", postcodes: { Toronto: ["M4C", "M4E", "M4L", "M5A", "M5V", "M6G", "M6P", "M2N"], Mississauga: ["L5B", "L5M", "L4Z"], Brampton: ["L6T", "L6Y", "L6P"], Markham: ["L3R", "L3P", "L6C"], Vaughan: ["L4K", "L4L", "L6A"] } },
  { name: "Ottawa", state: "ON", cities: ["Ottawa", "Kanata", "Orléans", "Nepean"], areaCodes: ["613", "343"], zip3: "", timezone: "America/Toronto", utcOffset: -5, taxBp: 1300, weight: 5, country: "CA", postcodes: { Ottawa: ["K1A", "K1N", "K1P", "K1S", "K2P", "K1Y"], Kanata: ["K2K", "K2L", "K2M"], "Orléans": ["K1C", "K1E", "K4A"], Nepean: ["K2G", "K2H", "K2J"] } },
  { name: "Vancouver", state: "BC", cities: ["Vancouver", "Burnaby", "Richmond", "Surrey", "North Vancouver"], areaCodes: ["604", "778", "236"], zip3: "", timezone: "America/Vancouver", utcOffset: -8, taxBp: 1200, weight: 7, country: "CA", postcodes: { Vancouver: ["V5K", "V5L", "V5T", "V6B", "V6K"], Burnaby: ["V5C", "V5H", "V5G"], Richmond: ["V6X", "V6Y", "V7A"], Surrey: ["V3S", "V3T", "V4N"], "North Vancouver": ["V7G", "V7L", "V7M"] } },
  { name: "Calgary", state: "AB", cities: ["Calgary", "Airdrie", "Cochrane", "Okotoks"], areaCodes: ["403", "587", "825"], zip3: "", timezone: "America/Edmonton", utcOffset: -7, taxBp: 500, weight: 5, country: "CA", postcodes: { Calgary: ["T2P", "T2E", "T2N", "T3A", "T3H"], Airdrie: ["T4A", "T4B"], Cochrane: ["T4C"], Okotoks: ["T1S"] } },
  { name: "Halifax", state: "NS", cities: ["Halifax", "Dartmouth", "Bedford"], areaCodes: ["902", "782"], zip3: "", timezone: "America/Halifax", utcOffset: -4, taxBp: 1400, weight: 2, country: "CA", postcodes: { Halifax: ["B3H", "B3J", "B3K", "B3L"], Dartmouth: ["B2W", "B2Y", "B3A"], Bedford: ["B4A"] } },
];

// biome-ignore format: one metro per line, like a table
const DE_METROS: Metro[] = [
  { name: "Berlin", state: "BE", cities: ["Berlin", "Potsdam", "Falkensee", "Bernau bei Berlin"], areaCodes: ["30"], zip3: "", timezone: "Europe/Berlin", utcOffset: 1, taxBp: 1900, weight: 10, country: "DE", postcodes: { Berlin: ["101", "104", "105", "106", "107", "108", "109", "120", "121", "122", "124", "133", "134", "135", "136", "140"], Potsdam: ["144", "145"], Falkensee: ["14612"], "Bernau bei Berlin": ["16321"] } },
  { name: "München", state: "BY", cities: ["München", "Garching bei München", "Unterschleißheim", "Dachau"], areaCodes: ["89", "8131"], zip3: "", timezone: "Europe/Berlin", utcOffset: 1, taxBp: 1900, weight: 8, country: "DE", postcodes: { "München": ["803", "804", "805", "806", "807", "808", "809", "813"], "Garching bei München": ["85748"], "Unterschleißheim": ["85716"], Dachau: ["85221"] } },
  { name: "Hamburg", state: "HH", cities: ["Hamburg", "Norderstedt", "Pinneberg", "Ahrensburg"], areaCodes: ["40", "4101"], zip3: "", timezone: "Europe/Berlin", utcOffset: 1, taxBp: 1900, weight: 7, country: "DE", postcodes: { Hamburg: ["200", "201", "202", "203", "205", "220", "221", "222", "223", "225"], Norderstedt: ["22844", "22846", "22848", "22850", "22851"], Pinneberg: ["25421"], Ahrensburg: ["22926"] } },
  { name: "Köln", state: "NW", cities: ["Köln", "Bergisch Gladbach", "Leverkusen", "Hürth"], areaCodes: ["221", "2202", "214"], zip3: "", timezone: "Europe/Berlin", utcOffset: 1, taxBp: 1900, weight: 6, country: "DE", postcodes: { "Köln": ["506", "507", "508", "509", "510", "511"], "Bergisch Gladbach": ["51427", "51429", "51465", "51467", "51469"], Leverkusen: ["513"], "Hürth": ["50354"] } },
  { name: "Frankfurt", state: "HE", cities: ["Frankfurt am Main", "Offenbach am Main", "Bad Homburg", "Eschborn"], areaCodes: ["69", "6172"], zip3: "", timezone: "Europe/Berlin", utcOffset: 1, taxBp: 1900, weight: 5, country: "DE", postcodes: { "Frankfurt am Main": ["603", "604", "605", "659"], "Offenbach am Main": ["63065", "63067", "63069", "63071", "63075"], "Bad Homburg": ["61348", "61350", "61352"], Eschborn: ["65760"] } },
];

// biome-ignore format: one metro per line, like a table
const FR_METROS: Metro[] = [
  { name: "Paris", state: "IDF", cities: ["Paris", "Boulogne-Billancourt", "Montreuil", "Saint-Denis", "Vincennes"], areaCodes: ["1"], zip3: "", timezone: "Europe/Paris", utcOffset: 1, taxBp: 2000, weight: 12, country: "FR", postcodes: { Paris: Array.from({ length: 20 }, (_, i) => `750${PAD2[i + 1]}`), "Boulogne-Billancourt": ["92100"], Montreuil: ["93100"], "Saint-Denis": ["93200", "93210"], Vincennes: ["94300"] } },
  { name: "Lyon", state: "ARA", cities: ["Lyon", "Villeurbanne", "Vénissieux", "Caluire-et-Cuire"], areaCodes: ["4"], zip3: "", timezone: "Europe/Paris", utcOffset: 1, taxBp: 2000, weight: 6, country: "FR", postcodes: { Lyon: Array.from({ length: 9 }, (_, i) => `6900${i + 1}`), Villeurbanne: ["69100"], "Vénissieux": ["69200"], "Caluire-et-Cuire": ["69300"] } },
  { name: "Marseille", state: "PAC", cities: ["Marseille", "Aix-en-Provence", "Aubagne"], areaCodes: ["4"], zip3: "", timezone: "Europe/Paris", utcOffset: 1, taxBp: 2000, weight: 5, country: "FR", postcodes: { Marseille: Array.from({ length: 16 }, (_, i) => `130${PAD2[i + 1]}`), "Aix-en-Provence": ["13090", "13100", "13290"], Aubagne: ["13400"] } },
  { name: "Toulouse", state: "OCC", cities: ["Toulouse", "Blagnac", "Colomiers", "Balma"], areaCodes: ["5"], zip3: "", timezone: "Europe/Paris", utcOffset: 1, taxBp: 2000, weight: 4, country: "FR", postcodes: { Toulouse: ["31000", "31100", "31200", "31300", "31400", "31500"], Blagnac: ["31700"], Colomiers: ["31770"], Balma: ["31130"] } },
  { name: "Lille", state: "HDF", cities: ["Lille", "Roubaix", "Tourcoing", "Villeneuve-d'Ascq"], areaCodes: ["3"], zip3: "", timezone: "Europe/Paris", utcOffset: 1, taxBp: 2000, weight: 3, country: "FR", postcodes: { Lille: ["59000", "59160", "59260", "59777", "59800"], Roubaix: ["59100"], Tourcoing: ["59200"], "Villeneuve-d'Ascq": ["59491", "59650"] } },
  { name: "Nantes", state: "PDL", cities: ["Nantes", "Saint-Herblain", "Rezé"], areaCodes: ["2"], zip3: "", timezone: "Europe/Paris", utcOffset: 1, taxBp: 2000, weight: 3, country: "FR", postcodes: { Nantes: ["44000", "44100", "44200", "44300"], "Saint-Herblain": ["44800"], "Rezé": ["44400"] } },
];

const byWeight = (metros: Metro[]) => cumulative(metros.map((m) => [m, m.weight] as const));

// biome-ignore format: tables
export const COUNTRIES: Record<CountryCode, Country> = {
  US: { code: "US", language: "en", locale: "en-US", currency: "USD", metros: byWeight(METROS), mobile: [], internationalShare: 0, legalForms: ["LLC", "Inc.", "Co.", "LLC"], emailProviders: cumulative([]), tld: "com" },
  CA: {
    code: "CA", language: "en", locale: "en-CA", currency: "CAD", metros: byWeight(CA_METROS),
    mobile: [], internationalShare: 0.15, legalForms: ["Inc.", "Ltd.", "Corp.", "Inc."],
    emailProviders: cumulative([["gmail.com", 40], ["hotmail.com", 12], ["outlook.com", 10], ["yahoo.ca", 8], ["icloud.com", 8], ["rogers.com", 6], ["shaw.ca", 5], ["sympatico.ca", 4], ["telus.net", 4]]),
    tld: "ca",
  },
  DE: {
    code: "DE", language: "de", locale: "de-DE", currency: "EUR", metros: byWeight(DE_METROS),
    mobile: [{ prefix: "151", length: 11 }, { prefix: "152", length: 11 }, { prefix: "160", length: 10 }, { prefix: "170", length: 10 }, { prefix: "171", length: 10 }, { prefix: "172", length: 10 }, { prefix: "175", length: 10 }, { prefix: "176", length: 11 }, { prefix: "177", length: 11 }, { prefix: "157", length: 11 }, { prefix: "162", length: 10 }],
    internationalShare: 0.3, legalForms: ["GmbH", "GmbH", "e.K.", "GmbH & Co. KG", "UG (haftungsbeschränkt)"],
    emailProviders: cumulative([["gmail.com", 25], ["web.de", 20], ["gmx.de", 18], ["t-online.de", 12], ["gmx.net", 6], ["outlook.de", 6], ["posteo.de", 3], ["freenet.de", 3], ["icloud.com", 5]]),
    tld: "de",
  },
  FR: {
    code: "FR", language: "fr", locale: "fr-FR", currency: "EUR", metros: byWeight(FR_METROS),
    mobile: [{ prefix: "6", length: 9 }, { prefix: "7", length: 9 }],
    internationalShare: 0.25, legalForms: ["SARL", "SAS", "EURL", "SARL", "SASU"],
    emailProviders: cumulative([["gmail.com", 35], ["orange.fr", 16], ["hotmail.fr", 12], ["free.fr", 10], ["sfr.fr", 7], ["laposte.net", 6], ["yahoo.fr", 6], ["wanadoo.fr", 4], ["outlook.fr", 4]]),
    tld: "fr",
  },
};

/** The tenant's hosting region (tenants.region, at most 10 characters). */
export function regionOf(country: CountryCode, metro: Metro): string {
  switch (country) {
    case "US":
      return metro.utcOffset <= -7 ? "us-west" : metro.utcOffset === -6 ? "us-central" : "us-east";
    case "CA":
      return "ca-central";
    case "DE":
      return "eu-central";
    case "FR":
      return "eu-west";
  }
}

// ---------------------------------------------------------------------------------------------
// Phones

export type PhoneBook = {
  country: PhoneCountry;
  landline: Map<string, PhoneTemplate[]>;
  mobile: PhoneTemplate[];
};

const LANDLINE_LENGTH: Record<PhoneCountry, (areaCode: string) => number> = {
  CA: () => 10,
  FR: () => 9,
  // German subscriber numbers fill the national number up to 10 or 11 digits.
  DE: (area) => (area.length >= 4 ? 11 : 10),
};

export function phoneBookFor(code: CountryCode): PhoneBook | undefined {
  if (code === "US") {
    return undefined;
  }
  const country = COUNTRIES[code];
  const landline = new Map<string, PhoneTemplate[]>();
  for (const metro of country.metros.items) {
    for (const area of metro.areaCodes) {
      if (!landline.has(area)) {
        landline.set(
          area,
          phoneTemplates(code, [{ prefix: area, length: LANDLINE_LENGTH[code](area) }]),
        );
      }
    }
  }
  // Canadian mobiles share the area codes of the landlines.
  const mobile = country.mobile.length > 0 ? phoneTemplates(code, country.mobile) : [];
  return { country: code, landline, mobile };
}

/** A drawn number: its national digits and the three ways it is written. */
export type DrawnPhone = { nsn: string; national: string; international: string; variant: string };

export function drawPhone(
  rng: Prng,
  book: PhoneBook,
  metro: Metro,
  mobileShare: number,
): DrawnPhone {
  const templates =
    book.mobile.length > 0 && rng.chance(mobileShare)
      ? book.mobile
      : (book.landline.get(rng.pick(metro.areaCodes)) as PhoneTemplate[]);
  const t = rng.pick(templates);
  let nsn = drawNsn(rng, t);
  // North American N11 exchanges (211, 311 ... 911) are service codes, never a subscriber's.
  while (book.country === "CA" && nsn[4] === "1" && nsn[5] === "1") {
    nsn = drawNsn(rng, t);
  }
  return {
    nsn,
    national: writePhone(book.country, t, nsn, 0),
    international: writePhone(book.country, t, nsn, 1),
    variant: writePhone(book.country, t, nsn, 2),
  };
}

// ---------------------------------------------------------------------------------------------
// Addresses

const CA_LETTERS = "ABCEGHJKLMNPRSTVWXYZ";

export function postcodeFor(rng: Prng, metro: Metro, city: string): string {
  const options = metro.postcodes?.[city];
  if (!options || options.length === 0) {
    return `${metro.zip3}${PAD2[rng.int(1, 99)]}`;
  }
  const head = rng.pick(options);
  if (metro.country === "CA") {
    return `${head} ${rng.int(0, 9)}${CA_LETTERS[rng.int(0, CA_LETTERS.length - 1)]}${rng.int(0, 9)}`;
  }
  return head.length >= 5 ? head : `${head}${rng.digits(5 - head.length)}`;
}

/** House number and street in the country's order: `Hauptstraße 12`, `12 rue de la Paix`. */
export function streetLine(rng: Prng, code: CountryCode, street: string, large: boolean): string {
  switch (code) {
    case "DE":
      return `${street} ${rng.int(1, large ? 240 : 120)}${rng.chance(0.1) ? rng.pick(["a", "b", "c"]) : ""}`;
    case "FR":
      return `${rng.int(1, large ? 180 : 90)}${rng.chance(0.05) ? " bis" : ""} ${street}`;
    case "CA":
      return `${rng.int(10, large ? 9_999 : 4_999)} ${street}`;
    default:
      return `${rng.int(100, large ? 29_999 : 9_899)} ${street}`;
  }
}

/** An apartment or unit line, in the country's words. */
export function unitLine(rng: Prng, code: CountryCode): string {
  switch (code) {
    case "DE":
      return rng.pick([
        `${rng.int(1, 5)}. OG`,
        "Hinterhaus",
        `${rng.int(1, 5)}. OG links`,
        `Whg. ${rng.int(1, 24)}`,
      ]);
    case "FR":
      return rng.pick([
        `Bât. ${rng.pick(["A", "B", "C"])}`,
        `Appt ${rng.int(1, 60)}`,
        `Escalier ${rng.int(1, 4)}, ${rng.int(1, 7)}e étage`,
      ]);
    case "CA":
      return `Unit ${rng.int(1, 40)}${rng.pick(["", "", "A", "B"])}`;
    default:
      return `Apt ${rng.int(1, 40)}${rng.pick(["A", "B", "C", ""])}`;
  }
}

/** The one-line postal address as people write it in that country. */
export function postalAddress(
  code: CountryCode,
  street: string,
  city: string,
  state: string,
  postcode: string,
): string {
  return code === "DE" || code === "FR"
    ? `${street}, ${postcode} ${city}`
    : `${street}, ${city}, ${state} ${postcode}`;
}

// ---------------------------------------------------------------------------------------------
// Money and tax ids

/** An amount in cents as the country writes it with its currency: `$1,234.50`, `1.234,50 €`. */
export function formatMoney(code: CountryCode, cents: number): string {
  const whole = Math.floor(cents / 100);
  const frac = PAD2[cents % 100] as string;
  if (code === "DE" || code === "FR") {
    const sep = code === "DE" ? "." : "\u202f";
    return `${String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, sep)},${frac} €`;
  }
  return `$${String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${frac}`;
}

type Bank = { code: string; bic: string };

// Real bank codes (Bankleitzahl, code banque) with their institutions' BIC (8 characters).
const DE_BANKS: Bank[] = [
  { code: "10040000", bic: "COBADEBB" },
  { code: "10070000", bic: "DEUTDEBB" },
  { code: "10050000", bic: "BELADEBE" },
  { code: "70150000", bic: "SSKMDEMM" },
  { code: "20050550", bic: "HASPDEHH" },
  { code: "37050198", bic: "COLSDE33" },
  { code: "50050201", bic: "HELADEF1" },
  { code: "43060967", bic: "GENODEM1" },
  { code: "12030000", bic: "BYLADEM1" },
];
const FR_BANKS: Bank[] = [
  { code: "30004", bic: "BNPAFRPP" },
  { code: "30003", bic: "SOGEFRPP" },
  { code: "30002", bic: "CRLYFRPP" },
  { code: "20041", bic: "PSSTFRPP" },
  { code: "30066", bic: "CMCIFRPP" },
  { code: "10278", bic: "CMCIFR2A" },
  { code: "16606", bic: "AGRIFRPP" },
];

/** A German or French bank account: IBAN (electronic form, valid mod 97) and BIC. */
export function bankAccount(rng: Prng, code: "DE" | "FR"): { iban: string; bic: string } {
  let bban: string;
  let bank: Bank;
  if (code === "DE") {
    bank = rng.pick(DE_BANKS);
    bban = `${bank.code}${rng.int(1, 9)}${rng.digits(9)}`;
  } else {
    bank = rng.pick(FR_BANKS);
    const branch = rng.digits(5);
    const account = `${rng.int(0, 9)}${rng.digits(10)}`;
    // RIB key: 97 - (89 bank + 15 branch + 3 account) mod 97.
    const sum = 89 * Number(bank.code) + 15 * Number(branch) + 3 * (Number(account) % 97);
    bban = `${bank.code}${branch}${account}${PAD2[97 - (sum % 97)] ?? "97"}`;
  }
  const iban = composeIBAN({ countryCode: code, bban });
  if (!iban) {
    throw new Error(`could not compose an IBAN from ${code} ${bban}`);
  }
  return { iban, bic: bank.bic };
}

/** IBAN in groups of four, as printed on invoices and letters. */
export function printedIban(iban: string): string {
  return iban.replace(/(.{4})(?=.)/g, "$1 ");
}

/** German USt-IdNr: DE + 8 digits + ISO 7064 MOD 11,10 check digit. */
function germanVat(rng: Prng): string {
  const body = `${rng.int(1, 9)}${rng.digits(7)}`;
  let product = 10;
  for (const ch of body) {
    let sum = (Number(ch) + product) % 10;
    if (sum === 0) {
      sum = 10;
    }
    product = (2 * sum) % 11;
  }
  const check = (11 - product) % 10;
  return `DE${body}${check}`;
}

/** Luhn check digit for a digit string. */
function luhnDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) {
        d -= 9;
      }
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** A French SIREN (9 digits, Luhn-valid). */
export function siren(rng: Prng): string {
  const body = `${rng.int(3, 9)}${rng.digits(7)}`;
  return `${body}${luhnDigit(body)}`;
}

/** French TVA intracommunautaire: FR + key + SIREN, key = (12 + 3 × (SIREN mod 97)) mod 97. */
function frenchVat(rng: Prng): string {
  const s = siren(rng);
  return `FR${PAD2[(12 + 3 * (Number(s) % 97)) % 97]}${s}`;
}

/** Canadian GST/HST number: a Luhn-valid business number and the RT0001 program account. */
function canadianGst(rng: Prng): string {
  const body = `${rng.int(1, 8)}${rng.digits(7)}`;
  return `${body}${luhnDigit(body)} RT0001`;
}

/** The business tax id a country's invoices carry: VAT id in the EU, GST/HST number in Canada. */
export function taxIdFor(rng: Prng, code: CountryCode): string | null {
  switch (code) {
    case "DE":
      return germanVat(rng);
    case "FR":
      return frenchVat(rng);
    case "CA":
      return canadianGst(rng);
    default:
      return null;
  }
}
