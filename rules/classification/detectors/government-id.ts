import { luhn, sinRules, spanishId, ssnRules } from "./checksums.ts";
import type { ValueDetector } from "./types.ts";

/**
 * National identifiers with rules to validate: US SSN (area/group/serial), Canadian SIN (Luhn),
 * UK NINO (prefix letters and suffix), Spanish DNI/NIE (control letter). Passport and driving
 * licence numbers have no checksum anyone can verify across countries: they are accepted only
 * with a name or text context saying so (see name-signals and the entity scanner).
 */

const SSN_DASHED = /^(\d{3})-(\d{2})-(\d{4})$/;
const SSN_SPACED = /^(\d{3}) (\d{2}) (\d{4})$/;
const SIN_FORMATTED = /^(\d{3})[- ](\d{3})[- ](\d{3})$/;
const NINO =
  /^(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]$/;

export function isSsnFormatted(value: string): boolean {
  const m = SSN_DASHED.exec(value) ?? SSN_SPACED.exec(value);
  return m !== null && ssnRules(m[1] as string, m[2] as string, m[3] as string);
}

/** Nine bare digits that satisfy the SSN rules: weak (most 9-digit numbers do). */
export function isSsnDigits(value: string): boolean {
  return (
    value.length === 9 &&
    /^\d{9}$/.test(value) &&
    ssnRules(value.slice(0, 3), value.slice(3, 5), value.slice(5))
  );
}

export function isSinFormatted(value: string): boolean {
  const m = SIN_FORMATTED.exec(value);
  return m !== null && sinRules(`${m[1]}${m[2]}${m[3]}`);
}

export function isNino(value: string): boolean {
  return value.length >= 9 && value.length <= 13 && NINO.test(value.toUpperCase());
}

export function isSpanishId(value: string): boolean {
  return value.length >= 9 && value.length <= 10 && spanishId(value.toUpperCase());
}

/**
 * EU VAT ids with a check digit anyone can verify: German USt-IdNr (DE + 9 digits, ISO 7064
 * MOD 11,10) and French TVA (FR + 2-digit key + SIREN, key = (12 + 3 × SIREN mod 97) mod 97).
 * A sole trader's VAT id identifies the person. Spaces between groups are allowed.
 */
export function isEuVatId(value: string): boolean {
  if (value.length < 11 || value.length > 17) {
    return false;
  }
  const v = value.replace(/ /g, "").toUpperCase();
  let m = /^DE(\d{9})$/.exec(v);
  if (m) {
    const d = m[1] as string;
    let product = 10;
    for (let i = 0; i < 8; i++) {
      const sum = (d.charCodeAt(i) - 48 + product) % 10 || 10;
      product = (2 * sum) % 11;
    }
    return (11 - product) % 10 === d.charCodeAt(8) - 48 && d[0] !== "0";
  }
  m = /^FR(\d{2})(\d{9})$/.exec(v);
  return m !== null && luhn(m[2] as string) && Number(m[1]) === (12 + 3 * (Number(m[2]) % 97)) % 97;
}

/** Canadian GST/HST account: a Luhn-valid 9-digit business number and an RT program id. */
export function isCanadianGst(value: string): boolean {
  const m = /^(\d{9}) ?RT ?\d{4}$/.exec(value);
  return m !== null && luhn(m[1] as string);
}

// Passport and licence shapes (letters and digits, 6-20, at least 3 digits): only with context.
const DOCUMENT_NUMBER = /^(?=(?:.*\d){3})[A-Z0-9][A-Z0-9 -]{4,18}[A-Z0-9]$/i;

export function isDocumentNumber(value: string): boolean {
  return DOCUMENT_NUMBER.test(value);
}

export const GOVERNMENT_ID_DETECTORS: ValueDetector[] = [
  { id: "government_id.ssn", category: "government_id", strength: "strong", test: isSsnFormatted },
  { id: "government_id.sin", category: "government_id", strength: "strong", test: isSinFormatted },
  { id: "government_id.nino", category: "government_id", strength: "strong", test: isNino },
  { id: "government_id.dni", category: "government_id", strength: "strong", test: isSpanishId },
  { id: "government_id.vat_eu", category: "government_id", strength: "strong", test: isEuVatId },
  {
    id: "government_id.gst_ca",
    category: "government_id",
    strength: "strong",
    test: isCanadianGst,
  },
  {
    id: "government_id.ssn_digits",
    category: "government_id",
    strength: "weak",
    test: isSsnDigits,
  },
];
