import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { platformTables } from "../jobs/quality/catalog.ts";
import { runCustomSql } from "../jobs/quality/custom-sql.ts";
import { guardCustomSql, SqlRejected } from "../jobs/quality/sql-guard.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { makeQualityTenant, type QualityTenant } from "./support/quality-fixtures.ts";

let t: TestDatabase;
let a: QualityTenant;
let b: QualityTenant;

beforeAll(async () => {
  t = await createTestDatabase("quality_custom_sql");
  a = await makeQualityTenant(t.owner, "Alpha Roofing", { customers: 6, negativeEvery: 3 });
  b = await makeQualityTenant(t.owner, "Beta Roofing", { customers: 4, negativeEvery: 1 });
}, 120_000);
afterAll(async () => {
  await t?.drop();
});

/** The rule-escape corpus of issue 17, each with the token its refusal must name. */
const CORPUS: [string, string, RegExp][] = [
  ["multi-statement", "SELECT id FROM payments; DELETE FROM payments", /;/],
  ["COMMIT then write", "COMMIT; DELETE FROM payments", /;/],
  [
    "set_config",
    "SELECT set_config('app.tenant_id', '00000000-0000-0000-0000-000000000000', false)",
    /set_config/,
  ],
  ["writable CTE", "WITH d AS (DELETE FROM payments RETURNING id) SELECT id FROM d", /DELETE/],
  [
    "writable CTE (update)",
    "WITH u AS (UPDATE payments SET amount = 0 RETURNING id) SELECT id FROM u",
    /UPDATE/,
  ],
  ["DO block", "DO $$ BEGIN DELETE FROM payments; END $$", /DO/],
  ["COPY out", "COPY payments TO '/tmp/quality-escape.csv'", /COPY/],
  ["COPY from program", "COPY (SELECT 1) TO PROGRAM 'touch /tmp/quality-escape'", /COPY/],
  ["pg_read_file", "SELECT pg_read_file('/etc/passwd')", /pg_read_file/],
  ["pg_read_file in FROM", "SELECT * FROM pg_read_file('/etc/passwd') AS f", /pg_read_file/],
  ["pg_sleep", "SELECT pg_sleep(100)", /pg_sleep/],
  [
    "pg_sleep in a subquery",
    "SELECT id FROM payments WHERE (SELECT pg_sleep(100)) IS NULL",
    /pg_sleep/,
  ],
  ["LOCK", "LOCK TABLE payments IN ACCESS EXCLUSIVE MODE", /LOCK/],
  ["FOR UPDATE", "SELECT id FROM payments FOR UPDATE", /FOR UPDATE/],
  ["FOR SHARE in a subquery", "SELECT id FROM (SELECT id FROM payments FOR SHARE) s", /FOR UPDATE/],
  [
    "comment hides a statement",
    "SELECT id FROM payments -- harmless?\n; DELETE FROM payments",
    /;/,
  ],
  ["block comment then statement", "SELECT id FROM payments /* ; */ ; DROP TABLE payments", /;/],
  [
    "dollar quoting hides a statement",
    "SELECT $q$ x $q$ AS a; DELETE FROM payments; SELECT $q$ y $q$",
    /;/,
  ],
  ["dollar-quoted DO", "DO $body$ BEGIN PERFORM pg_sleep(100); END $body$", /DO/],
  ["schema-qualified pg_sleep", "SELECT pg_catalog.pg_sleep(100)", /pg_catalog\.pg_sleep/],
  ["schema-qualified lower", "SELECT pg_catalog.lower(email) FROM customers", /pg_catalog\.lower/],
  ["schema-qualified platform function", "SELECT public.decrypt_pii(NULL)", /public\.decrypt_pii/],
  ["SELECT INTO", "SELECT * INTO TEMP stolen FROM payments", /INTO/],
  ["governance schema", "SELECT * FROM governance.console_users", /governance\.console_users/],
  ["system catalog", "SELECT * FROM pg_catalog.pg_authid", /pg_catalog\.pg_authid/],
  ["information_schema", "SELECT * FROM information_schema.tables", /information_schema\.tables/],
  ["unqualified system view", "SELECT * FROM pg_stat_activity", /pg_stat_activity/],
  [
    "view without RLS",
    "SELECT * FROM customer_lifetime_value_live",
    /customer_lifetime_value_live/,
  ],
  ["large objects", "SELECT lo_import('/etc/passwd')", /lo_import/],
  ["dblink", "SELECT dblink('host=evil', 'SELECT 1')", /dblink/],
  ["terminate a backend", "SELECT pg_terminate_backend(pg_backend_pid())", /pg_terminate_backend/],
  ["advisory lock", "SELECT pg_advisory_lock(1)", /pg_advisory_lock/],
  ["current_setting reads", "SELECT current_setting('app.tenant_id')", /current_setting/],
  ["SET ROLE", "SET ROLE postgres", /SET/],
  ["RESET ROLE", "RESET ROLE", /SET/],
  ["EXPLAIN ANALYZE a write", "EXPLAIN ANALYZE DELETE FROM payments", /EXPLAIN/],
  ["PREPARE a write", "PREPARE p AS DELETE FROM payments", /PREPARE/],
  ["CREATE TABLE AS", "CREATE TABLE stolen AS SELECT * FROM payments", /CREATE/],
  ["nextval", "SELECT nextval('governance.audit_events_id_seq')", /nextval/],
  ["parameters", "SELECT id FROM payments WHERE tenant_id = $1", /\$/],
  ["cross-database name", "SELECT * FROM otherdb.public.payments", /otherdb/],
];

async function fingerprint() {
  const rows = await sql<{ n: number; total: string; md5: string }>`
    SELECT count(*)::int AS n, coalesce(sum(amount), 0)::text AS total,
           md5(string_agg(id::text || amount::text, ',' ORDER BY id)) AS md5 FROM payments`.execute(
    t.owner,
  );
  return rows.rows[0];
}

describe("custom SQL gate", () => {
  test.each(CORPUS)("%s is refused naming the offending token", async (_name, text, token) => {
    const tables = await platformTables(t.owner);
    let error: unknown;
    try {
      await runCustomSql(t.owner, tables, { sql: text, table: "payments", tenantId: a.id });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SqlRejected);
    expect((error as SqlRejected).token).toMatch(token);
  });

  test("the corpus had no effect: rows, settings, locks, files and other tenants unchanged", async () => {
    const before = await fingerprint();
    const tables = await platformTables(t.owner);
    for (const [, text] of CORPUS) {
      await runCustomSql(t.owner, tables, { sql: text, table: "payments", tenantId: a.id }).catch(
        () => undefined,
      );
    }
    expect(await fingerprint()).toEqual(before);
    const leftovers = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_class WHERE relname IN ('stolen', 'quality_escape')`.execute(
      t.owner,
    );
    expect(leftovers.rows[0]?.n).toBe(0);
    // No lock left on payments by anyone but this check itself (in this database: the other test
    // databases, cloned from one template, share its table's OID).
    const locks = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
      WHERE c.relname = 'payments' AND l.pid <> pg_backend_pid()
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`.execute(
      t.owner,
    );
    expect(locks.rows[0]?.n).toBe(0);
    // No setting leaked into pooled connections (transaction-local or refused).
    for (let i = 0; i < 5; i++) {
      const s = await sql<{ tenant: string | null; timeout: string; role: string }>`
        SELECT current_setting('app.tenant_id', true) AS tenant,
               current_setting('statement_timeout') AS timeout, current_user AS role`.execute(
        t.owner,
      );
      expect(s.rows[0]?.tenant ?? "").toBe("");
      expect(s.rows[0]?.timeout).toBe("0");
      expect(s.rows[0]?.role).not.toBe("govern_quality");
    }
  });

  test("a plain SELECT of failing rows is accepted and scored for its tenant only", async () => {
    const tables = await platformTables(t.owner);
    const text = "SELECT id, amount FROM payments WHERE amount <= 0";
    const forA = await runCustomSql(t.owner, tables, {
      sql: text,
      table: "payments",
      tenantId: a.id,
    });
    const forB = await runCustomSql(t.owner, tables, {
      sql: text,
      table: "payments",
      tenantId: b.id,
    });
    expect(forA).toMatchObject({ failing: 2, total: 6 });
    expect(forB).toMatchObject({ failing: 4, total: 4 });
  });

  test("a custom rule run for tenant A never reads tenant B's rows, even when it names B", async () => {
    const tables = await platformTables(t.owner);
    const attempts = [
      `SELECT id FROM payments WHERE tenant_id = '${b.id}'`,
      `SELECT p.id FROM customers c JOIN payments p ON p.customer_id = c.id WHERE c.tenant_id = '${b.id}'`,
      `SELECT id FROM payments WHERE tenant_id <> '${a.id}' OR tenant_id IS NULL`,
      `WITH x AS (SELECT * FROM payments) SELECT id FROM x WHERE tenant_id = '${b.id}'`,
      `SELECT id FROM customers WHERE id IN (${b.customers.map((id) => `'${id}'`).join(", ")})`,
    ];
    for (const text of attempts) {
      const out = await runCustomSql(t.owner, tables, {
        sql: text,
        table: "payments",
        tenantId: a.id,
      });
      expect(out.failing, text).toBe(0);
      expect(out.samples, text).toEqual([]);
    }
    const all = await runCustomSql(t.owner, tables, {
      sql: "SELECT tenant_id FROM payments",
      table: "payments",
      tenantId: a.id,
    });
    expect(new Set(all.samples.map((s) => s.tenant_id))).toEqual(new Set([a.id]));
  });

  test("the statement timeout stops a heavy query", async () => {
    const tables = await platformTables(t.owner);
    const heavy =
      "SELECT 1 FROM payments a, payments b, payments c, payments d, payments e, payments f, payments g";
    await expect(
      runCustomSql(
        t.owner,
        tables,
        { sql: heavy, table: "payments", tenantId: a.id },
        {
          timeoutMs: 20,
          countCap: 1_000_000_000,
          sampleSize: 1,
        },
      ),
    ).rejects.toThrow(/statement timeout/);
  });

  test("the role custom SQL runs as cannot write or read governance even past the gate", async () => {
    const attempt = (text: string) =>
      t.owner.transaction().execute(async (trx) => {
        await sql`SELECT set_config('app.tenant_id', ${a.id}, true)`.execute(trx);
        await sql`SET LOCAL ROLE govern_quality`.execute(trx);
        return sql.raw(text).execute(trx);
      });
    await expect(attempt("DELETE FROM payments")).rejects.toThrow(/permission denied/);
    await expect(attempt("SELECT * FROM governance.console_users")).rejects.toThrow(
      /permission denied/,
    );
    await expect(attempt("SELECT * FROM customer_lifetime_value_live")).rejects.toThrow(
      /permission denied/,
    );
    const rows = await attempt(
      `SELECT count(*)::int AS n FROM payments WHERE tenant_id = '${b.id}'`,
    );
    expect((rows.rows[0] as { n: number }).n).toBe(0);
  });

  test("the gate returns only the one statement it checked", async () => {
    const guarded = await guardCustomSql(
      "  SELECT id FROM payments WHERE amount < 0 ; -- trailing\n",
      {
        tables: new Set(["payments"]),
      },
    );
    expect(guarded.text).toBe("SELECT id FROM payments WHERE amount < 0");
  });
});
