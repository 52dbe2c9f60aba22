import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOfTodayUtc } from "../masking/demo-platform/clock.ts";
import { seedDemoPlatform } from "../masking/demo-platform/index.ts";
import { MaskingError } from "../masking/masking-error.ts";
import {
  findReport,
  fitAndStoreProfile,
  requestSyntheticDataset,
  runSyntheticDataset,
  type SynthResult,
} from "../masking/synthetic/index.ts";
import { isSafeLabel, type ProfileParams } from "../masking/synthetic/profile.ts";
import { judgeReport } from "../masking/synthetic/report.ts";
import { withDatabase } from "../schema/config.ts";
import { createOwnerDb, type Db } from "../schema/postgres.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { dropDatasetByName } from "./support/dataset-cleanup.ts";

let source: TestDatabase;
let params: ProfileParams;
let result: SynthResult;
let target: Db;
const name = `syn_test_${randomBytes(3).toString("hex")}`;

beforeAll(async () => {
  source = await createTestDatabase("synthetic", { demoPartitionsFor: startOfTodayUtc() });
  const { pool, db } = createOwnerDb(source.config, { max: 4 });
  try {
    await seedDemoPlatform(pool, { tenants: 2, customersPerTenant: 60, seed: 11 });
  } finally {
    await db.destroy();
  }
  const profile = await fitAndStoreProfile(source.owner, "engineer@synthetic.test");
  params = profile.params;
  const { id } = await requestSyntheticDataset(source.owner, source.config, {
    name,
    owner: "engineer@synthetic.test",
  });
  result = await runSyntheticDataset(source.owner, source.config, id, {
    tenants: 2,
    customersPerTenant: 120,
    seed: 5,
    profileId: profile.id,
    createdBy: "engineer@synthetic.test",
  });
  target = createOwnerDb(withDatabase(source.config, result.databaseName), { max: 2 }).db;
}, 240_000);

afterAll(async () => {
  await target?.destroy();
  // By name, so a run that failed midway leaves nothing behind either.
  if (source) {
    await dropDatasetByName(source.config, `govern_ds_${name}`);
  }
  await source?.drop();
});

/** Every string in a JSON value, keys included. */
function strings(value: unknown, out: Set<string> = new Set()): Set<string> {
  if (typeof value === "string") {
    out.add(value);
  } else if (Array.isArray(value)) {
    for (const v of value) {
      strings(v, out);
    }
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      out.add(k);
      strings(v, out);
    }
  }
  return out;
}

/** The source's personal and identifying values: names, e-mails, phones, addresses, cards, ids. */
async function sourcePii(db: Db): Promise<Set<string>> {
  const rows = await sql<{ v: string }>`
    SELECT DISTINCT v FROM (
      SELECT unnest(ARRAY[first_name, last_name, company_name, email, phone, secondary_phone,
                          id::text, tenant_id::text]) AS v FROM customers
      UNION ALL SELECT e.value #>> '{}' FROM customers, jsonb_array_elements(addresses) a,
        jsonb_each(a) e WHERE e.key NOT IN ('id', 'type', 'country')
      UNION ALL SELECT unnest(ARRAY[first_name, last_name, email, phone, display_name, id::text])
        FROM users
      UNION ALL SELECT unnest(ARRAY[legal_name, display_name, email, phone, website]) FROM businesses
      UNION ALL SELECT unnest(ARRAY[business_name, id::text]) FROM tenants
      UNION ALL SELECT unnest(ARRAY[credit_card_number, cardholder_name, bank_account_number,
                                    bank_routing_number, processor_payment_id]) FROM payments
      UNION ALL SELECT unnest(ARRAY[job_number, title]) FROM jobs
      UNION ALL SELECT invoice_number FROM invoices
    ) s WHERE v IS NOT NULL AND length(v) > 2`.execute(db);
  return new Set(rows.rows.map((r) => r.v));
}

describe("synthetic profile", () => {
  it("holds parameters only: no string in it is one of the source's personal values", async () => {
    const pii = await sourcePii(source.owner);
    expect(pii.size).toBeGreaterThan(500);
    const found = [...strings(params)].filter((s) => pii.has(s));
    expect(found).toEqual([]);
    for (const s of strings(params)) {
      expect(s).not.toMatch(/@|\d{3}\) \d{3}|\d{4}-\d{4}|[0-9a-f]{8}-[0-9a-f]{4}/);
    }
  });

  it("keeps only enum-like labels and numbers its tenants instead of naming them", () => {
    for (const tenant of params.tenants) {
      expect(tenant.key).toMatch(/^t\d+$/);
      for (const label of [
        ...Object.keys(tenant.customerTypes),
        ...Object.keys(tenant.jobValue),
        ...Object.keys(tenant.paymentMethod),
        ...Object.keys(tenant.invoiceStatus),
        ...Object.keys(tenant.interactionKinds).flatMap((k) => k.split("|")),
      ]) {
        expect(isSafeLabel(label), label).toBe(true);
      }
    }
    expect(params.tenants).toHaveLength(2);
    expect(Object.keys(params.marginals)).toContain("jobs.quoted_amount");
  });
});

describe("synthetic dataset", () => {
  it("is ready, with its row counts, size and report recorded", async () => {
    const row = await source.owner
      .selectFrom("governance.datasets")
      .selectAll()
      .where("id", "=", result.datasetId)
      .executeTakeFirstOrThrow();
    expect(row.kind).toBe("synthetic");
    expect(row.status).toBe("ready");
    expect(Number(row.size_bytes)).toBeGreaterThan(0);
    expect(row.database_url).not.toMatch(/:[^/@]*@/);
    expect(result.tables.customers).toBe(240);
    expect(result.tables.jobs).toBeGreaterThan(240);
    expect(result.tables.payments).toBeGreaterThan(100);
    const stored = await findReport(source.owner, result.datasetId);
    expect(stored?.report.columns.length).toBe(result.report.columns.length);
  });

  it("loads with every foreign key of the schema resolving", async () => {
    const fks = await sql<{ child: string; parent: string; ccols: string[]; pcols: string[] }>`
      SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent,
        ARRAY(SELECT attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
              JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY i)::text[]
          AS ccols,
        ARRAY(SELECT attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
              JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY i)::text[]
          AS pcols
      FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
      WHERE c.contype = 'f' AND n.nspname = 'public'`.execute(target);
    expect(fks.rows.length).toBeGreaterThan(20);
    for (const fk of fks.rows) {
      const join = fk.ccols.map((c, i) => sql`p.${sql.id(fk.pcols[i] as string)} = c.${sql.id(c)}`);
      const notNull = fk.ccols.map((c) => sql`c.${sql.id(c)} IS NOT NULL`);
      const orphans = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM ${sql.table(fk.child)} c
        WHERE ${sql.join(notNull, sql` AND `)} AND NOT EXISTS (
          SELECT 1 FROM ${sql.table(fk.parent)} p WHERE ${sql.join(join, sql` AND `)})`.execute(
        target,
      );
      expect(orphans.rows[0]?.n, `${fk.child}(${fk.ccols}) -> ${fk.parent}`).toBe(0);
    }
    const rls = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_class WHERE relname = ANY(${[
        "customers",
        "jobs",
        "payments",
      ]}) AND relforcerowsecurity`.execute(target);
    expect(rls.rows[0]?.n).toBe(3);
  });

  it("contains no identity of the source: fictitious e-mails and phones only", async () => {
    const pii = await sourcePii(source.owner);
    const generated = await sourcePii(target);
    const leaked = [...generated].filter((v) => pii.has(v) && /@|\d{3}-\d{4}|\d{12}/.test(v));
    expect(leaked).toEqual([]);
    const emails = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM customers
      WHERE email !~ '@example\\.(com|net|org)$' OR phone !~ ' 555-01\\d\\d$'`.execute(target);
    expect(emails.rows[0]?.n).toBe(0);
  });

  it("matches the fitted distributions: KS and TVD below their thresholds per column", () => {
    const numeric = result.report.columns.filter((c) => c.kind === "numeric");
    const categorical = result.report.columns.filter((c) => c.kind === "categorical");
    expect(numeric.map((c) => c.column)).toContain("jobs.quoted_amount");
    expect(categorical.map((c) => c.column)).toContain("payments.payment_method");
    for (const c of numeric) {
      expect(c.value, c.column).toBeLessThan(0.2);
      expect(c.real.length).toBe(c.synthetic.length);
    }
    for (const c of categorical) {
      expect(c.value, c.column).toBeLessThan(0.15);
    }
  });

  it("refuses a second dataset with the same name and a name that is not an identifier", async () => {
    await expect(
      requestSyntheticDataset(source.owner, source.config, { name, owner: "x" }),
    ).rejects.toBeInstanceOf(MaskingError);
    await expect(
      requestSyntheticDataset(source.owner, source.config, { name: "Bad-Name", owner: "x" }),
    ).rejects.toThrow(/lower-case/);
  });
});

describe("synthetic platform covers the masked copy", () => {
  /** The tables a masked copy holds, enumerated independently of the generator's own listing. */
  async function maskedCopyTables(db: Db): Promise<string[]> {
    const r = await sql<{ t: string }>`
      SELECT c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      ORDER BY 1`.execute(db);
    return r.rows.map((x) => x.t);
  }

  async function rowCount(db: Db, table: string): Promise<number> {
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(
      db,
    );
    return r.rows[0]?.n ?? 0;
  }

  it("has every table of a masked copy, with rows wherever the source has rows", async () => {
    const tables = await maskedCopyTables(source.owner);
    expect(tables.length).toBeGreaterThanOrEqual(29);
    const missing: string[] = [];
    for (const table of tables) {
      const real = await rowCount(source.owner, table);
      const generated = table in result.tables ? await rowCount(target, table) : -1;
      if (generated < 0 || (real > 0 && generated === 0)) {
        missing.push(`${table} (source ${real}, synthetic ${generated})`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("keeps the relationships no constraint declares: events point at generated customers and jobs", async () => {
    for (const [column, parent] of [
      ["customer_id", "customers"],
      ["job_id", "jobs"],
      ["user_id", "users"],
    ] as const) {
      const r = await sql<{ n: number; dangling: number }>`
        SELECT count(e.${sql.ref(column)})::int AS n,
               count(*) FILTER (WHERE e.${sql.ref(column)} IS NOT NULL AND NOT EXISTS (
                 SELECT 1 FROM ${sql.table(parent)} p
                 WHERE p.id = e.${sql.ref(column)} AND p.tenant_id = e.tenant_id))::int AS dangling
        FROM business_events e`.execute(target);
      expect(r.rows[0]?.dangling, column).toBe(0);
    }
  });

  it("reports KS or TVD per table and column, with a verdict that follows the threshold", async () => {
    const tables = await maskedCopyTables(source.owner);
    const report = result.report;
    expect(report.thresholds).toEqual({ ks: 0.15, tvd: 0.15 });
    expect(report.tables?.map((t) => t.table).sort()).toEqual([...tables].sort());
    for (const t of report.tables ?? []) {
      for (const c of t.columns) {
        expect(["ks", "tvd"]).toContain(c.statistic);
        expect(c.pass).toBe(c.withheld === true || c.value <= 0.15);
      }
      expect(t.pass).toBe(t.columns.every((c) => c.pass));
    }
    const communications = report.tables?.find((t) => t.table === "communications");
    expect(communications?.columns.map((c) => c.column)).toEqual(
      expect.arrayContaining(["communications.status", "communications.created_at"]),
    );
    // Same platform, zero tolerance: any gap at all now fails.
    const strict = judgeReport(report, { ks: 0, tvd: 0 });
    const failing = (strict.tables ?? []).filter((t) => !t.pass);
    expect(failing.length).toBeGreaterThan(0);
    expect(strict.pass).toBe(false);
  });

  it("copies no source value into generated free text or identifiers", async () => {
    // Every distinct string of the source that could identify: text with a digit, an @ or three
    // words, and every uuid; gathered from all string and JSON columns, independently of the
    // generator's models.
    const values = async (db: Db) => {
      const cols = await sql<{ t: string; c: string; udt: string }>`
        SELECT c.relname AS t, a.attname AS c, ty.typname AS udt
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        JOIN pg_type ty ON ty.oid = a.atttypid
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND ty.typname IN ('text', 'varchar', 'jsonb', 'uuid')`.execute(db);
      const byTable = new Map<string, typeof cols.rows>();
      for (const col of cols.rows) {
        byTable.set(col.t, [...(byTable.get(col.t) ?? []), col]);
      }
      const out = new Set<string>();
      for (const [table, list] of byTable) {
        const parts = list.map((col) =>
          col.udt === "jsonb"
            ? sql`SELECT jsonb_path_query(${sql.ref(col.c)}, 'strict $.**') #>> '{}'`
            : sql`SELECT ${sql.ref(col.c)}::text`,
        );
        const r = await sql<{ v: string }>`
          SELECT DISTINCT v FROM ${sql.table(table)}
          CROSS JOIN LATERAL (${sql.join(parts, sql` UNION ALL `)}) x(v)
          WHERE length(v) >= 8`.execute(db);
        for (const { v } of r.rows) {
          if (/[0-9@]/.test(v) || /\S+\s+\S+\s+\S+/.test(v)) {
            out.add(v);
          }
        }
      }
      return out;
    };
    const real = await values(source.owner);
    const generated = await values(target);
    expect(real.size).toBeGreaterThan(1000);
    expect(generated.size).toBeGreaterThan(500);
    const copied = [...generated].filter((v) => real.has(v));
    expect(copied).toEqual([]);
  });

  it("writes free text in each tenant's language", async () => {
    const languages = params.tenants.map((t) => t.language);
    expect(languages.every((l) => typeof l === "string" && /^[a-z]{2}$/.test(l))).toBe(true);
  });
});
