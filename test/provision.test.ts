import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCatalogScan } from "../jobs/classify/scan.ts";
import { getDataset } from "../masking/datasets.repository.ts";
import { startOfTodayUtc } from "../masking/demo-platform/clock.ts";
import { seedDemoPlatform } from "../masking/demo-platform/index.ts";
import { leakScan, sourceIdentifiers } from "../masking/leak-scan/leak-scan.ts";
import { checkProvisioningGate } from "../masking/provision/plan.ts";
import { datasetDatabaseName, provisionDataset } from "../masking/provision/provision.ts";
import { leakScanKey, maskingKey } from "../masking/strategies/key.ts";
import { substituteEmail } from "../masking/strategies/strategies.ts";
import { withDatabase } from "../schema/config.ts";
import { reviewColumns } from "../schema/governance/catalog-review.repository.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { dropDatasetByName } from "./support/dataset-cleanup.ts";

// Provisioning copies a whole demo platform twice or thrice: generous timeouts on a busy machine.
const SLOW = 900_000;

describe("provisioning masked datasets", () => {
  let t: TestDatabase;
  let tenantIds: string[] = [];
  const created: string[] = [];
  const suffix = Math.random().toString(36).slice(2, 8);
  const dsName = (n: string) => {
    const name = `t${suffix}-${n}`;
    created.push(datasetDatabaseName(name));
    return name;
  };
  const target = (name: string) =>
    new pg.Pool({
      connectionString: withDatabase(t.config, datasetDatabaseName(name)).databaseUrl,
      max: 2,
    });
  const deps = () => ({ db: t.owner, config: t.config });

  beforeAll(async () => {
    t = await createTestDatabase("provision", { demoPartitionsFor: startOfTodayUtc() });
    const pool = new pg.Pool({ connectionString: t.config.databaseUrl, max: 3 });
    try {
      const seeded = await seedDemoPlatform(pool, { tenants: 2, customersPerTenant: 30, seed: 11 });
      tenantIds = seeded.tenantIds;
    } finally {
      await pool.end();
    }
    await runCatalogScan({ db: t.owner }, { stores: ["postgres"], triggeredBy: "test" });
    await reviewColumns(t.owner, {
      target: { filter: { store: "postgres" } },
      action: "accept",
      actor: "steward@test",
    });
  }, SLOW);

  afterAll(async () => {
    for (const db of created) {
      await dropDatasetByName(t.config, db).catch(() => {});
    }
    await t?.drop();
  });

  it(
    "a masked full copy keeps every row and foreign key, leaks nothing, and masks a customer's email identically everywhere",
    async () => {
      const name = dsName("full");
      const result = await provisionDataset(deps(), { name, requestedBy: "engineer@test" });
      expect(result.kind).toBe("ready");
      if (result.kind !== "ready") {
        return;
      }
      expect(result.report.leakScan.clean).toBe(true);
      expect(result.databaseUrl).not.toContain("@127.0.0.1:5432/govern_t_");
      const dst = target(name);
      try {
        // Row counts match the source, table by table.
        for (const [table, r] of Object.entries(result.report.tables)) {
          const n = await sql<{
            n: number;
          }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(t.owner);
          expect(r.rows, table).toBe(n.rows[0]?.n);
        }
        // Every foreign key exists and is validated in the target.
        const fks = (c: { query: (q: string) => Promise<{ rows: { n: number }[] }> }) =>
          c.query(
            "SELECT count(*)::int AS n FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE contype = 'f' AND convalidated AND nspname = 'public'",
          );
        const srcPool = new pg.Pool({ connectionString: t.config.databaseUrl, max: 1 });
        expect((await fks(dst)).rows[0]?.n).toBe((await fks(srcPool)).rows[0]?.n);
        // The whole schema came along: relations of every kind (partitions, which are created
        // while the other tables copy, included), policies, triggers, constraints.
        const shape = (c: { query: (q: string) => Promise<{ rows: unknown[] }> }) =>
          c.query(`
            SELECT 'relkind ' || relkind::text AS what, count(*)::int AS n FROM pg_class
              WHERE relnamespace = 'public'::regnamespace GROUP BY relkind
            UNION ALL SELECT 'partitions', count(*)::int FROM pg_class
              WHERE relnamespace = 'public'::regnamespace AND relispartition
            UNION ALL SELECT 'policies', count(*)::int FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
              WHERE c.relnamespace = 'public'::regnamespace AND p.polname <> 'govern_dataset_access'
            UNION ALL SELECT 'rls', count(*)::int FROM pg_class
              WHERE relnamespace = 'public'::regnamespace AND relrowsecurity AND relforcerowsecurity
            UNION ALL SELECT 'triggers', count(*)::int FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
              WHERE c.relnamespace = 'public'::regnamespace AND NOT g.tgisinternal
            UNION ALL SELECT 'constraints', count(*)::int FROM pg_constraint
              WHERE connamespace = 'public'::regnamespace
            ORDER BY 1`);
        const sourceShape = (await shape(srcPool)).rows;
        const parts = sourceShape.find((r) => (r as { what: string }).what === "partitions");
        expect((parts as { n: number } | undefined)?.n).toBeGreaterThan(0);
        expect((await shape(dst)).rows).toEqual(sourceShape);
        await srcPool.end();

        // Our own search: no original email, phone, name, street, card number or credential.
        const originals = await sql<{ v: string }>`
          SELECT email AS v FROM customers WHERE email IS NOT NULL
          UNION SELECT phone FROM customers WHERE phone IS NOT NULL
          UNION SELECT first_name || ' ' || last_name FROM customers WHERE last_name IS NOT NULL
          UNION SELECT a->>'line1' FROM customers, jsonb_array_elements(addresses) a WHERE a->>'line1' IS NOT NULL
          UNION SELECT email FROM users UNION SELECT phone FROM users WHERE phone IS NOT NULL
          UNION SELECT first_name || ' ' || last_name FROM users
          UNION SELECT password_hash FROM users WHERE password_hash IS NOT NULL
          UNION SELECT credit_card_number FROM payments WHERE credit_card_number IS NOT NULL
          UNION SELECT bank_account_number FROM payments WHERE bank_account_number IS NOT NULL`.execute(
          t.owner,
        );
        const tables = await dst.query<{ t: string }>(
          "SELECT relname AS t FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') AND NOT relispartition",
        );
        let everything = "";
        for (const { t: table } of tables.rows) {
          const rows = await dst.query<{ r: string }>(`SELECT x::text AS r FROM "${table}" x`);
          everything += rows.rows
            .map((r) => r.r)
            .join("\n")
            .toLowerCase();
        }
        const leaked = originals.rows
          .map((o) => o.v)
          .filter((v) => v.length >= 6 && everything.includes(v.toLowerCase()));
        expect(leaked).toEqual([]);

        // One customer's email: masked identically in customers, payments' metadata, messages.
        const key = maskingKey(t.config.secret).bytes;
        const c = await sql<{ id: string; email: string }>`
          SELECT c.id, c.email FROM customers c
          WHERE c.email IS NOT NULL AND EXISTS (SELECT 1 FROM payments p WHERE p.customer_id = c.id AND p.metadata ? 'receipt_email')
          LIMIT 1`.execute(t.owner);
        const customer = c.rows[0];
        expect(customer).toBeDefined();
        if (!customer) {
          return;
        }
        const masked = substituteEmail(key, customer.email);
        const inCustomers = await dst.query<{ email: string }>(
          "SELECT email FROM customers WHERE id = $1",
          [customer.id],
        );
        expect(inCustomers.rows[0]?.email).toBe(masked);
        const inPayments = await dst.query<{ e: string }>(
          "SELECT DISTINCT metadata->>'receipt_email' AS e FROM payments WHERE customer_id = $1 AND metadata ? 'receipt_email'",
          [customer.id],
        );
        expect(inPayments.rows.map((r) => r.e)).toEqual([masked]);
        const inText = await dst.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM communications WHERE content LIKE '%' || $1 || '%' OR recipient_info::text LIKE '%' || $1 || '%'",
          [masked],
        );
        const inSourceText = await sql<{
          n: number;
        }>`SELECT count(*)::int AS n FROM communications WHERE content LIKE '%' || ${customer.email} || '%' OR recipient_info::text LIKE '%' || ${customer.email} || '%'`.execute(
          t.owner,
        );
        expect(inText.rows[0]?.n).toBe(inSourceText.rows[0]?.n);

        // The leak scan finds what we plant: a name in prose, a reformatted phone in a title, an
        // email in a text[] and a street inside JSON; a first name alone is no finding.
        const real = await sql<{
          first_name: string;
          last_name: string;
          phone: string;
          email: string;
          line1: string;
        }>`SELECT first_name, last_name, phone, email, addresses->0->>'line1' AS line1 FROM customers
           WHERE last_name IS NOT NULL AND phone IS NOT NULL AND email IS NOT NULL
             AND addresses->0->>'line1' IS NOT NULL LIMIT 1`.execute(t.owner);
        const p = real.rows[0];
        expect(p).toBeDefined();
        if (!p) {
          return;
        }
        const jobs = await dst.query<{ id: string }>("SELECT id FROM jobs ORDER BY id LIMIT 4");
        const [j1, j2, j3, j4] = jobs.rows.map((r) => r.id);
        await dst.query("UPDATE jobs SET description = $2 WHERE id = $1", [
          j1,
          `Spoke with ${p.first_name} ${p.last_name} about the gutters.`,
        ]);
        await dst.query("UPDATE jobs SET title = $2 WHERE id = $1", [
          j2,
          `Call back +1 ${p.phone.replace(/\D/g, "").replace(/(\d{3})(\d{3})/, "$1 $2 ")}`,
        ]);
        await dst.query("UPDATE jobs SET tags = ARRAY['vip', $2] WHERE id = $1", [j3, p.email]);
        await dst.query("UPDATE jobs SET title = $2 WHERE id = $1", [
          j4,
          `Ask ${p.first_name} about the gate code.`,
        ]);
        await dst.query(
          "UPDATE business_events SET properties = jsonb_build_object('site', jsonb_build_object('where', $1::text)) WHERE (tableoid, ctid) = (SELECT tableoid, ctid FROM business_events LIMIT 1)",
          [`${p.line1}, back door`],
        );
        const scanSource = new pg.Pool({ connectionString: t.config.databaseUrl, max: 1 });
        try {
          const plan = await checkProvisioningGate({ db: t.owner, source: t.owner }, {});
          const key = leakScanKey(t.config.secret);
          const scan = await leakScan({
            target: dst,
            identifiers: await sourceIdentifiers({
              source: scanSource,
              plan: plan.kind === "ok" ? plan.tables : [],
              key,
              maskingKey: maskingKey(t.config.secret).bytes,
            }),
            key,
          });
          // The platform's audit trigger copied the planted job values into audit_logs too.
          expect(scan.findings).toEqual([
            { column: "audit_logs.new_values", rows: 3 },
            { column: "business_events.properties", rows: 1 },
            { column: "jobs.description", rows: 1 },
            { column: "jobs.tags", rows: 1 },
            { column: "jobs.title", rows: 1 },
          ]);
        } finally {
          await scanSource.end();
        }
      } finally {
        await dst.end();
      }
      const ds = await getDataset(t.owner, name);
      expect(ds?.status).toBe("ready");
    },
    SLOW,
  );

  it(
    "the leak scan reads every row or fails: a role that row security filters gets an error, never a clean report",
    async () => {
      // The source scanned as if it were a copy: every identifier is in it.
      const gate = await checkProvisioningGate({ db: t.owner, source: t.owner });
      expect(gate.kind).toBe("ok");
      const source = new pg.Pool({ connectionString: t.config.databaseUrl, max: 2 });
      // govern_app is the platform's role: without a tenant set, the policies show it no rows.
      const filtered = new pg.Pool({ connectionString: t.config.appDatabaseUrl, max: 2 });
      try {
        const key = leakScanKey(t.config.secret);
        const identifiers = await sourceIdentifiers({
          source,
          plan: gate.kind === "ok" ? gate.tables : [],
          key,
          maskingKey: maskingKey(t.config.secret).bytes,
        });
        const visible = await filtered.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM customers",
        );
        expect(visible.rows[0]?.n).toBe(0);
        await expect(leakScan({ target: filtered, identifiers, key })).rejects.toThrow(
          /row-level security|permission denied/,
        );
        const whole = await leakScan({ target: source, identifiers, key });
        expect(whole.clean).toBe(false);
      } finally {
        await source.end();
        await filtered.end();
      }
    },
    SLOW,
  );

  it(
    "a subset by tenant keeps only that tenant's rows, with every foreign key resolving",
    async () => {
      const tenant = tenantIds[0] as string;
      const name = dsName("tenant");
      const result = await provisionDataset(deps(), {
        name,
        tenants: [tenant],
        requestedBy: "engineer@test",
      });
      expect(result.kind).toBe("ready");
      const dst = target(name);
      try {
        const n = await dst.query<{ n: number; other: number }>(
          "SELECT count(*)::int AS n, count(*) FILTER (WHERE tenant_id <> $1)::int AS other FROM customers",
          [tenant],
        );
        const src = await sql<{
          n: number;
        }>`SELECT count(*)::int AS n FROM customers WHERE tenant_id = ${tenant}`.execute(t.owner);
        expect(n.rows[0]?.n).toBe(src.rows[0]?.n);
        expect(n.rows[0]?.other).toBe(0);
      } finally {
        await dst.end();
      }
    },
    SLOW,
  );

  it(
    "a percent subset brings each chosen customer's jobs, invoices and payments along",
    async () => {
      const name = dsName("pct");
      const result = await provisionDataset(deps(), {
        name,
        percent: 30,
        requestedBy: "engineer@test",
      });
      expect(result.kind).toBe("ready");
      const dst = target(name);
      try {
        const kept = await dst.query<{ id: string }>("SELECT id FROM customers");
        const all = await sql<{ n: number }>`SELECT count(*)::int AS n FROM customers`.execute(
          t.owner,
        );
        expect(kept.rows.length).toBeGreaterThan(0);
        expect(kept.rows.length).toBeLessThan(all.rows[0]?.n ?? 0);
        const ids = kept.rows.map((r) => r.id);
        for (const table of ["jobs", "invoices", "payments", "customer_interactions"]) {
          const src = await sql<{
            n: number;
          }>`SELECT count(*)::int AS n FROM ${sql.table(table)} WHERE customer_id = ANY(${ids}::uuid[])`.execute(
            t.owner,
          );
          const got = await dst.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM ${table} WHERE customer_id = ANY($1::uuid[])`,
            [ids],
          );
          // Closure: nothing of a chosen customer is missing, and nothing of another is there.
          expect(got.rows[0]?.n, table).toBeLessThanOrEqual(src.rows[0]?.n ?? 0);
          const others = await dst.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM ${table} WHERE customer_id IS NOT NULL AND NOT customer_id = ANY($1::uuid[])`,
            [ids],
          );
          expect(others.rows[0]?.n, table).toBe(0);
        }
        const jobs = await sql<{
          n: number;
        }>`SELECT count(*)::int AS n FROM jobs WHERE customer_id = ANY(${ids}::uuid[])`.execute(
          t.owner,
        );
        const gotJobs = await dst.query<{ n: number }>("SELECT count(*)::int AS n FROM jobs");
        expect(gotJobs.rows[0]?.n).toBe(jobs.rows[0]?.n);
      } finally {
        await dst.end();
      }
    },
    SLOW,
  );

  it(
    "adding a text column of emails to customers refuses provisioning, before and after a re-scan, until a steward accepts it",
    async () => {
      await sql`ALTER TABLE customers ADD COLUMN backup_email text`.execute(t.owner);
      await sql`UPDATE customers SET backup_email = 'alt.' || email WHERE email IS NOT NULL`.execute(
        t.owner,
      );
      const before = await provisionDataset(deps(), {
        name: dsName("refused"),
        requestedBy: "engineer@test",
      });
      expect(before.kind).toBe("refused");
      expect(before.kind === "refused" && before.blocking).toContain("customers.backup_email");
      expect(before.kind === "refused" && before.reasons["customers.backup_email"]).toBe(
        "unknown_column",
      );
      const ds = await getDataset(t.owner, before.datasetId);
      expect(ds?.status).toBe("refused");

      await runCatalogScan({ db: t.owner }, { stores: ["postgres"], triggeredBy: "test" });
      const afterScan = await checkProvisioningGate({ db: t.owner, source: t.owner });
      expect(afterScan.kind === "refused" && afterScan.blocking).toContain(
        "customers.backup_email",
      );
      expect(afterScan.kind === "refused" && afterScan.reasons["customers.backup_email"]).toBe(
        "pending_review",
      );

      await reviewColumns(t.owner, {
        target: { filter: { store: "postgres", table: "customers" } },
        action: "accept",
        actor: "steward@test",
      });
      await reviewColumns(t.owner, {
        target: { filter: { store: "postgres" } },
        action: "accept",
        actor: "steward@test",
      });
      const accepted = await checkProvisioningGate({ db: t.owner, source: t.owner });
      expect(accepted.kind === "refused" ? accepted.blocking : []).toEqual([]);
      const plan =
        accepted.kind === "ok" ? accepted.tables.find((x) => x.table === "customers") : undefined;
      expect(plan?.columns.find((c) => c.column === "backup_email")).toMatchObject({
        category: "email",
        strategy: "substitute",
      });
      await sql`ALTER TABLE customers DROP COLUMN backup_email`.execute(t.owner);
      await runCatalogScan({ db: t.owner }, { stores: ["postgres"], triggeredBy: "test" });
    },
    SLOW,
  );

  it(
    "a failure mid-copy drops the target database and marks the dataset failed",
    async () => {
      const name = dsName("boom");
      let copied = 0;
      await expect(
        provisionDataset(deps(), {
          name,
          requestedBy: "engineer@test",
          afterTable: () => {
            if (++copied === 3) {
              throw new Error("simulated failure");
            }
          },
        }),
      ).rejects.toThrow("simulated failure");
      const ds = await getDataset(t.owner, name);
      expect(ds?.status).toBe("failed");
      expect(ds?.error).toContain("simulated failure");
      const exists = await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM pg_database WHERE datname = ${datasetDatabaseName(name)}`.execute(
        t.owner,
      );
      expect(exists.rows[0]?.n).toBe(0);
    },
    SLOW,
  );
});
