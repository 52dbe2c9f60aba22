import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCatalogScan } from "../jobs/classify/scan.ts";
import { startOfTodayUtc } from "../masking/demo-platform/clock.ts";
import { seedDemoPlatform } from "../masking/demo-platform/index.ts";
import { leakScan, sourceIdentifiers } from "../masking/leak-scan/leak-scan.ts";
import { checkProvisioningGate } from "../masking/provision/plan.ts";
import { datasetDatabaseName, provisionDataset } from "../masking/provision/provision.ts";
import { leakScanKey, maskingKey } from "../masking/strategies/key.ts";
import { withDatabase } from "../schema/config.ts";
import type { Category } from "../schema/domain/classification.ts";
import { reviewColumns } from "../schema/governance/catalog-review.repository.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { dropDatasetByName } from "./support/dataset-cleanup.ts";
import { overrideColumns } from "./support/steward-decisions.ts";

/**
 * The leak scan must not fail open: a copy of a platform with the cases that slipped through
 * before (international phones in free text, phones and cards stored as numbers, in arrays, in
 * bytea, as JSON numbers, cards behind an innocent column name, case-only email duplicates in a
 * unique column, a citext column, a materialized view, a second schema) holds none of those
 * values anywhere — checked by a search written here, not by the product's scan — and the
 * product's scan refuses a copy where any one of them is put back.
 */

const SLOW = 900_000;

/** A Luhn-valid number: `prefix` followed by random digits and the check digit, `length` long. */
function luhnNumber(prefix: string, length: number, seed: number): string {
  let body = prefix;
  let x = seed;
  while (body.length < length - 1) {
    x = (x * 1103515245 + 12345) % 2147483648;
    body += String(x % 10);
  }
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
  return body + String((10 - (sum % 10)) % 10);
}

// International phones as people write them, with their national significant number (the digits
// every written form of the number shares), written down by hand.
const TEXT_PHONES = [
  { written: "+44 20 7946 0958", nsn: "2079460958" }, // GB, international
  { written: "020 7946 0123", nsn: "2079460123" }, // GB, national
  { written: "030 9018 2731", nsn: "3090182731" }, // DE, national
  { written: "+49 151 23456789", nsn: "15123456789" }, // DE mobile, international
  { written: "06 12 34 56 78", nsn: "612345678" }, // FR, national
  { written: "+33 7 81 23 45 67", nsn: "781234567" }, // FR mobile, international
  { written: "+1 416 555 0199", nsn: "4165550199" }, // CA, international
  { written: "(604) 555-0188", nsn: "6045550188" }, // CA, national
];
const NOTES = [
  `Ring Mr Hughes on ${TEXT_PHONES[0]?.written} or at home on ${TEXT_PHONES[1]?.written}.`,
  `Büro: ${TEXT_PHONES[2]?.written}, mobil ${TEXT_PHONES[3]?.written}`,
  `Appeler Mme Dubois au ${TEXT_PHONES[4]?.written} ou ${TEXT_PHONES[5]?.written} après 18h`,
  `Toronto office ${TEXT_PHONES[6]?.written}; Vancouver ${TEXT_PHONES[7]?.written}`,
];
const BIGINT_PHONES = ["442079460777", "4915123456780"];
const NUMERIC_CARDS = [luhnNumber("4556", 16, 1), luhnNumber("5425", 16, 2)];
const ORDER_REF_CARDS = Array.from({ length: 20 }, (_, i) =>
  i % 3 === 2 ? luhnNumber("37", 15, 100 + i) : luhnNumber(i % 3 ? "4" : "51", 16, 100 + i),
);
const IP = "81.2.69.142";
const ARRAY_PHONES = ["+33 6 98 76 54 32", "0151 2345 6789"];
const ARRAY_PHONE_NSN = ["698765432", "15123456789"];
const BIGINT_ARRAY_PHONES = ["33698765431", "4930901827"];
const BYTEA_TEXT = "Contact: +44 20 7946 0321";
const JSON_PHONE = "14155550123";
const JSON_CARD = luhnNumber("4716", 16, 7);
const CASE_EMAILS = ["Ann.Lee@example.net", "ann.lee@example.net"];
const CITEXT_EMAILS = ["zoe.martin@example.fr", "Lukas.Becker@example.de"];

describe("the leak scan fails closed on the cases that slipped through", () => {
  let t: TestDatabase;
  const suffix = Math.random().toString(36).slice(2, 8);
  const name = `adv${suffix}`;
  const database = datasetDatabaseName(name);
  let dst: pg.Pool;
  let ready = false;

  beforeAll(async () => {
    t = await createTestDatabase("leak_adversarial", { demoPartitionsFor: startOfTodayUtc() });
    const pool = new pg.Pool({ connectionString: t.config.databaseUrl, max: 3 });
    try {
      await seedDemoPlatform(pool, { tenants: 1, customersPerTenant: 20, seed: 5 });
      await pool.query(`
        CREATE EXTENSION IF NOT EXISTS citext;
        CREATE TABLE adv_contacts (
          id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
          notes text,
          phone_number bigint,
          card_number numeric(20, 0),
          order_ref text,
          memo text,
          last_ip inet,
          alt_phones text[],
          phone_list bigint[],
          attachment bytea,
          profile jsonb,
          login_email text UNIQUE,
          email citext UNIQUE,
          emails citext[]
        );
        CREATE MATERIALIZED VIEW adv_phone_view AS SELECT id, notes, phone_number FROM adv_contacts;`);
      const rows = Math.max(NOTES.length, ORDER_REF_CARDS.length);
      for (let i = 0; i < rows; i++) {
        await pool.query(
          `INSERT INTO adv_contacts (notes, phone_number, card_number, order_ref, memo, last_ip,
             alt_phones, phone_list, attachment, profile, login_email, email, emails)
           VALUES ($1, $2, $3, $4, 'ok', $5, $6, $7, convert_to($8, 'UTF8'), $9::jsonb, $10, $11, $12)`,
          [
            NOTES[i] ?? null,
            BIGINT_PHONES[i] ?? null,
            NUMERIC_CARDS[i] ?? null,
            ORDER_REF_CARDS[i],
            i === 0 ? IP : null,
            i === 0 ? ARRAY_PHONES : null,
            i === 0 ? BIGINT_ARRAY_PHONES : null,
            i === 0 ? BYTEA_TEXT : null,
            i === 0 ? `{"phone": ${JSON_PHONE}, "card": ${JSON_CARD}, "n": 3}` : null,
            CASE_EMAILS[i] ?? null,
            CITEXT_EMAILS[i] ?? null,
            i === 0 ? CITEXT_EMAILS : null,
          ],
        );
      }
      await pool.query("REFRESH MATERIALIZED VIEW adv_phone_view");
    } finally {
      await pool.end();
    }
    await runCatalogScan({ db: t.owner }, { stores: ["postgres"], triggeredBy: "test" });
    await reviewColumns(t.owner, {
      target: { filter: { store: "postgres" } },
      action: "accept",
      actor: "steward@test",
    });
    // The steward marks what the added columns hold (whatever the scanner proposed).
    const decide: [string, string, Category][] = [
      ["notes", "", "free_text_pii"],
      ["phone_number", "", "phone"],
      ["card_number", "", "payment_card"],
      ["order_ref", "", "payment_card"],
      ["memo", "", "none"],
      ["last_ip", "", "ip_address"],
      ["alt_phones", "", "phone"],
      ["phone_list", "", "phone"],
      ["attachment", "", "free_text_pii"],
      ["login_email", "", "email"],
      ["email", "", "email"],
      ["emails", "", "email"],
      // A document the scanner saw once: the steward marks it as holding personal data, and
      // its paths where the scanner found them.
      ["profile", "", "free_text_pii"],
      ["profile", "phone", "phone"],
      ["profile", "card", "payment_card"],
    ];
    await overrideColumns(t.owner, "adv_contacts", decide);
    dst = new pg.Pool({
      connectionString: withDatabase(t.config, database).databaseUrl,
      max: 2,
    });
  }, SLOW);

  afterAll(async () => {
    await dst?.end();
    await dropDatasetByName(t.config, database).catch(() => {});
    await t?.drop();
  });

  it(
    "a reviewed copy holds none of the seeded values anywhere, and the unique index builds",
    async () => {
      const result = await provisionDataset(
        { db: t.owner, config: t.config },
        { name, requestedBy: "engineer@test" },
      );
      expect(result.kind).toBe("ready");
      ready = result.kind === "ready";

      // Our own search: every relation of every schema, every row as JSON text (bytea as hex).
      const relations = await dst.query<{ name: string }>(
        `SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p', 'm') AND NOT c.relispartition
           AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`,
      );
      expect(relations.rows.map((r) => r.name)).toContain("public.adv_phone_view");
      let everything = "";
      for (const { name: relation } of relations.rows) {
        const rows = await dst.query<{ r: string }>(
          `SELECT row_to_json(x)::text AS r FROM ${relation} x`,
        );
        everything += `${rows.rows.map((r) => r.r).join("\n")}\n`;
      }
      everything = everything.toLowerCase();
      // Numbers with their separators taken out: `+44 20 7946 0958` is searched as digits.
      const digits = everything.replace(/([0-9])[ .()-]+(?=[0-9])/g, "$1");
      const hex = (s: string) => Buffer.from(s, "utf8").toString("hex");
      const needles = [
        ...TEXT_PHONES.map((p) => p.nsn),
        ...BIGINT_PHONES,
        ...NUMERIC_CARDS,
        ...ORDER_REF_CARDS,
        ...ARRAY_PHONE_NSN,
        ...BIGINT_ARRAY_PHONES,
        "2079460321",
        JSON_PHONE.slice(1),
        JSON_CARD,
      ];
      const found = needles.filter((n) => digits.includes(n));
      expect(found).toEqual([]);
      const texts = [IP, BYTEA_TEXT, ...CASE_EMAILS, ...CITEXT_EMAILS].map((v) => v.toLowerCase());
      expect(texts.filter((v) => everything.includes(v))).toEqual([]);
      expect([BYTEA_TEXT, "7946 0321"].filter((v) => everything.includes(hex(v)))).toEqual([]);

      // The unique indexes were built, and the case-only duplicates stayed two people.
      const indexes = await dst.query<{ indexname: string }>(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'adv_contacts' ORDER BY 1",
      );
      expect(indexes.rows.map((r) => r.indexname)).toEqual(
        expect.arrayContaining(["adv_contacts_email_key", "adv_contacts_login_email_key"]),
      );
      const emails = await dst.query<{ n: number; d: number }>(
        "SELECT count(login_email)::int AS n, count(DISTINCT login_email)::int AS d FROM adv_contacts",
      );
      expect(emails.rows[0]).toEqual({ n: 2, d: 2 });
    },
    SLOW,
  );

  it(
    "the product's scan refuses a copy where any seeded value is put back, naming its column",
    async () => {
      expect(ready).toBe(true);
      const row = "(SELECT id FROM adv_contacts WHERE alt_phones IS NOT NULL)";
      // One raw value of each kind back in the copy.
      await dst.query(
        `UPDATE adv_contacts SET notes = $1, phone_number = $2, card_number = $3, last_ip = $4,
           alt_phones = $5, phone_list = $6, attachment = convert_to($7, 'UTF8'), profile = $8::jsonb,
           memo = $9 WHERE id = ${row}`,
        [
          `call me: ${TEXT_PHONES[4]?.written}`,
          BIGINT_PHONES[0],
          NUMERIC_CARDS[0],
          IP,
          ARRAY_PHONES,
          BIGINT_ARRAY_PHONES,
          BYTEA_TEXT,
          `{"phone": ${JSON_PHONE}}`,
          // A valid card the source never held, in a column labelled `none`: found by content.
          `ref ${luhnNumber("4539", 16, 99).replace(/(\d{4})(?=\d)/g, "$1 ")}`,
        ],
      );
      await dst.query(
        `UPDATE adv_contacts SET order_ref = $1 WHERE id = (SELECT id FROM adv_contacts WHERE alt_phones IS NULL LIMIT 1)`,
        [ORDER_REF_CARDS[5]],
      );
      await dst.query(`
        DROP MATERIALIZED VIEW adv_phone_view;
        CREATE MATERIALIZED VIEW adv_phone_view AS SELECT '${TEXT_PHONES[2]?.written}'::text AS phone;
        CREATE SCHEMA crm2;
        CREATE TABLE crm2.leads (contact text);
        INSERT INTO crm2.leads VALUES ('${CASE_EMAILS[0]}');`);
      const source = new pg.Pool({ connectionString: t.config.databaseUrl, max: 2 });
      try {
        const gate = await checkProvisioningGate({ db: t.owner, source: t.owner });
        expect(gate.kind).toBe("ok");
        const key = leakScanKey(t.config.secret);
        const scan = await leakScan({
          target: dst,
          identifiers: await sourceIdentifiers({
            source,
            plan: gate.kind === "ok" ? gate.tables : [],
            key,
            maskingKey: maskingKey(t.config.secret).bytes,
          }),
          key,
        });
        expect(scan.clean).toBe(false);
        expect(scan.findings.map((f) => f.column)).toEqual(
          expect.arrayContaining([
            "adv_contacts.notes",
            "adv_contacts.phone_number",
            "adv_contacts.card_number",
            "adv_contacts.order_ref",
            "adv_contacts.memo",
            "adv_contacts.last_ip",
            "adv_contacts.alt_phones",
            "adv_contacts.phone_list",
            "adv_contacts.attachment",
            "adv_contacts.profile",
            "adv_phone_view.phone",
            "crm2.leads.contact",
          ]),
        );
      } finally {
        await source.end();
      }
    },
    SLOW,
  );
});
