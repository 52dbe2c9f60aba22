import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCatalogScan } from "../jobs/classify/scan.ts";
import { startOfTodayUtc } from "../masking/demo-platform/clock.ts";
import { seedDemoPlatform } from "../masking/demo-platform/index.ts";
import { leakScan, sourceIdentifiers } from "../masking/leak-scan/leak-scan.ts";
import { checkProvisioningGate } from "../masking/provision/plan.ts";
import { datasetDatabaseName, provisionDataset } from "../masking/provision/provision.ts";
import { setMaskingRule } from "../masking/rules/masking-rules.repository.ts";
import { previewColumnRule } from "../masking/rules/preview.ts";
import { leakScanKey, maskingKey } from "../masking/strategies/key.ts";
import { withDatabase } from "../schema/config.ts";
import type { Category } from "../schema/domain/classification.ts";
import { reviewColumns } from "../schema/governance/catalog-review.repository.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { dropDatasetByName } from "./support/dataset-cleanup.ts";
import { overrideColumns } from "./support/steward-decisions.ts";

/**
 * A masked copy holds no source address line anywhere: a source whose free text quotes its
 * customers' streets — US, German, French and Canadian, in the shapes scrub knows and in ones
 * it does not (a one-word German street, lower or upper case, a street kept apart from its
 * house number in two columns or two JSON keys) — is provisioned, and the copy is searched by
 * patterns written here, by hand, for every line. The product's scan then refuses a copy where
 * one of those lines is put back.
 */

const SLOW = 900_000;

/**
 * Each source line: how the source holds it, how the notes quote it, and what finds it in the
 * copy (its number and its name's distinctive word, either order, a few characters apart).
 */
const LINES = [
  {
    address: "16283 Liberty Street Apt 4, Skokie, IL 60613",
    note: "Met the owner at 16283 liberty st. about the roof.",
    number: "16283",
    name: "liberty",
  },
  {
    address: "3959 Schuppe Vista Apt 36A, Lake Ervin, OH 44130",
    note: "site photo at 3959 schuppe vista, gate code on file",
    number: "3959",
    name: "schuppe",
  },
  {
    address: "Hauptstraße 12, 10115 Berlin",
    note: "Lieferung an HAUPTSTRASSE 12, bitte klingeln.",
    number: "12",
    name: "hauptstr",
  },
  {
    address: "Kursiefen 9, 51371 Leverkusen",
    note: "Termin Kursiefen 9 um 8 Uhr, Hund im Garten.",
    number: "9",
    name: "kursiefen",
  },
  {
    address: "12 bis rue de la Paix, 75002 Paris",
    note: "Rendez-vous au 12 bis RUE DE LA PAIX, interphone en panne.",
    number: "12",
    name: "paix",
  },
  {
    address: "1234, rue Sherbrooke Ouest, Montréal, QC H3A 1B2",
    note: "Chantier au 1234 rue sherbrooke o., 2e étage.",
    number: "1234",
    name: "sherbrooke",
  },
  {
    address: "55 King Street West, Unit 4, Toronto, ON M5H 1A1",
    note: "drop the keys at 55 king st w before noon",
    number: "55",
    name: "king",
  },
];
/** A one-word street kept apart from its number: in two columns, and in two JSON keys. */
const SPLIT = { street: "Jüch", number: "12", note: "Schlüssel bei Jüch 12 abholen." };
const SPLIT_JSON = { street: "Klief", number: "3a", note: "Paket liegt bei Klief 3a, Hinterhof." };

/** A pattern for a line: its number then its name, or its name then its number. */
function linePattern(number: string, name: string): RegExp {
  const gap = "[^0-9a-zà-ÿ]{1,4}";
  const words = `(?:[a-zà-ÿ]+${gap}){0,3}`;
  return new RegExp(
    `(?<![0-9])${number}(?:${gap}bis)?${gap}${words}${name}|${name}[a-zà-ÿ]*${gap}${number}(?![0-9])`,
  );
}

describe("a masked copy holds none of the source's address lines", () => {
  let t: TestDatabase;
  const suffix = Math.random().toString(36).slice(2, 8);
  const name = `addr${suffix}`;
  const database = datasetDatabaseName(name);
  let dst: pg.Pool;
  let demoLines: string[] = [];
  let ready = false;

  beforeAll(async () => {
    t = await createTestDatabase("address_lines", { demoPartitionsFor: startOfTodayUtc() });
    const pool = new pg.Pool({ connectionString: t.config.databaseUrl, max: 3 });
    try {
      await seedDemoPlatform(pool, { tenants: 4, customersPerTenant: 8, seed: 14 });
      await pool.query("CREATE EXTENSION IF NOT EXISTS citext");
      // The notes are also quoted in an array, a citext and a char column: free text of other
      // text types is scrubbed with the same dictionary.
      await pool.query(`
        CREATE TABLE addr_contacts (
          id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
          full_address text,
          street text,
          house_number text,
          location jsonb,
          notes text,
          note_tags text[],
          memo citext,
          code char(90)
        )`);
      for (const line of LINES) {
        await pool.query(
          "INSERT INTO addr_contacts (full_address, notes, note_tags, memo, code) VALUES ($1, $2, $3, $4, $5)",
          [line.address, line.note, ["visit", line.note, null], line.note, line.note],
        );
      }
      await pool.query(
        "INSERT INTO addr_contacts (street, house_number, notes) VALUES ($1, $2, $3)",
        [SPLIT.street, SPLIT.number, SPLIT.note],
      );
      await pool.query("INSERT INTO addr_contacts (location, notes) VALUES ($1::jsonb, $2)", [
        JSON.stringify({
          street: SPLIT_JSON.street,
          house_number: SPLIT_JSON.number,
          city: "Köln",
        }),
        SPLIT_JSON.note,
      ]);
      // The demo customers' own street lines (every country's), searched for as written.
      const demo = await pool.query<{ line: string }>(
        `SELECT DISTINCT a ->> 'line1' AS line FROM customers, jsonb_array_elements(addresses) a
         WHERE a ->> 'line1' IS NOT NULL`,
      );
      demoLines = demo.rows.map((r) => r.line.toLowerCase());
    } finally {
      await pool.end();
    }
    await runCatalogScan({ db: t.owner }, { stores: ["postgres"], triggeredBy: "test" });
    await reviewColumns(t.owner, {
      target: { filter: { store: "postgres" } },
      action: "accept",
      actor: "steward@test",
    });
    // The steward's decisions on the added table, whatever the scanner proposed.
    const decide: [string, string, Category][] = [
      ["full_address", "", "postal_address"],
      ["street", "", "postal_address"],
      ["house_number", "", "none"],
      ["location", "", "postal_address"],
      ["notes", "", "free_text_pii"],
      ["note_tags", "", "free_text_pii"],
      ["memo", "", "free_text_pii"],
      ["code", "", "free_text_pii"],
    ];
    await overrideColumns(t.owner, "addr_contacts", decide);
    // An address document: the steward has every leaf substituted as an address.
    await setMaskingRule(t.owner, {
      table: "addr_contacts",
      column: "location",
      strategy: "substitute",
      params: { category: "postal_address" },
      setBy: "steward@test",
    });
    dst = new pg.Pool({ connectionString: withDatabase(t.config, database).databaseUrl, max: 2 });
  }, SLOW);

  afterAll(async () => {
    await dst?.end();
    await dropDatasetByName(t.config, database).catch(() => {});
    await t?.drop();
  });

  it(
    "no source address line appears anywhere in the copy, in any spelling",
    async () => {
      const result = await provisionDataset(
        { db: t.owner, config: t.config },
        { name, requestedBy: "engineer@test" },
      );
      expect(result.kind === "refused" ? result.blocking : result.kind).toBe("ready");
      ready = result.kind === "ready";

      // Our own search: every relation of every schema, every row as JSON text, lower case.
      const relations = await dst.query<{ name: string }>(
        `SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p', 'm') AND NOT c.relispartition
           AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`,
      );
      let everything = "";
      for (const { name: relation } of relations.rows) {
        const rows = await dst.query<{ r: string }>(
          `SELECT row_to_json(x)::text AS r FROM ${relation} x`,
        );
        everything += `${rows.rows.map((r) => r.r).join("\n")}\n`;
      }
      // One row per line, lower case, umlauts and ß as they are typed without them.
      const text = everything
        .toLowerCase()
        .replace(/ä/g, "ae")
        .replace(/ö/g, "oe")
        .replace(/ü/g, "ue")
        .replace(/ß/g, "ss");
      const found = [
        ...LINES.map((l) => linePattern(l.number, l.name)),
        linePattern(SPLIT.number, "juech"),
        linePattern(SPLIT.number, "juch"),
        linePattern(SPLIT_JSON.number, "klief"),
      ].filter((re) => re.test(text));
      expect(found.map(String)).toEqual([]);
      // The one-word streets kept apart from their numbers are gone too, alone.
      expect(["juech", "juch", "klief", "kursiefen"].filter((w) => text.includes(w))).toEqual([]);
      // The notes are still there, only their streets replaced.
      const notes = await dst.query<{ notes: string }>(
        "SELECT notes FROM addr_contacts WHERE notes LIKE 'Lieferung an %'",
      );
      expect(notes.rows[0]?.notes).toMatch(/^Lieferung an \S+ \d+, bitte klingeln\.$/);
      // Every demo customer's street line, as written in the source.
      expect(demoLines.length).toBeGreaterThan(20);
      expect(demoLines.filter((l) => text.includes(l))).toEqual([]);
      // The other text types kept their shape: an array of three, char padded to its length.
      const shapes = await dst.query<{ tags: string[]; memo: string; code: string }>(
        "SELECT note_tags AS tags, memo::text AS memo, code::text AS code, octet_length(code) AS n FROM addr_contacts WHERE note_tags IS NOT NULL",
      );
      expect(shapes.rows.length).toBe(LINES.length);
      for (const row of shapes.rows) {
        expect(row.tags.length).toBe(3);
        expect(row.tags[0]).toBe("visit");
        expect(row.tags[2]).toBeNull();
        expect(row.memo.length).toBeGreaterThan(10);
      }
    },
    SLOW,
  );

  it("the rule editor's preview of an array of notes is the copy's own rewrite", async () => {
    const preview = await previewColumnRule(
      { db: t.owner, config: t.config },
      { table: "addr_contacts", column: "note_tags", raw: false, limit: 20 },
    );
    expect(preview.rows.length).toBe(LINES.length);
    const after = preview.rows.map((r) => (r.after ?? "").toLowerCase()).join("\n");
    expect(after).toContain('"visit"');
    expect(
      LINES.filter((l) => linePattern(l.number, l.name).test(after)).map((l) => l.name),
    ).toEqual([]);
  });

  it(
    "the product's scan refuses a copy where a line is put back in another spelling",
    async () => {
      expect(ready).toBe(true);
      await dst.query("UPDATE addr_contacts SET notes = $1 WHERE notes LIKE 'Termin %'", [
        "Neuer Termin: JUECH 12, Hintereingang.",
      ]);
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
        // The copy's audit triggers logged the update too.
        expect(scan.findings.map((f) => f.column)).toContain("addr_contacts.notes");
        expect(
          scan.findings.map((f) => f.column).filter((c) => !c.startsWith("audit_logs.")),
        ).toEqual(["addr_contacts.notes"]);
      } finally {
        await source.end();
      }
    },
    SLOW,
  );
});
