import { parsePhoneNumberFromString } from "libphonenumber-js/max";
import { cardBrand } from "./financial.ts";
import type { ValueDetector } from "./types.ts";

// Local part and domain per RFC 5321's common subset; the TLD must be alphabetic, 2-24 chars.
const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}$/;

export function isEmail(value: string): boolean {
  if (value.length < 6 || value.length > 254 || value.indexOf("@") < 1) {
    return false;
  }
  return EMAIL.test(value) && !value.includes("..") && value[0] !== ".";
}

// Characters a written phone number is made of; the digit count is checked separately.
const PHONE_CHARS = /^\+?[\d\s().\-/]{6,24}(?:\s*(?:x|ext\.?|#)\s*\d{1,6})?$/i;
const FORMATTED = /[\s().\-/+]/;

/** Digits and the written form, or undefined when the value cannot be a phone number. */
function phoneDigits(value: string): string | undefined {
  if (value.length < 7 || value.length > 32 || !PHONE_CHARS.test(value)) {
    return undefined;
  }
  const main = value.replace(/\s*(?:x|ext\.?|#)\s*\d{1,6}$/i, "");
  let digits = "";
  for (let i = 0; i < main.length; i++) {
    const c = main.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      digits += main[i];
    }
  }
  return digits.length >= 7 && digits.length <= 15 ? digits : undefined;
}

/**
 * Validates with libphonenumber: international numbers as written, national ones against the
 * regions a multi-tenant SMB platform meets. `validOnly` false accepts possible (right length)
 * numbers, for columns whose name already says phone.
 */
const REGIONS = ["US", "GB", "DE", "FR", "CA", "AU", "ES", "IT", "NL", "IN", "BR", "MX"] as const;

const DATE_LIKE = /^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$/;

export function isPhone(value: string, validOnly = true): boolean {
  const digits = phoneDigits(value);
  if (digits === undefined || DATE_LIKE.test(value)) {
    return false;
  }
  try {
    if (value.startsWith("+") || value.startsWith("00")) {
      const n = parsePhoneNumberFromString(value.startsWith("00") ? `+${value.slice(2)}` : value);
      return n !== undefined && (validOnly ? n.isValid() : n.isPossible());
    }
    for (const region of REGIONS) {
      const n = parsePhoneNumberFromString(value, region);
      if (n && (validOnly ? n.isValid() : n.isPossible())) {
        return true;
      }
    }
  } catch {
    return false;
  }
  return false;
}

/** A written (formatted) phone number that libphonenumber validates: strong evidence. */
export function isFormattedPhone(value: string): boolean {
  if (!FORMATTED.test(value)) {
    return false;
  }
  // Short national numbers take the shape of ids and tax numbers (12-3456789): international only.
  const international = value.startsWith("+") || value.startsWith("00");
  // Card numbers written in groups (3680-797271-4923) are not phone numbers.
  return (international || countDigits(value) >= 10) && isPhone(value, true) && !cardBrand(value);
}

function countDigits(value: string): number {
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      n++;
    }
  }
  return n;
}

/**
 * Bare digits in E.164 form without the plus (country code first, 11-15 digits): weak, since ids
 * take the same shape. Ten bare digits count as a phone only under a phone-like name (scoring).
 */
export function isBarePhone(value: string): boolean {
  if (value.length < 11 || value.length > 15 || !/^\d+$/.test(value)) {
    return false;
  }
  const n = parsePhoneNumberFromString(`+${value}`);
  return n?.isValid() === true;
}

export const CONTACT_DETECTORS: ValueDetector[] = [
  { id: "email.syntax", category: "email", strength: "strong", test: isEmail },
  { id: "phone.formatted", category: "phone", strength: "strong", test: isFormattedPhone },
  { id: "phone.digits", category: "phone", strength: "weak", test: isBarePhone },
];
