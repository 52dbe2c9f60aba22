import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCatalogScan } from "../jobs/classify/scan.ts";
import { getDataset } from "../masking/datasets.repository.ts";
import { startOfTodayUtc } from "../masking/demo-platform/clock.ts";
import { seedDemoPlatform } from "../masking/demo-platform/index.ts";
import {
  type FieldValue,
  fieldValue,
  type StreamField,
} from "../masking/leak-scan/stream-fields.ts";
import { BinaryTuples } from "../masking/provision/binary-copy.ts";
import { connectionString } from "../masking/provision/dataset-database.ts";
import { datasetDatabaseName, provisionDataset } from "../masking/provision/provision.ts";
import { jsonTextLeaves } from "../masking/strategies/json-text.ts";
import { withDatabase } from "../schema/config.ts";
import { copyOut } from "../schema/copy-out.ts";
import { reviewColumns } from "../schema/governance/catalog-review.repository.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { dropDatasetByName } from "./support/dataset-cleanup.ts";

/**
 * The leak scan reads the copy's own stream (stream-scan.ts) only because nothing else writes
 * into the target before hand-over (load-proof.ts). These tests try the other writers: a
 * trigger, a rule and a default in the source schema (none may fire during the load), another
 * session writing into the target mid-copy (caught), the dataset's own role (cannot connect),
 * a source whose address lines change between the identifiers' read and scrub's dictionary
 * (the stream reads lines only as far as the dictionary allows: the copy is read again), and
 * check the stream's decoding against Postgres's own text of the same values.
 */

const SLOW = 900_000;

describe("the leak scan on the copy's stream", () => {
  let t: TestDatabase;
  let realEmail = "";
  const created: string[] = [];
  const suffix = Math.random().toString(36).slice(2, 8);
  const dsName = (n: string) => {
    const name = `s${suffix}-${n}`;
    created.push(datasetDatabaseName(name));
    return name;
  };
  const deps = () => ({ db: t.owner, config: t.config });
  const targetUrl = (name: string) => withDatabase(t.config, datasetDatabaseName(name)).databaseUrl;

  /** Rows of the target, whole rows as text, that hold the real email: written independently. */
  async function rowsHolding(name: string, value: string): Promise<Record<string, number>> {
    const target = new pg.Client({ connectionString: targetUrl(name) });
    await target.connect();
    try {
      await target.query("SET row_security = off");
      const tables = await target.query<{ t: string }>(
        `SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) AS t FROM pg_tables
         WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`,
      );
      const out: Record<string, number> = {};
      for (const { t: table } of tables.rows) {
        const r = await target.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${table} x WHERE strpos(lower(x::text), lower($1)) > 0`,
          [value],
        );
        if ((r.rows[0]?.n ?? 0) > 0) {
          out[table] = r.rows[0]?.n ?? 0;
        }
      }
      return out;
    } finally {
      await target.end();
    }
  }

  beforeAll(async () => {
    t = await createTestDatabase("provstream", { demoPartitionsFor: startOfTodayUtc() });
    const pool = new pg.Pool({ connectionString: t.config.databaseUrl, max: 3 });
    try {
      await seedDemoPlatform(pool, { tenants: 2, customersPerTenant: 30, seed: 11 });
      const r = await pool.query<{ email: string }>(
        "SELECT email FROM customers WHERE email LIKE '%@%' ORDER BY id LIMIT 1",
      );
      realEmail = r.rows[0]?.email as string;
      const lit = `'${realEmail.replace(/'/g, "''")}'`;
      // Writers that would put the real email into the copy if they fired during the load.
      await pool.query(`
        CREATE TABLE leak_log (id int PRIMARY KEY, v text DEFAULT ${lit});
        INSERT INTO leak_log (id, v) SELECT g, 'nothing to see here ' || g FROM generate_series(1, 30) g;
        CREATE FUNCTION leak_email() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN NEW.company_name := ${lit}; RETURN NEW; END $$;
        CREATE TRIGGER leak_email BEFORE INSERT OR UPDATE ON customers
          FOR EACH ROW EXECUTE FUNCTION leak_email();
        CREATE RULE leak_rule AS ON INSERT TO customers DO ALSO
          INSERT INTO leak_log (id, v) VALUES (-1, ${lit});
        ALTER TABLE customers ALTER COLUMN company_name SET DEFAULT ${lit};
        CREATE TABLE late_addresses (id int PRIMARY KEY, street text);
        INSERT INTO late_addresses VALUES (1, 'Klief 3'), (2, 'Jüch 12'), (3, 'Flabbenhäuschen 4'),
          (4, 'Hauptstraße 9'), (5, 'Am Rosenhügel 197a');
        CREATE TABLE late_notes (id int PRIMARY KEY, note text);
        INSERT INTO late_notes VALUES (1, 'Paket bei Klief 3 abgegeben.'),
          (2, 'Kunde ruft zurück.'), (3, 'Schlüssel beim Nachbarn.'), (4, 'Termin verschoben.'),
          (5, 'Rechnung folgt per Post.');
        CREATE TABLE late_lock (id int PRIMARY KEY);`);
    } finally {
      await pool.end();
    }
    await runCatalogScan({ db: t.owner }, { stores: ["postgres"], triggeredBy: "test" });
    await reviewColumns(t.owner, {
      target: { filter: { store: "postgres" } },
      action: "accept",
      actor: "steward@test",
    });
    // The note is prose scrub rewrites, the street an address: whatever the few samples said.
    for (const [table, column, category] of [
      ["late_notes", "note", "free_text_pii"],
      ["late_addresses", "street", "postal_address"],
    ] as const) {
      const ids = await t.owner
        .selectFrom("governance.catalog_columns")
        .select("id")
        .where("table_name", "=", table)
        .where("column_name", "=", column)
        .where("json_path", "=", "")
        .execute();
      await reviewColumns(t.owner, {
        target: { ids: ids.map((r) => String(r.id)) },
        action: "override",
        category,
        comment: "test fixture",
        actor: "steward@test",
      });
    }
  }, SLOW);

  afterAll(async () => {
    for (const db of created) {
      await dropDatasetByName(t.config, db).catch(() => {});
    }
    await t?.drop();
  });

  it(
    "a trigger, a rule and a default of the source schema never fire during the load: the copy is clean",
    async () => {
      const name = dsName("writers");
      const result = await provisionDataset(deps(), { name, requestedBy: "engineer@test" });
      expect(result.kind).toBe("ready");
      if (result.kind !== "ready") {
        return;
      }
      expect(result.report.leakScan.clean).toBe(true);
      expect(result.report.leakScan.values).toBeGreaterThan(1000);
      expect(await rowsHolding(name, realEmail)).toEqual({});
      // The writers exist in the copy (post-data made them after the load): they are real.
      const target = new pg.Client({ connectionString: targetUrl(name) });
      await target.connect();
      try {
        const r = await target.query(
          "SELECT tgname FROM pg_trigger WHERE tgname = 'leak_email' UNION ALL SELECT rulename FROM pg_rules WHERE rulename = 'leak_rule'",
        );
        expect(r.rows.length).toBe(2);
      } finally {
        await target.end();
      }
    },
    SLOW,
  );

  it(
    "a row another session writes into the target mid-copy is caught, and the dataset's role cannot connect before hand-over",
    async () => {
      const name = dsName("intruder");
      let roleRefused = "";
      let wrote = false;
      const attempt = provisionDataset(deps(), {
        name,
        requestedBy: "engineer@test",
        parallel: 1,
        afterTable: async (table) => {
          if (wrote) {
            return;
          }
          wrote = true;
          // The dataset's own role, with its password: no CONNECT until hand-over.
          const dataset = await getDataset(t.owner, name);
          const url = dataset ? connectionString(t.config, dataset) : null;
          expect(url).not.toBeNull();
          const role = new pg.Client({ connectionString: url as string });
          roleRefused = await role.connect().then(
            async () => {
              await role.end();
              return "";
            },
            (e: Error) => e.message,
          );
          // A superuser's session can connect: what it writes carries its own transaction.
          const intruder = new pg.Client({ connectionString: targetUrl(name) });
          await intruder.connect();
          try {
            await intruder.query("SET row_security = off");
            await intruder.query(`INSERT INTO leak_log (id, v) VALUES (-2, $1)`, [
              `written by someone else: ${realEmail}`,
            ]);
          } finally {
            await intruder.end();
          }
          expect(table).toBeTruthy();
        },
      });
      await expect(attempt).rejects.toThrow(/leak scan found source personal data in leak_log\.v/);
      expect(roleRefused).toMatch(/permission denied for database/);
    },
    SLOW,
  );

  it(
    "an address line the source loses between the identifiers' read and scrub's dictionary is still found: the copy is read again",
    async () => {
      const name = dsName("lateline");
      // Holds the schema dump (and with it scrub's dictionary) back while the identifiers thread
      // reads the source: it reads no table without text, so it does not wait for this one.
      const holder = new pg.Client({ connectionString: t.config.databaseUrl });
      const admin = new pg.Client({ connectionString: t.config.databaseUrl });
      await holder.connect();
      await admin.connect();
      try {
        await holder.query("BEGIN; LOCK TABLE late_lock IN ACCESS EXCLUSIVE MODE");
        const attempt = provisionDataset(deps(), { name, requestedBy: "engineer@test" });
        attempt.catch(() => {});
        const deadline = Date.now() + 120_000;
        const waitFor = async (what: string, sql: string) => {
          while ((await admin.query<{ ok: boolean }>(sql)).rows[0]?.ok !== true) {
            if (Date.now() > deadline) {
              throw new Error(`timed out waiting for ${what}`);
            }
            await new Promise((r) => setTimeout(r, 200));
          }
        };
        await waitFor(
          "the schema dump to wait",
          "SELECT count(*) > 0 AS ok FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'late_lock' AND NOT l.granted",
        );
        // The identifiers thread is done when provisioning runs no query but the waiting dump, and
        // still none when polled over the next two seconds.
        const idle =
          "SELECT count(*) = 0 AS ok FROM pg_stat_activity WHERE application_name = 'govern-provision' AND state = 'active'";
        for (const quiet = Date.now(); Date.now() - quiet < 2000; ) {
          await waitFor("the identifiers thread", idle);
          await new Promise((r) => setTimeout(r, 200));
        }
        // The line leaves the source; a note still quotes it, in a shape only the dictionary knows.
        await admin.query("DELETE FROM late_addresses WHERE street = 'Klief 3'");
        await holder.query("COMMIT");
        await expect(attempt).rejects.toThrow(
          /leak scan found source personal data in .*late_notes\.note/,
        );
      } finally {
        await holder.query("ROLLBACK").catch(() => {});
        await holder.end();
        await admin.query(
          "INSERT INTO late_addresses VALUES (1, 'Klief 3') ON CONFLICT DO NOTHING",
        );
        await admin.end();
      }
    },
    SLOW,
  );

  it("the stream reads numbers, bytea and arrays as Postgres writes them as text", async () => {
    const client = new pg.Client({ connectionString: t.config.databaseUrl });
    await client.connect();
    try {
      const cases: [Exclude<StreamField, "skip">, string, string[]][] = [
        [
          "numeric",
          "numeric",
          ["0", "-0.5", "12.50", "1852.1866666666666667", "4111111111111111", "-0.0001"],
        ],
        ["numeric", "numeric", ["100000000", "'NaN'", "123456789012345678901234567890.000"]],
        ["int", "int8", ["0", "-1", "9223372036854775807", "14155550123"]],
        ["int", "int4", ["'-2147483648'", "42"]],
        ["int", "int2", ["'-32768'", "7"]],
        ["bytea", "bytea", ["'\\x00414243ff5c0a7e'", "convert_to('jöhn@example.org', 'UTF8')"]],
        [
          "text[]",
          "text[]",
          ["ARRAY['a@b.co', NULL, 'x y']", "ARRAY[ARRAY['1','2'],ARRAY['3','4']]", "'{}'"],
        ],
        ["int[]", "int8[]", ["ARRAY[14155550123, 1]"]],
        ["numeric[]", "numeric[]", ["ARRAY[1.50, -2]"]],
      ];
      for (const [kind, type, items] of cases) {
        const values = `(VALUES ${items.map((v) => `(${v}::${type})`).join(", ")}) u(v)`;
        const expr = type.endsWith("[]")
          ? "to_jsonb(v)::text"
          : type === "bytea"
            ? "encode(v, 'escape')"
            : "v::text";
        const texts = await client.query<{ t: string }>(`SELECT ${expr} AS t FROM ${values}`);
        const decoded: FieldValue[] = [];
        const stream = client.query(
          copyOut(`COPY (SELECT v FROM ${values}) TO STDOUT (FORMAT binary)`),
        );
        const tuples = new BinaryTuples({
          header: () => {},
          trailer: () => {},
          tuple: (buf, start) => {
            decoded.push(fieldValue(kind, buf, start + 6, buf.readInt32BE(start + 2)));
          },
        });
        for await (const chunk of stream) {
          tuples.push(chunk as Buffer);
        }
        tuples.end();
        const want = texts.rows.map((r) =>
          type.endsWith("[]") ? { leaves: [...jsonTextLeaves(r.t)] } : { text: r.t },
        );
        expect(decoded, `${type}: ${items.join(", ")}`).toEqual(want);
      }
    } finally {
      await client.end();
    }
  });
});
