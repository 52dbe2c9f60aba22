import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Clock, DAY } from "../masking/demo-platform/clock.ts";
import { jobTypesByMonth } from "../masking/demo-platform/context.ts";
import { type Sinks, TableBuffer } from "../masking/demo-platform/copy-writer.ts";
import type { Customer } from "../masking/demo-platform/customer.ts";
import { planJobs } from "../masking/demo-platform/gen-jobs.ts";
import { generateTenantSetup, tenantIdFor } from "../masking/demo-platform/gen-tenant.ts";
import {
  abaValid,
  decryptCredential,
  demoCredentialKey,
  isOperationalStoreEmpty,
  LOAD_ORDER,
  luhnValid,
  type SeedReport,
  seedDemoPlatform,
  TEST_CARDS,
} from "../masking/demo-platform/index.ts";
import { DECLINED_TEST_CARDS } from "../masking/demo-platform/payment-instruments.ts";
import { buildPools } from "../masking/demo-platform/pools.ts";
import { VERTICALS } from "../masking/demo-platform/vocabulary.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

const AS_OF = new Date("2026-06-01T00:00:00Z");
const OPTIONS = { tenants: 2, customersPerTenant: 150, seed: 7, asOf: AS_OF };

type Seeded = { t: TestDatabase; pool: pg.Pool; report: SeedReport };
let a: Seeded;
let b: Seeded;
let c: Seeded;
let emptyBefore: boolean;
const opened: { t: TestDatabase; pool: pg.Pool }[] = [];

/** `prebuilt`: the demo partitions come with the database (C's seed still makes its own). */
async function open(label: string, prebuilt: boolean): Promise<{ t: TestDatabase; pool: pg.Pool }> {
  const t = await createTestDatabase(label, prebuilt ? { demoPartitionsFor: AS_OF } : {});
  const db = { t, pool: new pg.Pool({ connectionString: t.config.databaseUrl, max: 3 }) };
  opened.push(db);
  return db;
}

beforeAll(async () => {
  const [da, db, dc] = await Promise.all([
    open("demo_a", true),
    open("demo_b", true),
    open("demo_c", false),
  ]);
  emptyBefore = await isOperationalStoreEmpty(da.pool);
  // B loads the same options through one connection in many small segments: the rows must not
  // depend on how loading is parallelised or cut. C uses another seed, with triggers and FK
  // checks on (and several segments, so parents must commit before children across them).
  const [ra, rb, rc] = await Promise.all([
    seedDemoPlatform(da.pool, OPTIONS),
    seedDemoPlatform(db.pool, {
      ...OPTIONS,
      loading: { connections: 1, chunkBytes: 16 * 1024, segmentBytes: 256 * 1024 },
    }),
    seedDemoPlatform(dc.pool, {
      ...OPTIONS,
      seed: 8,
      loading: { disableTriggers: false, segmentBytes: 1 << 20 },
    }),
  ]);
  a = { ...da, report: ra };
  b = { ...db, report: rb };
  c = { ...dc, report: rc };
});

afterAll(async () => {
  for (const db of opened) {
    await db.pool.end();
    await db.t.drop();
  }
});

async function rows<T>(s: Seeded, text: string, values: unknown[] = []): Promise<T[]> {
  return (await s.pool.query(text, values)).rows as T[];
}

async function one<T>(s: Seeded, text: string, values: unknown[] = []): Promise<T> {
  return (await rows<T>(s, text, values))[0] as T;
}

async function digests(s: Seeded): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of LOAD_ORDER) {
    const r = await one<{ d: string }>(
      s,
      `SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS d FROM ${table} t`,
    );
    out[table] = r.d;
  }
  return out;
}

describe("determinism", () => {
  test("the same options give byte-identical tables, however loading is parallelised", async () => {
    expect(a.report.tenantIds).toEqual(b.report.tenantIds);
    expect(a.report.tables).toEqual(b.report.tables);
    expect(await digests(a)).toEqual(await digests(b));
  });

  test("a different seed gives different data in every table", async () => {
    const [da, dc] = await Promise.all([digests(a), digests(c)]);
    for (const table of LOAD_ORDER) {
      expect(dc[table], table).not.toBe(da[table]);
    }
  });
});

describe("integrity", () => {
  test("every foreign key listed in pg_constraint holds, composite tenant keys included", async () => {
    const fks = await rows<{
      name: string;
      child: string;
      parent: string;
      cc: string[];
      pc: string[];
    }>(
      a,
      `SELECT c.conname AS name, c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent,
              array_agg(ca.attname::text ORDER BY k.ord) AS cc, array_agg(pa.attname::text ORDER BY k.ord) AS pc
         FROM pg_constraint c
         CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(ck, pk, ord)
         JOIN pg_attribute ca ON ca.attrelid = c.conrelid AND ca.attnum = k.ck
         JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = k.pk
        WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace AND c.conparentid = 0
        GROUP BY c.oid, c.conname, c.conrelid, c.confrelid`,
    );
    expect(fks.length).toBeGreaterThan(40);
    const q = (id: string) => `"${id.replaceAll('"', '""')}"`;
    const orphans: Record<string, number> = {};
    let checkedRows = 0;
    for (const fk of fks) {
      const notNull = fk.cc.map((col) => `x.${q(col)} IS NOT NULL`).join(" AND ");
      const match = fk.cc.map((col, i) => `p.${q(fk.pc[i] as string)} = x.${q(col)}`).join(" AND ");
      const r = await one<{ orphans: number; checked: number }>(
        a,
        `SELECT count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM ${fk.parent} p WHERE ${match}))::int AS orphans,
                count(*)::int AS checked
           FROM ${fk.child} x WHERE ${notNull}`,
      );
      orphans[`${fk.child}.${fk.name}`] = r.orphans;
      checkedRows += r.checked;
    }
    expect(Object.entries(orphans).filter(([, n]) => n > 0)).toEqual([]);
    expect(checkedRows).toBeGreaterThan(10_000);
  });

  test("loading with triggers and FK checks on succeeds (parents always commit first)", async () => {
    expect(c.report.triggersDisabled).toBe(false);
    expect(a.report.triggersDisabled).toBe(true);
    // With triggers on, the platform's own audit trigger wrote rows beside the generated ones.
    const audit = await one<{ n: number }>(c, "SELECT count(*)::int AS n FROM audit_logs");
    expect(audit.n).toBeGreaterThan(c.report.tables.audit_logs ?? 0);
  });

  test("loading leaves pooled connections as it found them", async () => {
    const clients = await Promise.all([a.pool.connect(), a.pool.connect(), a.pool.connect()]);
    try {
      for (const client of clients) {
        const r = await client.query("SELECT current_setting('session_replication_role') AS role");
        expect(r.rows[0].role).toBe("origin");
      }
    } finally {
      for (const client of clients) {
        client.release();
      }
    }
  });

  test("an empty store is reported as such, and the same tenants are never loaded twice", async () => {
    expect(emptyBefore).toBe(true);
    expect(await isOperationalStoreEmpty(a.pool)).toBe(false);
    await expect(seedDemoPlatform(a.pool, OPTIONS)).rejects.toThrow(/already loaded/);
    expect((await one<{ n: number }>(a, "SELECT count(*)::int AS n FROM tenants")).n).toBe(2);
  });
});

describe("money", () => {
  test("line items add up to the subtotal, and subtotal + tax - discount = total", async () => {
    const r = await one<{
      invoices: number;
      bad_lines: number;
      bad_total: number;
      no_lines: number;
    }>(
      a,
      `SELECT count(*)::int AS invoices,
              count(*) FILTER (WHERE li.sum IS DISTINCT FROM i.subtotal)::int AS bad_lines,
              count(*) FILTER (WHERE i.subtotal + i.tax_amount - i.discount_amount <> i.total_amount)::int AS bad_total,
              count(*) FILTER (WHERE li.sum IS NULL)::int AS no_lines
         FROM invoices i
         LEFT JOIN (SELECT invoice_id, sum(total_price) AS sum FROM invoice_line_items GROUP BY 1) li
           ON li.invoice_id = i.id`,
    );
    expect(r.invoices).toBeGreaterThan(100);
    expect(r).toMatchObject({ bad_lines: 0, bad_total: 0, no_lines: 0 });
    const lines = await one<{ bad: number }>(
      a,
      "SELECT count(*)::int AS bad FROM invoice_line_items WHERE quantity * unit_price <> total_price",
    );
    expect(lines.bad).toBe(0);
  });

  test("payments and ledger rows agree with the invoices they settle", async () => {
    const r = await one<Record<string, number>>(
      a,
      `SELECT
         (SELECT count(*)::int FROM invoices i WHERE i.amount_paid <> coalesce((SELECT sum(amount) FROM payments p
            WHERE p.invoice_id = i.id AND p.status = 'completed'), 0)) AS paid_mismatch,
         (SELECT count(*)::int FROM invoices WHERE status = 'paid' AND amount_paid <> total_amount) AS paid_not_full,
         (SELECT count(*)::int FROM payments p JOIN financial_transactions f ON f.id = p.financial_transaction_id
            WHERE f.amount <> p.amount OR f.invoice_id IS DISTINCT FROM p.invoice_id
               OR f.transaction_type <> 'payment' OR f.status <> p.status) AS ledger_mismatch,
         (SELECT count(*)::int FROM payments WHERE financial_transaction_id IS NULL) AS unlinked,
         (SELECT count(*)::int FROM invoices i WHERE i.invoice_type = 'invoice' AND NOT EXISTS (
            SELECT 1 FROM financial_transactions f WHERE f.invoice_id = i.id AND f.transaction_type = 'invoice'
              AND f.amount = i.total_amount)) AS invoice_without_ledger,
         (SELECT count(*)::int FROM payments WHERE status = 'completed') AS completed`,
    );
    expect(r.completed).toBeGreaterThan(100);
    expect(r).toMatchObject({
      paid_mismatch: 0,
      paid_not_full: 0,
      ledger_mismatch: 0,
      unlinked: 0,
      invoice_without_ledger: 0,
    });
  });

  test("cards are only well-known test PANs, Luhn-valid, with matching brand and last4", async () => {
    const known = new Map(
      [...TEST_CARDS, ...DECLINED_TEST_CARDS].map((card) => [card.pan, card.brand]),
    );
    const cards = await rows<{
      pan: string;
      brand: string;
      last4: string;
      status: string;
      holder: string;
    }>(
      a,
      `SELECT credit_card_number AS pan, card_brand AS brand, card_last4 AS last4, status, cardholder_name AS holder
         FROM payments WHERE credit_card_number IS NOT NULL`,
    );
    expect(cards.length).toBeGreaterThan(50);
    for (const card of cards) {
      expect(known.get(card.pan), card.pan).toBe(card.brand);
      expect(luhnValid(card.pan)).toBe(true);
      expect(card.last4).toBe(card.pan.slice(-4));
      expect(card.holder).toBeTruthy();
    }
    const methods = await rows<{ method: string; cards: number; banks: number }>(
      a,
      `SELECT payment_method AS method, count(credit_card_number)::int AS cards, count(bank_routing_number)::int AS banks
         FROM payments GROUP BY 1`,
    );
    for (const m of methods) {
      expect(m.cards > 0, m.method).toBe(m.method === "credit_card");
      // Bank debits: ACH in the US, SEPA (IBAN and BIC) for the German tenant.
      expect(m.banks > 0, m.method).toBe(["ach", "eft", "sepa_debit"].includes(m.method));
    }
    const routing = await rows<{ r: string }>(
      a,
      "SELECT bank_routing_number AS r FROM payments WHERE payment_method = 'ach' AND bank_routing_number IS NOT NULL",
    );
    expect(routing.length).toBeGreaterThan(0);
    expect(routing.filter((x) => !abaValid(x.r))).toEqual([]);
  });
});

describe("realism", () => {
  test("customer counts follow the options, and e-mail and phone are unique per tenant", async () => {
    const perTenant = await rows<{ n: number; emails: number; phones: number }>(
      a,
      `SELECT count(*)::int AS n, count(DISTINCT email)::int AS emails, count(DISTINCT phone)::int AS phones
         FROM customers GROUP BY tenant_id`,
    );
    expect(perTenant).toEqual([
      { n: 150, emails: 150, phones: 150 },
      { n: 150, emails: 150, phones: 150 },
    ]);
    expect(a.report.tables.customers).toBe(300);
    const jobs = a.report.tables.jobs ?? 0;
    expect(jobs).toBeGreaterThan(300 * 1.5);
    expect(jobs).toBeLessThan(300 * 6);
    expect(a.report.totalRows).toBe(Object.values(a.report.tables).reduce((s, n) => s + n, 0));
  });

  test("about 30% of customers are commercial, with bigger and more frequent jobs", async () => {
    const segments = await rows<{
      type: string;
      customers: number;
      jobs_per_customer: number;
      avg_value: number;
    }>(
      a,
      `SELECT c.customer_type AS type, count(DISTINCT c.id)::int AS customers,
              (count(j.id)::float / count(DISTINCT c.id)) AS jobs_per_customer, avg(j.quoted_amount)::float AS avg_value
         FROM customers c LEFT JOIN jobs j ON j.customer_id = c.id GROUP BY 1 ORDER BY 1`,
    );
    const [business, individual] = segments as [(typeof segments)[0], (typeof segments)[0]];
    expect(business.type).toBe("business");
    expect(business.customers / 300).toBeGreaterThan(0.2);
    expect(business.customers / 300).toBeLessThan(0.4);
    expect(business.jobs_per_customer).toBeGreaterThan(individual.jobs_per_customer);
    expect(business.avg_value).toBeGreaterThan(2 * individual.avg_value);
    const named = await one<{ missing: number }>(
      a,
      "SELECT count(*)::int AS missing FROM customers WHERE customer_type = 'business' AND company_name IS NULL",
    );
    expect(named.missing).toBe(0);
  });

  test("job status history is a coherent sequence ending in the job's current status", async () => {
    const r = await one<Record<string, number>>(
      a,
      `WITH h AS (
         SELECT job_id, old_status, new_status, created_at,
                lag(new_status) OVER w AS prev_new, lag(created_at) OVER w AS prev_at,
                row_number() OVER w AS n, count(*) OVER (PARTITION BY job_id) AS total
           FROM job_status_history WINDOW w AS (PARTITION BY job_id ORDER BY created_at, new_status = 'cancelled'))
       SELECT
         (SELECT count(*)::int FROM jobs j WHERE NOT EXISTS (SELECT 1 FROM h WHERE h.job_id = j.id)) AS without_history,
         (SELECT count(*)::int FROM h WHERE n = 1 AND (old_status IS NOT NULL OR new_status <> 'quoted')) AS bad_start,
         (SELECT count(*)::int FROM h WHERE n > 1 AND old_status IS DISTINCT FROM prev_new) AS broken_chain,
         (SELECT count(*)::int FROM h WHERE n > 1 AND created_at < prev_at) AS out_of_order,
         (SELECT count(*)::int FROM h JOIN jobs j ON j.id = h.job_id WHERE n = total AND new_status <> j.status) AS wrong_end`,
    );
    expect(r).toEqual({
      without_history: 0,
      bad_start: 0,
      broken_chain: 0,
      out_of_order: 0,
      wrong_end: 0,
    });
    const statuses = await rows<{ status: string }>(
      a,
      "SELECT DISTINCT status FROM jobs ORDER BY 1",
    );
    expect(statuses.map((s) => s.status)).toEqual(
      expect.arrayContaining(["cancelled", "completed", "scheduled"]),
    );
  });

  test("free text names the customer and repeats their phone number and e-mail address", async () => {
    const r = await one<{ total: number; names: number; emails: number; phones: number }>(
      a,
      `SELECT count(*)::int AS total,
              count(*) FILTER (WHERE i.content LIKE '%' || c.first_name || '%')::int AS names,
              count(*) FILTER (WHERE i.content LIKE '%' || c.email || '%')::int AS emails,
              count(*) FILTER (WHERE regexp_replace(i.content, '\\D', '', 'g')
                               LIKE '%' || regexp_replace(c.phone, '\\D', '', 'g') || '%')::int AS phones
         FROM customer_interactions i JOIN customers c ON c.id = i.customer_id`,
    );
    expect(r.names / r.total).toBeGreaterThan(0.9);
    expect(r.emails / r.total).toBeGreaterThan(0.25);
    expect(r.phones / r.total).toBeGreaterThan(0.4);
    const messages = await one<{ total: number; names: number }>(
      a,
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE m.content LIKE '%' || c.first_name || '%')::int AS names
         FROM communications m JOIN customers c ON c.id = m.recipient_id WHERE m.recipient_type = 'customer'`,
    );
    expect(messages.total).toBeGreaterThan(50);
    expect(messages.names / messages.total).toBeGreaterThan(0.9);
    const threads = await one<{ replies: number }>(
      a,
      "SELECT count(*)::int AS replies FROM communications WHERE reply_to_id IS NOT NULL",
    );
    expect(threads.replies).toBeGreaterThan(0);
    const audit = await one<{ n: number }>(
      a,
      "SELECT count(*)::int AS n FROM audit_logs WHERE table_name = 'customers' AND action = 'INSERT' AND new_values->>'email' LIKE '%@%'",
    );
    expect(audit.n).toBe(300);
    const ocr = await one<{ n: number }>(
      a,
      "SELECT count(*)::int AS n FROM documents WHERE ai_extracted_text ~ '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+'",
    );
    expect(ocr.n).toBeGreaterThan(0);
  });

  test("events and metrics span the two years before asOf, inside existing partitions", async () => {
    const span = await one<{ first: Date; last: Date; metrics_first: Date; days: number }>(
      a,
      `SELECT min(time) AS first, max(time) AS last,
              (SELECT min(time) FROM business_metrics) AS metrics_first,
              count(DISTINCT date_trunc('day', time AT TIME ZONE 'UTC'))::int AS days
         FROM business_events`,
    );
    expect(span.first.getTime()).toBeGreaterThanOrEqual(AS_OF.getTime() - 730 * DAY);
    expect(span.last.getTime()).toBeLessThan(AS_OF.getTime());
    expect(span.first.getTime()).toBeLessThan(AS_OF.getTime() - 700 * DAY);
    expect(span.metrics_first.getTime()).toBeLessThan(AS_OF.getTime() - 720 * DAY);
    expect(span.days).toBeGreaterThan(600);
    const parts = await rows<{ parent: string; n: number }>(
      a,
      `SELECT inhparent::regclass::text AS parent, count(*)::int AS n FROM pg_inherits
        WHERE inhparent IN ('business_events'::regclass, 'business_metrics'::regclass) GROUP BY 1 ORDER BY 1`,
    );
    expect(parts[0]?.n).toBeGreaterThanOrEqual(730);
    expect(parts[1]?.n).toBeGreaterThanOrEqual(104);
    // Revenue metrics are rolled up from the very payments generated.
    const revenue = await one<{ metrics: string; payments: string }>(
      a,
      `SELECT (SELECT sum(value) FROM business_metrics WHERE metric_name = 'daily_revenue') AS metrics,
              (SELECT sum(amount) FROM payments WHERE status = 'completed') AS payments`,
    );
    expect(Number(revenue.metrics)).toBeCloseTo(Number(revenue.payments), 2);
  });

  test("secrets look real: sealed credentials open with the seed's key, bcrypt-shaped hashes, 1536-d embeddings", async () => {
    const creds = await rows<{ sealed: Buffer; provider: string }>(
      a,
      "SELECT encrypted_credentials AS sealed, provider FROM integrations",
    );
    expect(creds.length).toBeGreaterThan(0);
    const key = demoCredentialKey(OPTIONS.seed);
    for (const cred of creds) {
      const parsed = JSON.parse(decryptCredential(key, cred.sealed)) as Record<string, string>;
      expect(Object.keys(parsed).length).toBeGreaterThan(1);
    }
    expect(() =>
      decryptCredential(demoCredentialKey(OPTIONS.seed + 1), creds[0]?.sealed as Buffer),
    ).toThrow();
    const hashes = await rows<{ h: string }>(
      a,
      "SELECT password_hash AS h FROM users WHERE password_hash IS NOT NULL",
    );
    expect(hashes.length).toBeGreaterThan(5);
    for (const { h } of hashes) {
      expect(h).toMatch(/^\$2b\$(10|12)\$[./A-Za-z0-9]{53}$/);
    }
    const roles = await rows<{ role: string }>(a, "SELECT DISTINCT role FROM users ORDER BY 1");
    expect(roles.map((r) => r.role)).toEqual([
      "admin",
      "contractor",
      "employee",
      "manager",
      "owner",
    ]);
    const emb = await one<{ with: number; dims: number[] }>(
      a,
      `SELECT count(embeddings)::int AS with, array_agg(DISTINCT cardinality(embeddings)) FILTER (WHERE embeddings IS NOT NULL) AS dims
         FROM ai_context_cache`,
    );
    expect(emb.with).toBeGreaterThan(0);
    expect(emb.dims).toEqual([1536]);
  });

  test("the customer_lifetime_value view is refreshed after loading", async () => {
    const r = await one<{ n: number }>(a, "SELECT count(*)::int AS n FROM customer_lifetime_value");
    const withJobs = await one<{ n: number }>(
      a,
      "SELECT count(DISTINCT customer_id)::int AS n FROM jobs",
    );
    expect(r.n).toBe(withJobs.n);
  });
});

describe("generation without a database", () => {
  test("residential work follows the trade's season (spring and summer for lawn care)", () => {
    const clock = new Clock(AS_OF);
    const sinks = Object.fromEntries(
      LOAD_ORDER.map((t) => [t, new TableBuffer(t, 1 << 16)]),
    ) as Sinks;
    const ctx = generateTenantSetup({
      seed: 3,
      tenantIndex: 0,
      clock,
      pools: buildPools(3),
      out: sinks,
      customersPerTenant: 100,
    });
    ctx.vertical = VERTICALS.find((v) => v.key === "landscaping") as (typeof VERTICALS)[number];
    ctx.residentialJobsByMonth = jobTypesByMonth(ctx.vertical.residentialJobs);
    const perMonth = new Array(12).fill(0);
    for (let i = 0; i < 4000; i++) {
      const customer = {
        commercial: false,
        since: clock.start,
        createdAt: clock.start,
        activeFrom: clock.start,
        avgValueCents: 45_000,
        business: ctx.businesses[0],
        company: null,
      } as unknown as Customer;
      // Only the two full years of history, so that every month occurs exactly twice.
      for (const job of planJobs(ctx, customer).filter((j) => j.start < clock.end)) {
        perMonth[clock.month(job.start) - 1]++;
      }
    }
    const summer = (perMonth[3] + perMonth[4] + perMonth[5] + perMonth[6] + perMonth[7]) / 5;
    const winter = (perMonth[10] + perMonth[11] + perMonth[0] + perMonth[1]) / 4;
    // The seed's multipliers are 1.5 vs 0.8.
    expect(summer / winter).toBeGreaterThan(1.6);
    expect(summer / winter).toBeLessThan(2.2);
  });
});

describe("edge cases", () => {
  test("a tenant without customers still gets staff, integrations and metrics", async () => {
    const report = await seedDemoPlatform(c.pool, {
      tenants: 1,
      customersPerTenant: 0,
      seed: 100,
      asOf: AS_OF,
    });
    expect(report.tables.customers).toBe(0);
    expect(report.tables.jobs).toBe(0);
    expect(report.tables.users).toBeGreaterThan(5);
    expect(report.tables.business_metrics).toBeGreaterThan(700);
  });

  test("a load that fails midway removes its tenants again and reports the error", async () => {
    await c.pool.query(
      "ALTER TABLE payments ADD CONSTRAINT test_refuse_payments CHECK (false) NOT VALID",
    );
    try {
      const before = await one<{ n: number }>(c, "SELECT count(*)::int AS n FROM customers");
      const failing = { tenants: 1, customersPerTenant: 40, seed: 101, asOf: AS_OF };
      await expect(seedDemoPlatform(c.pool, failing)).rejects.toThrow(/test_refuse_payments/);
      const after = await one<{ n: number }>(c, "SELECT count(*)::int AS n FROM customers");
      expect(after.n).toBe(before.n);
      const id = tenantIdFor(101, 0);
      for (const table of LOAD_ORDER) {
        const column = table === "tenants" ? "id" : "tenant_id";
        const left = await one<{ n: number }>(
          c,
          `SELECT count(*)::int AS n FROM ${table} WHERE ${column} = $1`,
          [id],
        );
        expect(left.n, table).toBe(0);
      }
    } finally {
      await c.pool.query("ALTER TABLE payments DROP CONSTRAINT test_refuse_payments");
    }
  });
});
