import { stdnum } from "stdnum";
import type { ValueDetector } from "./types.ts";

/**
 * Personal identifiers of many countries, validated by `stdnum` (each number's own check digits,
 * embedded birth dates and component rules). A shape written the way the issuing country writes
 * it (a letter pattern, a date followed by a serial, separators in fixed places) comes first as a
 * cheap filter, so stdnum, which costs tens of µs on a miss, only sees plausible candidates.
 *
 * Strength follows how often unrelated data passes by chance: a distinctive written form with a
 * checksum (`131052-308T`, `1 84 12 76 451 089 46`, `RCCMNL83S18D969H`) decides alone; bare
 * digits with a one-in-ten or one-in-a-hundred check (`36574261809`) are weak, and decide only
 * when one identifier validates most of a column (see scoring). Costly weak checks are probes:
 * detection stops trying them on a column once the first values show they do not fit.
 */

type Validate = (value: string) => { isValid: boolean };
type Entry = {
  id: string;
  /** The shape as written, tested before the library's validator. */
  shape: RegExp;
  validate: Validate;
  strength: "strong" | "weak";
};

const lib = stdnum as unknown as Record<string, Record<string, { validate: Validate }>>;

function validator(country: string, name: string): Validate {
  const v = lib[country]?.[name];
  if (!v) {
    throw new Error(`stdnum has no ${country}.${name}`);
  }
  return (value) => v.validate(value);
}

// Months and days as a YYMMDD / DDMMYY prefix writes them, to filter before the checksum.
const YYMMDD = "\\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\\d|3[01])";
const DDMMYY = "(?:0[1-9]|[12]\\d|3[01])(?:0[1-9]|1[0-2])\\d{2}";
// Letters the US Medicare Beneficiary Identifier uses (no S, L, O, I, B, Z).
const MBI_L = "[AC-HJKMNP-RT-Y]";
const MBI_AN = "[AC-HJKMNP-RT-Y0-9]";

const ENTRIES: Entry[] = [
  // France: NIR (numéro de sécurité sociale), 13 digits and a mod-97 key, often spaced.
  {
    id: "government_id.fr_nir",
    shape: /^[12] ?\d{2} ?(?:0[1-9]|1[0-2]|[2-9]\d) ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}$/i,
    validate: validator("FR", "nir"),
    strength: "strong",
  },
  // Finland: henkilötunnus, DDMMYY, century sign, serial and check character.
  {
    id: "government_id.fi_hetu",
    shape: new RegExp(`^${DDMMYY}[-+A-FU-Y]\\d{3}[0-9A-Y]$`, "i"),
    validate: validator("FI", "hetu"),
    strength: "strong",
  },
  // Korea: resident registration number, YYMMDD-SGGGGGC.
  {
    id: "government_id.kr_rrn",
    shape: new RegExp(`^${YYMMDD}-\\d{7}$`),
    validate: validator("KR", "rrn"),
    strength: "strong",
  },
  // Sweden: personnummer YYMMDD-NNNC (Luhn); Denmark's CPR and Iceland's kennitala share the
  // form, below.
  {
    id: "government_id.se_personnummer",
    shape: new RegExp(`^(?:19|20)?${YYMMDD}[-+]\\d{4}$`),
    validate: validator("SE", "personnummer"),
    strength: "strong",
  },
  // Norway: fødselsnummer DDMMYY + 5 digits with two mod-11 check digits.
  {
    id: "government_id.no_fodselsnummer",
    shape: new RegExp(`^${DDMMYY} ?\\d{5}$`),
    validate: validator("NO", "fodselsnummer"),
    strength: "weak",
  },
  // Belgium: national number YY.MM.DD-SSS.CC.
  {
    id: "government_id.be_nn",
    shape: /^\d{2}\.\d{2}\.\d{2}-\d{3}\.\d{2}$/,
    validate: validator("BE", "nn"),
    strength: "strong",
  },
  // Italy: codice fiscale, 16 characters with an embedded birth date and a check letter.
  {
    id: "government_id.it_codice_fiscale",
    shape:
      /^[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$/i,
    validate: validator("IT", "codicefiscale"),
    strength: "strong",
  },
  // India: PAN, five letters, four digits, a letter. The fourth letter says who holds it: only
  // P (an individual) is a person's, and it keeps product codes of the same shape out.
  {
    id: "government_id.in_pan",
    shape: /^[A-Z]{3}P[A-Z]\d{4}[A-Z]$/,
    validate: validator("IN", "pan"),
    strength: "strong",
  },
  // India: Aadhaar, 12 digits (Verhoeff), written in groups of four.
  {
    id: "government_id.in_aadhaar",
    shape: /^[2-9]\d{3} \d{4} \d{4}$/,
    validate: validator("IN", "aadhaar"),
    strength: "strong",
  },
  {
    id: "government_id.in_aadhaar_digits",
    shape: /^[2-9]\d{11}$/,
    validate: validator("IN", "aadhaar"),
    strength: "weak",
  },
  // China: resident identity card, region, YYYYMMDD, serial, check (digit or X).
  {
    id: "government_id.cn_ric",
    shape: /^\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dX]$/i,
    validate: validator("CN", "ric"),
    strength: "strong",
  },
  // Brazil: CPF as written, 000.000.000-00.
  {
    id: "government_id.br_cpf",
    shape: /^\d{3}\.\d{3}\.\d{3}-\d{2}$/,
    validate: validator("BR", "cpf"),
    strength: "strong",
  },
  // Mexico: CURP, 18 characters with a birth date, sex and state.
  {
    id: "government_id.mx_curp",
    shape: /^[A-Z][AEIOUX][A-Z]{2}\d{6}[HMX][A-Z]{5}[A-Z\d]\d$/i,
    validate: validator("MX", "curp"),
    strength: "strong",
  },
  // Germany: Sozialversicherungsnummer, area, DDMMYY, initial, serial and check digit.
  {
    id: "government_id.de_svnr",
    shape: new RegExp(`^\\d{2} ?${DDMMYY} ?[A-Z] ?\\d{3}$`, "i"),
    validate: validator("DE", "svnr"),
    strength: "strong",
  },
  // Germany: Personalausweis number (9 characters of its alphabet and a 7-3-1 check digit).
  {
    id: "government_id.de_personalausweis",
    shape: /^[CFGHJKLMNPRTVWXYZ][CFGHJKLMNPRTVWXYZ0-9]{8}\d$/i,
    validate: validator("DE", "pwnr"),
    strength: "weak",
  },
  // Germany: Steuer-ID, 11 digits (ISO 7064 mod 11,10), written 2-3-3-3 or bare.
  {
    id: "government_id.de_idnr",
    shape: /^[1-9]\d ?\d{3} ?\d{3} ?\d{3}$/,
    validate: validator("DE", "idnr"),
    strength: "weak",
  },
  // Turkey: T.C. kimlik no, 11 digits with two check digits.
  {
    id: "government_id.tr_tckimlik",
    shape: /^[1-9]\d{10}$/,
    validate: validator("TR", "tckimlik"),
    strength: "weak",
  },
  // Poland: PESEL, YYMMDD (century in the month) and a check digit.
  {
    id: "government_id.pl_pesel",
    shape: /^\d{2}[0-3]\d[0-3]\d{6}$/,
    validate: validator("PL", "pesel"),
    strength: "weak",
  },
  // South Africa: identity number, YYMMDD, serial, citizenship, Luhn.
  {
    id: "government_id.za_id",
    shape: new RegExp(`^${YYMMDD} ?\\d{4} ?[01]\\d{2}$`),
    validate: validator("ZA", "idnr"),
    strength: "weak",
  },
  // Korea's RRN without its dash.
  {
    id: "government_id.kr_rrn_digits",
    shape: new RegExp(`^${YYMMDD}[1-8]\\d{6}$`),
    validate: validator("KR", "rrn"),
    strength: "weak",
  },
  // Ireland: PPS number, 7 digits and one or two letters (a mod-23 check letter).
  {
    id: "government_id.ie_pps",
    shape: /^\d{7}[A-W][ABWTXZ]?$/i,
    validate: validator("IE", "pps"),
    strength: "strong",
  },
  // Portugal: Cartão de Cidadão, 8 digits, a check digit, two letters and a check digit.
  {
    id: "government_id.pt_cc",
    shape: /^\d{8} ?\d ?(?:[A-Z][A-Z0-9]|\d[A-Z])\d$/i,
    validate: validator("PT", "cc"),
    strength: "strong",
  },
  // Romania: CNP, sex/century, YYMMDD, county, serial and a check digit.
  {
    id: "government_id.ro_cnp",
    shape: new RegExp(`^[1-9]${YYMMDD}\\d{6}$`),
    validate: validator("RO", "cnp"),
    strength: "weak",
  },
  // Thailand: national id, 13 digits with a mod-11 check digit.
  {
    id: "government_id.th_id",
    shape: /^[1-8]\d{12}$|^[1-8]-\d{4}-\d{5}-\d{2}-\d$/,
    validate: validator("TH", "idnr"),
    strength: "weak",
  },
  // Greece: AMKA, DDMMYY and Luhn.
  {
    id: "government_id.gr_amka",
    shape: new RegExp(`^${DDMMYY}\\d{5}$`),
    validate: validator("GR", "amka"),
    strength: "weak",
  },
  // Switzerland: AHV/AVS number, 756 (the country's EAN prefix), 9 digits and an EAN-13 check
  // digit, written 756.1234.5678.97.
  {
    id: "government_id.ch_ahv",
    shape: /^756\.\d{4}\.\d{4}\.\d{2}$/,
    validate: validator("CH", "ssn"),
    strength: "strong",
  },
  {
    id: "government_id.ch_ahv_digits",
    shape: /^756\d{10}$/,
    validate: validator("CH", "ssn"),
    strength: "weak",
  },
  // Czechia and Slovakia: rodné číslo, YYMMDD (women's month + 50) / serial, divisible by 11.
  {
    id: "government_id.cz_rc",
    shape: /^\d{2}[0156]\d[0-3]\d\/\d{3,4}$/,
    validate: validator("CZ", "rc"),
    strength: "strong",
  },
  // Denmark: CPR, DDMMYY-SSSS (no check digit since 2007: a real date and the century digit).
  // Written with its dash it is no phone number, though libphonenumber finds a country where
  // its ten digits are one: as strong as Sweden's, so the id, not the phone, decides.
  {
    id: "government_id.dk_cpr",
    shape: new RegExp(`^${DDMMYY}-\\d{4}$`),
    validate: validator("DK", "cpr"),
    strength: "strong",
  },
  // Iceland: kennitala, DDMMYY-NNCC with a mod-11 check digit and a century digit.
  {
    id: "government_id.is_kennitala",
    shape: /^[0-7]\d[01]\d{3}-\d{3}[089]$/,
    validate: validator("IS", "kennitala"),
    strength: "strong",
  },
  // Estonia and Lithuania: isikukood / asmens kodas, sex and century, YYMMDD, serial, check.
  {
    id: "government_id.ee_ik",
    shape: new RegExp(`^[1-6]${YYMMDD}\\d{4}$`),
    validate: validator("EE", "ik"),
    strength: "weak",
  },
  // Austria: Sozialversicherungsnummer, serial and check digit, then DDMMYY, written 1237 010180
  // (strong so written: a national phone number starts with its trunk 0); bare, weak.
  {
    id: "government_id.at_vnr",
    shape: new RegExp(`^[1-9]\\d{3} ${DDMMYY}$`),
    validate: validator("AT", "vnr"),
    strength: "strong",
  },
  {
    id: "government_id.at_vnr_digits",
    shape: new RegExp(`^[1-9]\\d{3}${DDMMYY}$`),
    validate: validator("AT", "vnr"),
    strength: "weak",
  },
  // Bulgaria: EGN, YYMMDD (month + 20 or + 40 for other centuries), serial and check digit.
  {
    id: "government_id.bg_egn",
    shape: /^\d{2}(?:[024][1-9]|[135][0-2])[0-3]\d{5}$/,
    validate: validator("BG", "egn"),
    strength: "weak",
  },
  // Netherlands: BSN, 9 digits passing the 11-proof.
  {
    id: "government_id.nl_bsn",
    shape: /^\d{9}$|^\d{4}\.\d{2}\.\d{3}$/,
    validate: validator("NL", "bsn"),
    strength: "weak",
  },
];

/** UK NHS number: 10 digits with a mod-11 check digit, written 3-3-4. */
export function nhsCheck(digits: string): boolean {
  if (!/^\d{10}$/.test(digits)) {
    return false;
  }
  let sum = 0;
  for (let i = 0; i < 9; i++) {
    sum += (digits.charCodeAt(i) - 48) * (10 - i);
  }
  const check = 11 - (sum % 11);
  return check !== 10 && (check === 11 ? 0 : check) === digits.charCodeAt(9) - 48;
}

const NHS_SPACED = /^\d{3}[ -]\d{3}[ -]\d{4}$/;
const MBI = new RegExp(`^[1-9]${MBI_L}${MBI_AN}\\d-?${MBI_L}${MBI_AN}\\d-?${MBI_L}{2}\\d{2}$`, "i");
const ITIN = /^9\d{2}-(?:5\d|6[0-5]|7\d|8[0-8]|9[0-24-9])-\d{4}$/;
/**
 * US driving licences in the formats of states whose numbers are distinctive as printed: Florida's
 * dashed `A123-456-78-901-0`, Washington's `WDL` and 9 characters. A letter and 11-12 digits (IL,
 * MD, MI, MN written bare) or other states' formats (8 digits, a letter and 7) are any document
 * or order number: those count only under a licence name (see name-signals and scoring).
 */
const US_DL = /^[A-Z]\d{3}-\d{3}-\d{2}-\d{3}-\d$|^[A-Z]\d{3}-\d{4}-\d{4}$|^WDL[A-Z0-9]{9}$/i;

/** Singapore NRIC/FIN: S/T/F/G, 7 digits, a check letter (weights 2,7,6,5,4,3,2; T/G add 4). */
export function isSingaporeNric(value: string): boolean {
  const m = /^([STFG])(\d{7})([A-Z])$/i.exec(value);
  if (!m) {
    return false;
  }
  const prefix = (m[1] as string).toUpperCase();
  const d = m[2] as string;
  const weights = [2, 7, 6, 5, 4, 3, 2];
  let sum = prefix === "T" || prefix === "G" ? 4 : 0;
  for (let i = 0; i < 7; i++) {
    sum += (d.charCodeAt(i) - 48) * (weights[i] as number);
  }
  const table = prefix === "S" || prefix === "T" ? "JZIHGFEDCBA" : "XWUTRQPNMLK";
  return table[sum % 11] === (m[3] as string).toUpperCase();
}

export function isNhsNumber(value: string): boolean {
  return NHS_SPACED.test(value) && nhsCheck(value.replace(/\D/g, ""));
}

export function isMbi(value: string): boolean {
  return value.length >= 11 && value.length <= 13 && MBI.test(value);
}

function probe(entry: Entry): ValueDetector {
  return {
    id: entry.id,
    category: "government_id",
    strength: entry.strength,
    // Every library check is a probe: a column whose first values are not this identifier
    // stops paying for it (a miss costs tens of µs: the library builds an error object).
    probe: true,
    test: (value) => {
      if (value.length > 24 || !entry.shape.test(value)) {
        return false;
      }
      try {
        return entry.validate(value).isValid;
      } catch {
        return false;
      }
    },
  };
}

export const NATIONAL_ID_DETECTORS: ValueDetector[] = [
  ...ENTRIES.filter((e) => e.strength === "strong").map(probe),
  { id: "government_id.us_mbi", category: "government_id", strength: "strong", test: isMbi },
  {
    id: "government_id.us_itin",
    category: "government_id",
    strength: "strong",
    test: (v) => ITIN.test(v),
  },
  { id: "government_id.uk_nhs", category: "government_id", strength: "strong", test: isNhsNumber },
  {
    id: "government_id.sg_nric",
    category: "government_id",
    strength: "strong",
    test: (v) => v.length === 9 && isSingaporeNric(v),
  },
  {
    id: "government_id.uk_nhs_digits",
    category: "government_id",
    strength: "weak",
    probe: true,
    test: (v) => v.length === 10 && nhsCheck(v),
  },
  {
    id: "government_id.us_driving_licence",
    category: "government_id",
    strength: "weak",
    test: (v) => v.length >= 12 && v.length <= 17 && US_DL.test(v) && /\d{3}/.test(v),
  },
  ...ENTRIES.filter((e) => e.strength === "weak").map(probe),
];

/** Weak national-id detectors whose dominant share in a column decides it (see scoring). */
export const DECISIVE_WEAK_IDS = new Set(
  NATIONAL_ID_DETECTORS.filter((d) => d.strength === "weak").map((d) => d.id),
);
