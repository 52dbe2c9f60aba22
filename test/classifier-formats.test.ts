import { describe, expect, test } from "vitest";
import { classifyColumn } from "../rules/classification/classify.ts";
import { VALUE_DETECTORS } from "../rules/classification/detectors/index.ts";
import { nameSignal, nameTokens } from "../rules/classification/name-signals.ts";

/**
 * One case per failure class of issue 21, each with the hard negative that shares its shape:
 * values written the way the world writes them, judged by the detectors (never by the name).
 */

const firing = (value: string) => VALUE_DETECTORS.filter((d) => d.test(value)).map((d) => d.id);
const column = (name: string, samples: unknown[], type = "text") =>
  classifyColumn({ table: "t", column: name, type, samples }).category;

describe("values in the world's formats", () => {
  test.each([
    ["1 84 12 76 451 089 46", "government_id.fr_nir"],
    ["131052-308T", "government_id.fi_hetu"],
    ["971013-9019902", "government_id.kr_rrn"],
    ["ACUPA7085R", "government_id.in_pan"],
    ["RCCMNL83S18D969H", "government_id.it_codice_fiscale"],
    ["943 476 5919", "government_id.uk_nhs"],
    ["1EG4-TE5-MK73", "government_id.us_mbi"],
    ["A123-456-78-901-0", "government_id.us_driving_licence"],
    ["S1234567D", "government_id.sg_nric"],
    ["40°26′46″N 79°58′56″W", "geolocation.dms"],
    ["geo:37.786971,-122.399677", "geolocation.geo_uri"],
    ["lat: 52.52, lng: 13.405", "geolocation.labelled"],
    ["RTN 021000021 ACCT 123456789", "bank_account.details"],
    ["routing:021000021;account:12345678", "bank_account.details"],
    ["4111 1111 1111 1111 12/27", "payment_card.with_expiry"],
    ["acme_live_8fJ2kLm9Qx7Rt4Vw1Yz3Bn6Cd5Ef0GhI", "credential.prefixed_secret"],
    ["Herr Jürgen Müller", "person.titled_name"],
    ["Mr. Smith", "person.titled_name"],
    ["Unter den Linden 77, 10117 Berlin", "address.european"],
    ["4 July 1994", "dob.date"],
    ["May 11, 1982", "dob.date"],
    ["4915112345678", "phone.digits"],
    // Social security and personal numbers of more countries, as each writes them.
    ["756.9217.0769.85", "government_id.ch_ahv"],
    ["7569217076985", "government_id.ch_ahv_digits"],
    ["710319/2745", "government_id.cz_rc"],
    ["211062-5629", "government_id.dk_cpr"],
    ["450401-3150", "government_id.is_kennitala"],
    ["37605030299", "government_id.ee_ik"],
    ["1237 010180", "government_id.at_vnr"],
    ["7523169263", "government_id.bg_egn"],
  ])("%s → %s", (value, detector) => {
    expect(firing(value)).toContain(detector);
  });

  test.each([
    // Shapes of identifiers without their check digits, or of another thing.
    ["1 84 12 76 451 089 47", "government_id.fr_nir"],
    ["ACUCA7085R", "government_id.in_pan"],
    ["943 476 5918", "government_id.uk_nhs"],
    ["cus_9s6XKzkNRiz8i3", "credential.prefixed_secret"],
    [`sha256:${"ab12".repeat(16)}`, "credential.prefixed_secret"],
    ["routing:021000022;account:12345678", "bank_account.details"],
    ["Version 4, Spring Edition 2021", "address.street"],
    ["Version 4, 2021 Edition", "address.european"],
    ["31671043264", "phone.digits"],
    // The same shapes with a wrong check digit or an impossible date.
    ["756.9217.0769.86", "government_id.ch_ahv"],
    ["710319/2746", "government_id.cz_rc"],
    ["311399-1234", "government_id.dk_cpr"],
    ["450401-3151", "government_id.is_kennitala"],
    ["37605030290", "government_id.ee_ik"],
    ["1238 010180", "government_id.at_vnr"],
    ["7523169264", "government_id.bg_egn"],
    // Order numbers grouped six and four: some plan accepts any ten digits, no one writes so.
    ["483920-1177", "phone.formatted"],
    ["483920/1177", "phone.formatted"],
  ])("%s is not %s", (value, detector) => {
    expect(firing(value)).not.toContain(detector);
  });
});

describe("columns", () => {
  test("a spaced NIR column is a government id, not phones", () => {
    const nirs = [
      "1 84 12 76 451 089 46",
      "2 95 10 99 126 111 93",
      "1 67 02 67 897 237 44",
      "1 88 07 88 558 069 39",
      "2 69 05 49 588 157 80",
    ];
    expect(column("col_7", nirs)).toBe("government_id");
  });

  test("Danish, Icelandic and Austrian numbers written with their separator are ids, not phones", () => {
    expect(
      column("ref", ["211062-5629", "010185-1233", "240378-1217", "070791-3347", "150203-4109"]),
    ).toBe("government_id");
    expect(
      column("ref", ["450401-3150", "120174-3399", "010130-2989", "310195-2789", "250880-3249"]),
    ).toBe("government_id");
    expect(
      column("ref", ["1237 010180", "4286 121075", "3451 240365", "6791 010199", "2814 311288"]),
    ).toBe("government_id");
    expect(
      column("ref", ["483920-1177", "100245-9921", "377104-0032", "912873-4410", "650023-7781"]),
    ).toBe("none");
    // Austrian mobiles start with their trunk 0.
    expect(
      column("ref", [
        "0664 1234567",
        "0676 9876543",
        "0699 1029384",
        "0650 5556677",
        "0660 8765432",
      ]),
    ).toBe("phone");
  });

  test("bare Steuer-IDs decide by share; sequential 11-digit numbers do not", () => {
    expect(
      column("value", ["36574261809", "11819184117", "11722108130", "11851087174", "11110281236"]),
    ).toBe("government_id");
    const sequence = Array.from({ length: 12 }, (_, i) => String(36_574_261_800 + i));
    expect(column("value", sequence)).toBe("none");
  });

  test("`pan` is decided by its values: an Indian PAN or a card", () => {
    expect(column("pan", ["ABCPE1234F", "BNZPM2501G", "AAAPL1234C", "CQWPK5678Q"])).toBe(
      "government_id",
    );
    expect(
      column("pan", [
        "4111111111111111",
        "5500005555555559",
        "340000000000009",
        "4012888888881881",
      ]),
    ).toBe("payment_card");
  });

  test("a card with its expiry is payment_card, not free text", () => {
    expect(
      column("details", [
        "4111 1111 1111 1111 12/27",
        "5500 0055 5555 5559 01/28",
        "4012 8888 8888 1881 07/29",
        "4111111111111111|11/2030",
      ]),
    ).toBe("payment_card");
  });

  test("digit groups and title-cased product labels are not free text", () => {
    expect(
      column("reference", ["RF18 5390 0754 7034", "RF71 2234 5610 9921", "RF02 1111 2222 3333"]),
    ).toBe("none");
    expect(
      column("product", [
        "Home Equity Loan Refinance",
        "Equity Loan",
        "Small Business Credit Line",
      ]),
    ).toBe("none");
  });

  test("JSON parts together: name, birth date, bank details", () => {
    const names = [
      { given: "Anna", middle: "Maria", family: "Schmidt" },
      { given: "Louis", family: "Moreau" },
      { given: "John", middle: "Paul", family: "Smith" },
    ];
    expect(column("traveller", names, "jsonb")).toBe("person_name");
    const dates = [
      { day: 4, month: 7, year: 1964 },
      { day: 11, month: 5, year: 1982 },
      { day: 23, month: 1, year: 1990 },
      { day: 2, month: 12, year: 1955 },
      { day: 30, month: 9, year: 1971 },
    ];
    expect(column("data", dates, "jsonb")).toBe("date_of_birth");
    const bank = [
      { routing: "021000021", account: "12345678" },
      { routing: "011000015", account: "99887766" },
      { routing: "026009593", account: "55443322" },
    ];
    expect(column("data", bank, "jsonb")).toBe("bank_account");
  });
});

describe("column names", () => {
  test.each([
    ["Vorname", "first_name"],
    ["kundenTelefonnummer", "customer_phone_number"],
    ["date_de_naissance", "date_of_birth"],
    ["fecha_de_nacimiento", "date_of_birth"],
    ["dl", "driver_license"],
    ["driver_lic_no", "driver_license_number"],
  ])("%s reads as %s", (name, tokens) => {
    expect(nameTokens(name).join("_")).toBe(tokens);
  });

  test("a listing's host name is a person, a server's hostname is not", () => {
    expect(nameSignal("host_name")).toMatchObject({ kind: "hint", category: "person_name" });
    expect(nameSignal("hostname").kind).toBe("negative");
  });

  test("a name never outvotes validated values", () => {
    // `telefon` hints phone; the values are valid IBANs.
    expect(
      column("telefon", [
        "DE89370400440532013000",
        "GB29NWBK60161331926819",
        "FR1420041010050500013M02606",
      ]),
    ).toBe("bank_account");
  });
});
