import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js/max";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Clock } from "../masking/demo-platform/clock.ts";
import type { Sinks } from "../masking/demo-platform/copy-writer.ts";
import { drawCustomer } from "../masking/demo-platform/customer.ts";
import { generateTenantSetup } from "../masking/demo-platform/gen-tenant.ts";
import { LOAD_ORDER, seedDemoPlatform } from "../masking/demo-platform/index.ts";
import { buildPools } from "../masking/demo-platform/pools.ts";
import { isStreetAddress } from "../rules/classification/detectors/address.ts";
import { isFormattedPhone } from "../rules/classification/detectors/contact.ts";
import { isIban } from "../rules/classification/detectors/financial.ts";
import { isCanadianGst, isEuVatId } from "../rules/classification/detectors/government-id.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

/**
 * The demo platform's Canadian, German and French tenants, checked the way a reviewer from each
 * country would: every phone number valid for its country by libphonenumber's full metadata,
 * IBANs by their mod-97 check (computed here, not by the library the generator uses), VAT and
 * GST numbers by their check digits, postcodes by the country's format, and free text in the
 * country's language that names the people and repeats their numbers and addresses.
 */

const AS_OF = new Date("2026-06-01T00:00:00Z");
let t: TestDatabase;
let pool: pg.Pool;
/** Tenant id → country, as the tenant's own settings say. */
const country = new Map<string, string>();

beforeAll(async () => {
  t = await createTestDatabase("demo_intl", { demoPartitionsFor: AS_OF });
  pool = new pg.Pool({ connectionString: t.config.databaseUrl, max: 2 });
  await seedDemoPlatform(pool, { tenants: 4, customersPerTenant: 60, seed: 23, asOf: AS_OF });
  const tenants = await pool.query<{ id: string; c: string }>(
    "SELECT id, settings->>'country' AS c FROM tenants",
  );
  for (const r of tenants.rows) {
    country.set(r.id, r.c);
  }
}, 240_000);

afterAll(async () => {
  await pool?.end();
  await t?.drop();
});

async function rows<T>(text: string, values: unknown[] = []): Promise<T[]> {
  return (await pool.query(text, values)).rows as T[];
}

/** ISO 13616 mod-97 on the rearranged IBAN, with BigInt: independent of ibantools. */
function ibanValid(iban: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban)) {
    return false;
  }
  const moved = `${iban.slice(4)}${iban.slice(0, 4)}`;
  const digits = [...moved].map((ch) => (/\d/.test(ch) ? ch : String(ch.charCodeAt(0) - 55)));
  return BigInt(digits.join("")) % 97n === 1n;
}

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Tax ids with their check digits: USt-IdNr (ISO 7064 MOD 11,10), TVA key, GST/HST (Luhn). */
function taxIdValid(code: string, id: string): boolean {
  if (code === "DE") {
    const m = /^DE(\d{9})$/.exec(id);
    if (!m) {
      return false;
    }
    const d = m[1] as string;
    let p = 10;
    for (let i = 0; i < 8; i++) {
      const s = (Number(d[i]) + p) % 10 || 10;
      p = (2 * s) % 11;
    }
    return (11 - p) % 10 === Number(d[8]);
  }
  if (code === "FR") {
    const m = /^FR(\d{2})(\d{9})$/.exec(id);
    return (
      m !== null && luhn(m[2] as string) && Number(m[1]) === (12 + 3 * (Number(m[2]) % 97)) % 97
    );
  }
  const m = /^(\d{9}) RT\d{4}$/.exec(id);
  return m !== null && luhn(m[1] as string);
}

const POSTCODE: Record<string, RegExp> = {
  US: /^\d{5}$/,
  DE: /^\d{5}$/,
  FR: /^(?:0[1-9]|[1-8]\d|9[0-5])\d{3}$/,
  CA: /^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] \d[ABCEGHJ-NPRSTV-Z]\d$/,
};

describe("international tenants", () => {
  test("four tenants cover the US, Germany, France and Canada with region, locale, currency and time zone", async () => {
    const tenants = await rows<{
      country: string;
      region: string;
      locale: string;
      currency: string;
      timezone: string;
      business_tz: string;
    }>(
      `SELECT t.settings->>'country' AS country, t.region, t.settings->>'locale' AS locale,
              t.settings->>'currency' AS currency, t.settings->>'timezone' AS timezone,
              min(b.timezone) AS business_tz
         FROM tenants t JOIN businesses b ON b.tenant_id = t.id GROUP BY t.id ORDER BY 1`,
    );
    expect(tenants.map((r) => r.country)).toEqual(["CA", "DE", "FR", "US"]);
    const by = Object.fromEntries(tenants.map((r) => [r.country, r]));
    expect(by.DE).toMatchObject({ region: "eu-central", locale: "de-DE", currency: "EUR" });
    expect(by.FR).toMatchObject({ region: "eu-west", locale: "fr-FR", currency: "EUR" });
    expect(by.CA).toMatchObject({ region: "ca-central", locale: "en-CA", currency: "CAD" });
    expect(by.DE?.business_tz).toBe("Europe/Berlin");
    expect(by.FR?.business_tz).toBe("Europe/Paris");
    expect(by.CA?.business_tz).toMatch(/^America\//);
    for (const r of tenants) {
      expect(r.timezone).toBe(r.business_tz);
    }
    const money = await rows<{ tenant_id: string; currency: string }>(
      "SELECT DISTINCT tenant_id, currency FROM payments",
    );
    const expected: Record<string, string> = { US: "USD", CA: "CAD", DE: "EUR", FR: "EUR" };
    for (const m of money) {
      expect(m.currency).toBe(expected[country.get(m.tenant_id) as string]);
    }
  });

  test("every stored phone number is valid for its tenant's country by libphonenumber's full metadata", async () => {
    const phones = await rows<{ tenant_id: string; phone: string; source: string }>(
      `SELECT tenant_id, phone, 'customers.phone' AS source FROM customers
       UNION ALL SELECT tenant_id, secondary_phone, 'customers.secondary_phone' FROM customers WHERE secondary_phone IS NOT NULL
       UNION ALL SELECT tenant_id, phone, 'users.phone' FROM users
       UNION ALL SELECT tenant_id, phone, 'businesses.phone' FROM businesses
       UNION ALL SELECT tenant_id, emergency_contact->>'phone', 'users.emergency_contact' FROM users`,
    );
    const bad: string[] = [];
    const forms = new Map<string, Set<string>>();
    for (const p of phones) {
      const code = country.get(p.tenant_id) as CountryCode;
      if (code === "US") {
        continue;
      }
      const n = parsePhoneNumberFromString(p.phone, code);
      if (!n?.isValid() || n.country !== code) {
        bad.push(`${code} ${p.source}: ${p.phone}`);
      }
      const shape = p.phone.startsWith("+") ? "international" : "national";
      forms.set(code, (forms.get(code) ?? new Set()).add(shape));
    }
    expect(bad).toEqual([]);
    expect(phones.filter((p) => country.get(p.tenant_id) !== "US").length).toBeGreaterThan(200);
    // People write both: 030 90182731 and +49 30 90182731.
    for (const code of ["DE", "FR", "CA"]) {
      expect([...(forms.get(code) ?? [])].sort(), code).toEqual(["international", "national"]);
    }
    const de = phones.filter((p) => country.get(p.tenant_id) === "DE").map((p) => p.phone);
    expect(
      de.some((p) => /^01[5-7]\d/.test(p)),
      "German mobiles",
    ).toBe(true);
    expect(
      de.some((p) => /^0[2-9]\d* \d+$/.test(p)),
      "German landlines",
    ).toBe(true);
    const fr = phones.filter((p) => country.get(p.tenant_id) === "FR").map((p) => p.phone);
    expect(fr.filter((p) => !p.startsWith("+")).every((p) => /^0\d( \d\d){4}$/.test(p))).toBe(true);
    const ca = phones.filter((p) => country.get(p.tenant_id) === "CA").map((p) => p.phone);
    expect(
      ca.filter((p) => !p.startsWith("+")).every((p) => /^\(\d{3}\) \d{3}-\d{4}$/.test(p)),
    ).toBe(true);
  });

  test("addresses carry the country's postcode format, and DE/FR write the number after the street name or before", async () => {
    const addresses = await rows<{
      tenant_id: string;
      line1: string;
      zip: string;
      city: string;
      country: string;
    }>(
      `SELECT tenant_id, addresses->0->>'line1' AS line1, addresses->0->>'zip' AS zip,
              addresses->0->>'city' AS city, addresses->0->>'country' AS country FROM customers
       UNION ALL SELECT tenant_id, address->>'street', address->>'zip', address->>'city', address->>'country' FROM businesses`,
    );
    const bad: string[] = [];
    for (const a of addresses) {
      const code = country.get(a.tenant_id) as string;
      if (a.country !== code || !POSTCODE[code]?.test(a.zip)) {
        bad.push(`${code}: ${a.line1}, ${a.zip} ${a.city} (${a.country})`);
      }
      if (code === "DE" && !/\D \d{1,3}[a-c]?$/.test(a.line1)) {
        bad.push(`DE street: ${a.line1}`);
      }
      if ((code === "FR" || code === "CA") && !/^\d{1,4}(?: bis)? \S/.test(a.line1)) {
        bad.push(`${code} street: ${a.line1}`);
      }
    }
    expect(bad).toEqual([]);
    const paris = await rows<{ zip: string }>(
      `SELECT addresses->0->>'zip' AS zip FROM customers WHERE addresses->0->>'city' = 'Paris'
       UNION ALL SELECT address->>'zip' FROM businesses WHERE address->>'city' = 'Paris'`,
    );
    for (const p of paris) {
      expect(p.zip).toMatch(/^750(?:0[1-9]|1\d|20)$/);
    }
  });

  test("SEPA debits carry valid IBANs of the tenant's country, Canadian debits a 0-prefixed routing number", async () => {
    const banks = await rows<{
      tenant_id: string;
      method: string;
      account: string;
      routing: string;
    }>(
      `SELECT tenant_id, payment_method AS method, bank_account_number AS account, bank_routing_number AS routing
         FROM payments WHERE bank_account_number IS NOT NULL`,
    );
    const seen = new Set<string>();
    for (const b of banks) {
      const code = country.get(b.tenant_id) as string;
      seen.add(code);
      if (code === "DE" || code === "FR") {
        expect(b.method).toBe("sepa_debit");
        expect(b.account.slice(0, 2)).toBe(code);
        expect(b.account).toHaveLength(code === "DE" ? 22 : 27);
        expect(ibanValid(b.account), b.account).toBe(true);
        expect(b.routing).toMatch(new RegExp(`^[A-Z]{4}${code}[A-Z0-9]{2}$`));
      } else if (code === "CA") {
        expect(b.method).toBe("eft");
        expect(b.routing).toMatch(/^0\d{8}$/);
      } else {
        expect(b.method).toBe("ach");
      }
    }
    expect([...seen].sort()).toEqual(expect.arrayContaining(["DE", "FR"]));
    // A one-character change breaks the check: the validator above is not vacuous.
    const one = banks.find((b) => b.account.startsWith("DE"));
    if (one) {
      const flipped = `${one.account.slice(0, 10)}${(Number(one.account[10]) + 1) % 10}${one.account.slice(11)}`;
      expect(ibanValid(flipped)).toBe(false);
    }
  });

  test("businesses and commercial customers outside the US carry tax ids with valid check digits", async () => {
    const ids = await rows<{ tenant_id: string; id: string }>(
      `SELECT tenant_id, settings->>'tax_id' AS id FROM businesses
       UNION ALL SELECT tenant_id, custom_fields->>'vat_id' FROM customers WHERE custom_fields ? 'vat_id'`,
    );
    const bad: string[] = [];
    const seen = new Set<string>();
    for (const r of ids) {
      const code = country.get(r.tenant_id) as string;
      if (code === "US") {
        expect(r.id).toBeNull();
        continue;
      }
      seen.add(code);
      if (!taxIdValid(code, r.id)) {
        bad.push(`${code} ${r.id}`);
      }
    }
    expect(bad).toEqual([]);
    expect([...seen].sort()).toEqual(["CA", "DE", "FR"]);
    expect(taxIdValid("DE", "DE136695976")).toBe(true);
    expect(taxIdValid("DE", "DE136695977")).toBe(false);
  });

  test("German and French free text is in the language and names the customer, their number and address", async () => {
    const notes = await rows<{
      tenant_id: string;
      content: string;
      first: string;
      phone: string;
      street: string;
    }>(
      `SELECT i.tenant_id, i.content, c.first_name AS first, c.phone, c.addresses->0->>'line1' AS street
         FROM customer_interactions i JOIN customers c ON c.id = i.customer_id`,
    );
    const words: Record<string, RegExp> = {
      DE: /\b(?:und|Uhr|bitte|Rückruf|Angebot|Rechnung|Termin|unter|Danke|zu Hause|vor Ort)\b/,
      FR: /\b(?:pour|rendez-vous|devis|facture|merci|Merci|au|sera|Bonjour|rappel)\b/,
    };
    for (const code of ["DE", "FR"]) {
      const mine = notes.filter((n) => country.get(n.tenant_id) === code);
      expect(mine.length, code).toBeGreaterThan(30);
      const share = (f: (n: (typeof mine)[number]) => boolean) =>
        mine.filter(f).length / mine.length;
      expect(
        share((n) => (words[code] as RegExp).test(n.content)),
        code,
      ).toBeGreaterThan(0.9);
      expect(
        share((n) => n.content.includes(n.first)),
        code,
      ).toBeGreaterThan(0.9);
      // The number as its digits, whichever way it is written (0 30 ..., +49 30 ...).
      const national = (p: string) =>
        parsePhoneNumberFromString(p, code as CountryCode)?.nationalNumber ?? "\u0000";
      expect(
        share((n) => n.content.replace(/\D/g, "").includes(national(n.phone))),
        code,
      ).toBeGreaterThan(0.4);
      expect(
        share((n) => n.content.includes(n.street)),
        code,
      ).toBeGreaterThan(0.05);
    }
    const documents = await rows<{ text: string }>(
      `SELECT d.ai_extracted_text AS text FROM documents d JOIN tenants t ON t.id = d.tenant_id
        WHERE t.settings->>'country' = 'DE' AND d.ai_extracted_text LIKE 'ANGEBOT%'`,
    );
    for (const d of documents) {
      // German postal order: street and number, then postcode and city.
      expect(d.text).toMatch(/\n\S.* \d{1,3}[a-c]?(?:, .+)?\n\d{5} \S/);
      expect(d.text).toMatch(/\d+,\d{2} €/);
    }
  });
});

describe("the classifier's detectors know the international formats", () => {
  const sinks = Object.fromEntries(LOAD_ORDER.map((t) => [t, { add() {} }])) as unknown as Sinks;
  const pools = buildPools(29);

  test("German, French and Canadian phones in every written form, and street lines, are detected", () => {
    for (const tenantIndex of [1, 2, 3]) {
      const ctx = generateTenantSetup({
        seed: 29,
        tenantIndex,
        clock: new Clock(AS_OF),
        pools,
        out: sinks,
        customersPerTenant: 0,
      });
      const code = ctx.country.code;
      const phones: string[] = [];
      let streets = 0;
      const n = 400;
      for (let i = 0; i < n; i++) {
        const c = drawCustomer(ctx, i);
        phones.push(...[c.phone, ...c.person.phoneAlt].filter((p) => !isFormattedPhone(p)));
        streets += isStreetAddress(c.street) ? 1 : 0;
      }
      expect(phones, code).toEqual([]);
      // German streets without a street word ("Flabbenhäuschen 55") stay undetected alone.
      expect(streets / n, code).toBeGreaterThan(code === "DE" ? 0.6 : 0.98);
    }
    for (const v of [
      "Hauptstraße 12",
      "Emil-Nolde-Str. 196",
      "Am Kiesberg 124",
      "12 rue de la Paix",
    ]) {
      expect(isStreetAddress(v), v).toBe(true);
    }
    for (const v of ["Meeting in 5", "Kiesberg 124", "Order 12345"]) {
      expect(isStreetAddress(v), v).toBe(false);
    }
  });

  test("IBANs printed or compact, EU VAT ids and Canadian GST numbers are detected with their check digits", () => {
    expect(isIban("DE89370400440532013000")).toBe(true);
    expect(isIban("DE89 3704 0044 0532 0130 00")).toBe(true);
    expect(isIban("FR14 2004 1010 0505 0001 3M02 606")).toBe(true);
    expect(isIban("DE89 3704 0044 0532 0130 01")).toBe(false);
    expect(isEuVatId("DE136695976")).toBe(true);
    expect(isEuVatId("DE 136 695 976")).toBe(true);
    expect(isEuVatId("DE136695977")).toBe(false);
    expect(isEuVatId("FR40303265045")).toBe(true);
    expect(isEuVatId("FR41303265045")).toBe(false);
    expect(isCanadianGst("123456782 RT0001")).toBe(true);
    expect(isCanadianGst("123456789 RT0001")).toBe(false);
  });
});
