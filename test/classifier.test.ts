import { describe, expect, test } from "vitest";
import { isStreetAddress } from "../rules/classification/detectors/address.ts";
import {
  abaRouting,
  iban,
  luhn,
  sinRules,
  spanishId,
  ssnRules,
} from "../rules/classification/detectors/checksums.ts";
import { isEmail, isFormattedPhone, isPhone } from "../rules/classification/detectors/contact.ts";
import { isApiKeyOrToken, isPasswordHash } from "../rules/classification/detectors/credential.ts";
import {
  isBirthDateShape,
  looksLikeBirthDates,
} from "../rules/classification/detectors/date-of-birth.ts";
import { cardBrand, isAbaRouting, isIban } from "../rules/classification/detectors/financial.ts";
import { isCoordinatePair, isGeoObject } from "../rules/classification/detectors/geolocation.ts";
import {
  isNino,
  isSinFormatted,
  isSpanishId,
  isSsnFormatted,
} from "../rules/classification/detectors/government-id.ts";
import { isIpAddress } from "../rules/classification/detectors/network.ts";
import { isFullName } from "../rules/classification/detectors/person-name.ts";
import {
  classifyColumn,
  classifySampleFile,
  findEntities,
  maskValue,
} from "../rules/classification/index.ts";
import { nameSignal } from "../rules/classification/name-signals.ts";
import type { ColumnSample } from "../schema/domain/classification.ts";

const column = (name: string, samples: unknown[], type = "text"): ColumnSample => ({
  table: "t",
  column: name,
  type,
  samples,
});

describe("checksums", () => {
  test("Luhn accepts valid numbers and rejects a changed digit", () => {
    expect(luhn("4242424242424242")).toBe(true);
    expect(luhn("4242424242424241")).toBe(false);
    expect(luhn("42424242a4242424")).toBe(false);
  });
  test("ABA routing checksum and Federal Reserve prefix", () => {
    expect(abaRouting("011000015")).toBe(true);
    expect(abaRouting("011000016")).toBe(false);
    expect(abaRouting("991000015")).toBe(false);
  });
  test("IBAN mod-97 with the country's length", () => {
    expect(iban("DE89370400440532013000")).toBe(true);
    expect(iban("DE89370400440532013001")).toBe(false);
    expect(iban("DE8937040044053201300")).toBe(false);
    expect(iban("GB29NWBK60161331926819")).toBe(true);
  });
  test("SSN area, group and serial rules", () => {
    expect(ssnRules("123", "45", "6789")).toBe(true);
    expect(ssnRules("000", "45", "6789")).toBe(false);
    expect(ssnRules("666", "45", "6789")).toBe(false);
    expect(ssnRules("901", "45", "6789")).toBe(false);
    expect(ssnRules("123", "00", "6789")).toBe(false);
    expect(ssnRules("123", "45", "0000")).toBe(false);
  });
  test("SIN Luhn and first digit", () => {
    expect(sinRules("130692544")).toBe(true);
    expect(sinRules("130692545")).toBe(false);
    expect(sinRules("046454286")).toBe(false); // 0 is never issued
    expect(sinRules("846454285")).toBe(false);
  });
  test("Spanish DNI control letter", () => {
    expect(spanishId("12345678Z")).toBe(true);
    expect(spanishId("12345678A")).toBe(false);
    expect(spanishId("X1234567L")).toBe(true);
  });
});

describe("value detectors", () => {
  test("email syntax", () => {
    expect(isEmail("jane.doe+tag@example.co.uk")).toBe(true);
    for (const v of [
      "jane@",
      "@example.com",
      "jane@example",
      "jane..doe@example.com",
      "a@b.c",
      "welcome_v2",
    ]) {
      expect(isEmail(v)).toBe(false);
    }
  });
  test("phones across countries; dates, ids and short numbers are not phones", () => {
    for (const v of [
      "(415) 555-2671",
      "+44 7911 123456",
      "+49 151 23456789",
      "+33 6 12 34 56 78",
      "+91 98765 43210",
      "030 901820",
    ]) {
      expect(isPhone(v, !v.startsWith("030"))).toBe(true);
    }
    expect(isFormattedPhone("(415) 555-2671")).toBe(true);
    for (const v of ["2025-10-13", "12-3456789", "(115) 555-2671", "3680-797271-4923", "1.2.3"]) {
      expect(isFormattedPhone(v)).toBe(false);
    }
  });
  test("payment cards: Luhn, issuer range and length per brand", () => {
    expect(cardBrand("4242424242424242")).toBe("visa");
    expect(cardBrand("4242 4242 4242 4242")).toBe("visa");
    expect(cardBrand("378282246310005")).toBe("amex");
    expect(cardBrand("5555555555554444")).toBe("mastercard");
    expect(cardBrand("2223003122003222")).toBe("mastercard");
    expect(cardBrand("6011111111111117")).toBe("discover");
    expect(cardBrand("4242424242424241")).toBeUndefined(); // Luhn fails
    expect(cardBrand("9242424242424245")).toBeUndefined(); // no issuer starts with 9
    expect(cardBrand("37828224631000")).toBeUndefined(); // Amex is 15 digits
    expect(cardBrand("0000000000000000")).toBeUndefined();
  });
  test("bank accounts: IBAN with spaces, ABA routing", () => {
    expect(isIban("DE89 3704 0044 0532 0130 00")).toBe(true);
    expect(isIban("DE89 3704 0044 0532 0130 01")).toBe(false);
    expect(isAbaRouting("021000021")).toBe(true);
    expect(isAbaRouting("021000022")).toBe(false);
  });
  test("government ids validate, near misses do not", () => {
    expect(isSsnFormatted("123-45-6789")).toBe(true);
    expect(isSsnFormatted("666-45-6789")).toBe(false);
    expect(isSsnFormatted("123-00-6789")).toBe(false);
    expect(isSinFormatted("130 692 544")).toBe(true);
    expect(isSinFormatted("130 692 545")).toBe(false);
    expect(isNino("AB123456C")).toBe(true);
    expect(isNino("AB 12 34 56 C")).toBe(true);
    expect(isNino("GB123456C")).toBe(false);
    expect(isNino("AB123456E")).toBe(false);
    expect(isSpanishId("12345678Z")).toBe(true);
  });
  test("IPv4 and IPv6; version strings are not addresses", () => {
    expect(isIpAddress("192.168.1.20")).toBe(true);
    expect(isIpAddress("10.0.0.1/32")).toBe(true);
    expect(isIpAddress("2001:db8::8a2e:370:7334")).toBe(true);
    expect(isIpAddress("256.1.1.1")).toBe(false);
    expect(isIpAddress("10.0.19041.1")).toBe(false);
    expect(isIpAddress("1.2.3")).toBe(false);
  });
  test("coordinates in range", () => {
    expect(isCoordinatePair("41.8781, -87.6298")).toBe(true);
    expect(isCoordinatePair("POINT(-87.6298 41.8781)")).toBe(true);
    expect(isCoordinatePair("91.0000, 10.0000")).toBe(false);
    expect(isCoordinatePair("4.5, 3.2")).toBe(false);
    expect(isGeoObject({ lat: 41.8, lng: -87.6 })).toBe(true);
    expect(isGeoObject({ type: "Point", coordinates: [-87.6, 41.8] })).toBe(true);
    expect(isGeoObject({ lat: 141.8, lng: -87.6 })).toBe(false);
  });
  test("credential formats", () => {
    expect(isPasswordHash(`$2b$12$${"a".repeat(53)}`)).toBe(true);
    expect(isPasswordHash("$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo")).toBe(
      true,
    );
    expect(isPasswordHash("pbkdf2_sha256$600000$abc123$ZGVhZGJlZWZkZWFkYmVlZg==")).toBe(true);
    expect(isPasswordHash(`$2b$12$${"a".repeat(50)}`)).toBe(false);
    expect(isApiKeyOrToken(`sk_live_${"a1".repeat(12)}`)).toBe(true);
    expect(isApiKeyOrToken(`ghp_${"A1b2".repeat(9)}`)).toBe(true);
    expect(isApiKeyOrToken("AKIAIOSFODNN7EXAMPLE")).toBe(true);
    expect(
      isApiKeyOrToken(
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
      ),
    ).toBe(true);
    expect(isApiKeyOrToken("pk_live_notasecretbutpublic")).toBe(false);
    expect(isApiKeyOrToken("550e8400-e29b-41d4-a716-446655440000")).toBe(false);
  });
  test("person names against locale lists; companies and products are not", () => {
    expect(isFullName("Clyde Lebsack")).toBe(true);
    expect(isFullName("Lebsack, Clyde")).toBe(true);
    expect(isFullName("Jürgen Müller")).toBe(true);
    expect(isFullName("Weimann HVAC LLC")).toBe(false);
    expect(isFullName("Pleated air filter")).toBe(false);
    expect(isFullName("John 2")).toBe(false);
  });
  test("street addresses start with a number or a street", () => {
    expect(isStreetAddress("3870 Clarissa Causeway")).toBe(true);
    expect(isStreetAddress("12 rue de la Paix, Paris")).toBe(true);
    expect(isStreetAddress("Hauptstraße 12")).toBe(true);
    expect(isStreetAddress("Delivered to 12 Main Street yesterday")).toBe(false);
    expect(isStreetAddress("Evanston")).toBe(false);
  });
  test("birth dates: plausible ages over decades, not a recent business period", () => {
    expect(isBirthDateShape("1984-03-02")).toBe(true);
    expect(isBirthDateShape("04/20/1999")).toBe(true);
    expect(isBirthDateShape("1850-01-01")).toBe(false);
    expect(
      looksLikeBirthDates([
        "1961-02-03",
        "1975-11-30",
        "1988-07-14",
        "1990-01-01",
        "1953-05-05",
        "2001-09-09",
      ]),
    ).toBe(true);
    expect(
      looksLikeBirthDates([
        "2025-02-03",
        "2025-11-30",
        "2024-07-14",
        "2026-01-01",
        "2023-05-05",
        "2026-09-09",
      ]),
    ).toBe(false);
  });
});

describe("name signals", () => {
  test("hints, hard negatives and neutral names", () => {
    expect(nameSignal("email")).toMatchObject({ kind: "hint", category: "email" });
    expect(nameSignal("billingAddressLine1")).toMatchObject({
      kind: "hint",
      category: "postal_address",
    });
    expect(nameSignal("card_holder_name")).toMatchObject({ kind: "hint", category: "person_name" });
    for (const n of [
      "email_sent",
      "email_opt_in",
      "is_email_verified",
      "email_template",
      "phone_type",
      "tracking_number",
      "order_number",
      "checksum",
      "card_type",
      "card_brand",
      "address_type",
      "ip_allowlist_enabled",
      "product_name",
      "company_name",
    ]) {
      expect(nameSignal(n).kind, n).toBe("negative");
    }
    expect(nameSignal("col_17").kind).toBe("neutral");
    expect(nameSignal("password_hash")).toMatchObject({ kind: "hint", category: "credential" });
    expect(nameSignal("date_of_birth")).toMatchObject({ kind: "hint", category: "date_of_birth" });
  });
});

describe("classifyColumn", () => {
  const emails = [
    "ana@example.com",
    "bo@example.org",
    "cy@corp.example.net",
    "di@mail.example.com",
  ];

  test("values decide when the name says nothing", () => {
    expect(classifyColumn(column("col_17", emails)).category).toBe("email");
    expect(
      classifyColumn(
        column("c3", [
          "4242424242424242",
          "5555555555554444",
          "378282246310005",
          "6011111111111117",
          "4000056655665556",
        ]),
      ).category,
    ).toBe("payment_card");
  });

  test("a name never decides against the values", () => {
    expect(
      classifyColumn(
        column("email", [true, false, true, true, false, true, false, true], "boolean"),
      ).category,
    ).toBe("none");
    expect(
      classifyColumn(
        column("email", [
          "welcome_v2",
          "password_reset",
          "welcome_v2",
          "invoice_reminder",
          "password_reset",
          "welcome_v2",
          "invoice_reminder",
          "welcome_v2",
        ]),
      ).category,
    ).toBe("none");
  });

  test("name and values agreeing give high confidence and restricted sensitivity for cards", () => {
    const p = classifyColumn(
      column("credit_card_number", ["4242424242424242", "5555555555554444", "378282246310005"]),
    );
    expect(p).toMatchObject({ category: "payment_card", sensitivity: "restricted" });
    expect(p.confidence).toBeGreaterThan(0.9);
    expect(p.evidence.some((e) => e.signal === "name")).toBe(true);
    expect(p.evidence.some((e) => e.signal === "value")).toBe(true);
  });

  test("Luhn-valid sequential order numbers and Luhn-failing tracking numbers are not cards", () => {
    const seq = Array.from({ length: 12 }, (_, i) => {
      const body = `40001234${String(100000 + i * 7).padStart(7, "0")}`;
      for (let d = 0; d < 10; d++) {
        if (classifyLuhn(body + d)) {
          return body + d;
        }
      }
      return body;
    });
    expect(classifyColumn(column("order_number", seq)).category).toBe("none");
    expect(classifyColumn(column("col_4", seq)).category).toBe("none");
    expect(
      classifyColumn(column("tracking_number", ["9400111899223344556", "9205590164917312751089"]))
        .category,
    ).toBe("none");
  });

  test("JSON columns: one proposal per key path, the column takes the strongest", () => {
    const p = classifyColumn(
      column(
        "contact",
        [
          {
            name: "Clyde Lebsack",
            email: "clyde@example.com",
            address: { line1: "15129 Jacobson Stream", city: "Evanston" },
          },
          {
            name: "Addison Huel",
            email: "addison@example.org",
            address: { line1: "6694 Deja Canyon", city: "Skokie" },
          },
        ],
        "jsonb",
      ),
    );
    expect(p.category).toBe("email");
    const byPath = Object.fromEntries(p.paths.map((x) => [x.path, x.category]));
    expect(byPath).toMatchObject({
      name: "person_name",
      email: "email",
      "address.line1": "postal_address",
      "address.city": "none",
    });
    const arrays = classifyColumn(
      column("participants", [[{ email: "a@example.com" }, { email: "b@example.com" }]], "jsonb"),
    );
    expect(arrays.paths.map((x) => x.path)).toContain("[].email");
  });

  test("free text: a real share embedding contacts is free_text_pii; templates are not", () => {
    const notes = [
      "Call Jane back at (415) 555-2671 about the quote.",
      "Customer prefers mornings, gate code is on file.",
      "Send the invoice to jane.doe@example.com instead.",
      "Replaced the filter and checked the thermostat wiring.",
    ];
    expect(classifyColumn(column("notes", notes)).category).toBe("free_text_pii");
    const templates = [
      "Hi {{first_name}}, your invoice {{invoice_number}} is ready.",
      "Dear {{customer_name}}, thanks for your order.",
      "{{first_name}}, your appointment is {{time}}.",
    ];
    expect(classifyColumn(column("content_template", templates)).category).toBe("none");
  });

  test("evidence never carries a raw value", () => {
    const p = classifyColumn(column("ssn", ["123-45-6789", "234-56-7890", "345-67-8901"]));
    expect(p.category).toBe("government_id");
    const text = JSON.stringify(p);
    for (const v of ["123-45-6789", "234-56-7890", "345-67-8901"]) {
      expect(text).not.toContain(v);
    }
    expect(maskValue("jane.doe@example.com", "email")).toBe("j***@e***.com");
  });
});

function classifyLuhn(d: string): boolean {
  return luhn(d);
}

describe("findEntities", () => {
  test("finds and validates entities in prose, with spans", () => {
    const text =
      "Jane Roe (jane@example.com, +44 7911 123456) paid with 4242 4242 4242 4242; SSN 123-45-6789, order 1234567812345678.";
    const found = findEntities(text).map((e) => [e.category, text.slice(e.start, e.end)]);
    expect(found).toContainEqual(["email", "jane@example.com"]);
    expect(found).toContainEqual(["phone", "+44 7911 123456"]);
    expect(found).toContainEqual(["payment_card", "4242 4242 4242 4242"]);
    expect(found).toContainEqual(["government_id", "123-45-6789"]);
    expect(found.map((f) => f[0])).toContain("person_name");
    expect(found.some(([, v]) => v === "1234567812345678")).toBe(false);
  });
  test("finds German, French and Canadian streets in prose", () => {
    for (const [text, street] of [
      ["Baustellenfoto Emil-Nolde-Str. 196, Nordseite", "Emil-Nolde-Str. 196"],
      ["Lieferung an Oderstr. 131", "Oderstr. 131"],
      ["Neue Adresse: Am Rosenhügel 197a.", "Am Rosenhügel 197a"],
      ["Termin Marienburger Str. 220", "Marienburger Str. 220"],
      ["chantier au 179 bis Allée de Seine, Paris", "179 bis Allée de Seine"],
      ["au 12 rue de la Paix", "12 rue de la Paix"],
    ] as const) {
      const found = findEntities(text).map((e) => [e.category, text.slice(e.start, e.end)]);
      expect(found).toContainEqual(["postal_address", street]);
    }
  });
  test("versions, dates and amounts are not entities", () => {
    expect(
      findEntities("Chrome/116.0.5845.96 on 2025-09-17, total $1,234.56").filter(
        (e) => e.category !== "person_name",
      ),
    ).toEqual([]);
  });
});

describe("offline contract", () => {
  test("answers in input order with the contract's fields", () => {
    const out = classifySampleFile(
      JSON.stringify({
        columns: [
          {
            table: "a",
            column: "email",
            type: "text",
            samples: ["x@example.com", "y@example.org"],
          },
          {
            table: "a",
            column: "id",
            type: "uuid",
            samples: ["550e8400-e29b-41d4-a716-446655440000"],
          },
        ],
      }),
    );
    expect(out.columns.map((c) => c.column)).toEqual(["email", "id"]);
    expect(Object.keys(out.columns[0] ?? {}).sort()).toEqual([
      "category",
      "column",
      "confidence",
      "evidence",
      "paths",
      "sensitivity",
      "table",
    ]);
    expect(out.columns[1]?.category).toBe("none");
  });
  test("a bad entry is named", () => {
    expect(() => classifySampleFile("{")).toThrow(/not valid JSON/);
    expect(() =>
      classifySampleFile(
        JSON.stringify({
          columns: [
            { table: "a", column: "b", samples: [] },
            { table: "a", column: "c" },
          ],
        }),
      ),
    ).toThrow(/columns\[1\] \(a\.c\): samples/);
  });
});
