import { parsePhoneNumberFromString as parseWithTypes } from "libphonenumber-js/max";
import { parsePhoneNumberFromString } from "libphonenumber-js/min";
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
// A decimal number (an amount, a coordinate, a float printed from JSON): never a phone number,
// and the costliest miss there is (every region's metadata is tried).
const DECIMAL = /^[-+]?\d+\.\d+$/;

/** Digits and the written form, or undefined when the value cannot be a phone number. */
function phoneDigits(value: string): string | undefined {
  if (value.length < 7 || value.length > 32 || !PHONE_CHARS.test(value) || DECIMAL.test(value)) {
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
// A leading trunk 0 rules out North America; without it the NANP comes first (one parse for most).
const TRUNK_REGIONS = ["GB", "DE", "FR", "NL", "AU", "IT", "BR", "IN"] as const;
const PLAIN_REGIONS = ["US", "ES", "IN", "IT", "MX", "BR"] as const;
const NANP = ["US"] as const;
// (415) 555-0100, 415-555-0100, 415.555.0100, 1-415-555-0100: written the North American way.
const NANP_WRITTEN =
  /^(?:1[-. ]?)?(?:\(\d{3}\)\s?|\d{3}[-.])\d{3}[-.]\d{4}(?:\s*(?:x|ext\.?)\s*\d+)?$/i;

const DATE_LIKE = /^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$/;

/** NANP: area code and exchange start 2-9, neither is N11, the area code's middle digit is not 9. */
function nanpValid(ten: string): boolean {
  if (ten.length !== 10) {
    return false;
  }
  const a = ten.charCodeAt(0) - 48;
  const e = ten.charCodeAt(3) - 48;
  if (a < 2 || e < 2 || ten[1] === "9") {
    return false;
  }
  return !(ten[1] === "1" && ten[2] === "1") && !(ten[4] === "1" && ten[5] === "1");
}

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
    if (NANP_WRITTEN.test(value)) {
      // North American numbers checked by the plan's own rules: libphonenumber would try every
      // NANP country's patterns in turn, the slowest path of a scan.
      return nanpValid(digits.length === 11 ? digits.slice(1) : digits);
    }
    const regions = digits.startsWith("0")
      ? TRUNK_REGIONS
      : NANP_WRITTEN.test(value) || (digits.length === 11 && digits.startsWith("1"))
        ? NANP
        : PLAIN_REGIONS;
    for (const region of regions) {
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
  // With the country code written out, a possible length for that country is enough: test data
  // and new number ranges often fail the finer validity patterns.
  if (international) {
    return isPhone(value, false) && !cardBrand(value);
  }
  return (
    countDigits(value) >= 10 &&
    !ID_GROUPING.test(value) &&
    isPhone(value, true) &&
    !cardBrand(value)
  );
}

/**
 * Six or more digits, then one dash or slash and the rest (`123456-1234`, `710319/2745`): how
 * order numbers and birth-date-based ids are written. A national phone number without its trunk
 * 0 is grouped shorter (`415 555 0123`, `98765 43210`, `(11) 91234-5678`), though some country's
 * plan accepts almost any ten digits.
 */
const ID_GROUPING = /^[1-9]\d{5,}[-/]\d+$/;

/** How many ASCII digits `value` holds. */
export function countDigits(value: string): number {
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
  // The compact metadata rules most numbers out cheaply; the full metadata then tells a mobile
  // or fixed range from a premium or toll-free one: messaging ids are MSISDNs.
  if (parsePhoneNumberFromString(`+${value}`)?.isValid() !== true) {
    return false;
  }
  const n = parseWithTypes(`+${value}`);
  if (!n?.isValid()) {
    return false;
  }
  const type = n.getType();
  return (
    type === undefined ||
    type === "MOBILE" ||
    type === "FIXED_LINE_OR_MOBILE" ||
    type === "FIXED_LINE"
  );
}

const MAILBOX = /^(?:"[^"]{0,80}"|[^<>@,;"]{0,80})\s*<([^<>\s]+)>$/;

/**
 * An address as mail headers write it: `Jane Roe <jane@example.com>`, or a short list of them
 * separated by commas or semicolons (cc lists).
 */
export function isMailbox(value: string): boolean {
  if (value.length > 600 || value.indexOf("@") < 1) {
    return false;
  }
  const parts = value.includes(",") || value.includes(";") ? value.split(/[;,]\s*/) : [value];
  if (parts.length > 10) {
    return false;
  }
  return parts.every((p) => {
    const t = p.trim();
    const m = MAILBOX.exec(t);
    return isEmail(m ? (m[1] as string) : t);
  });
}

export const CONTACT_DETECTORS: ValueDetector[] = [
  { id: "email.syntax", category: "email", strength: "strong", test: isEmail },
  { id: "email.mailbox", category: "email", strength: "strong", test: isMailbox },
  { id: "phone.formatted", category: "phone", strength: "strong", test: isFormattedPhone },
  { id: "phone.digits", category: "phone", strength: "weak", probe: true, test: isBarePhone },
];
