import { randomInt, randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ensurePartitions } from "../jobs/partitions/partitions.ts";
import { APP_LOGIN_ROLE } from "../schema/config.ts";
import { withTenant } from "../schema/tenant.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { insertTenantGraph } from "./support/tenant-graph.ts";

let t: TestDatabase;
let tenantA: string;
let tenantB: string;
const extraTenants: string[] = [];

/** Tables that carry tenant_id, read from the catalog (partitions included). */
async function tenantTables(includePartitions: boolean): Promise<string[]> {
  const result = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
      AND (${includePartitions} OR NOT c.relispartition)
    ORDER BY 1`.execute(t.owner);
  return result.rows.map((r) => r.name);
}

beforeAll(async () => {
  t = await createTestDatabase("tenancy");
  await ensurePartitions(t.owner);
  tenantA = (await insertTenantGraph(t.owner, "alpha")).tenantId;
  tenantB = (await insertTenantGraph(t.owner, "bravo")).tenantId;
  for (const label of ["charlie", "delta", "echo"]) {
    extraTenants.push((await insertTenantGraph(t.owner, label)).tenantId);
  }
});

afterAll(async () => {
  await t?.drop();
});

describe("catalog", () => {
  test("every table with tenant_id has RLS enabled and forced", async () => {
    const tables = await tenantTables(true);
    expect(tables.length).toBeGreaterThanOrEqual(27);
    const result = await sql<{ relname: string; enabled: boolean; forced: boolean }>`
      SELECT relname, relrowsecurity AS enabled, relforcerowsecurity AS forced
      FROM pg_class WHERE relname = ANY(${tables}) AND relnamespace = 'public'::regnamespace`.execute(
      t.owner,
    );
    const unprotected = result.rows.filter((r) => !r.enabled || !r.forced).map((r) => r.relname);
    expect(unprotected).toEqual([]);
  });

  test("every table with tenant_id has a checked tenant policy for application_role, without escapes", async () => {
    const tables = await tenantTables(true);
    const policies = await sql<{
      tablename: string;
      qual: string | null;
      with_check: string | null;
    }>`
      SELECT tablename, qual, with_check FROM pg_policies
      WHERE schemaname = 'public' AND 'application_role' = ANY(roles)
        AND cmd = 'ALL' AND permissive = 'PERMISSIVE'`.execute(t.owner);
    const byTable = new Map(policies.rows.map((p) => [p.tablename, p]));
    for (const table of tables) {
      const policy = byTable.get(table);
      expect(policy, `${table} has no tenant policy`).toBeDefined();
      for (const clause of [policy?.qual, policy?.with_check]) {
        expect(clause, `${table} policy lacks USING or WITH CHECK`).toMatch(/tenant_id = /);
        expect(clause).toMatch(/current_setting\('app\.tenant_id'/);
        expect(clause).not.toMatch(/IS NULL|\bOR\b/i);
      }
    }
  });

  test("the application login role is neither owner, superuser nor BYPASSRLS", async () => {
    const role = await sql<{ rolsuper: boolean; rolbypassrls: boolean; is_app: boolean }>`
      SELECT rolsuper, rolbypassrls, pg_has_role(rolname, 'application_role', 'MEMBER') AS is_app
      FROM pg_roles WHERE rolname = ${APP_LOGIN_ROLE}`.execute(t.owner);
    expect(role.rows[0]).toEqual({ rolsuper: false, rolbypassrls: false, is_app: true });
    const owned = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_class
      WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = ${APP_LOGIN_ROLE})`.execute(
      t.owner,
    );
    expect(owned.rows[0]?.n).toBe(0);
    const who = await sql<{ u: string }>`SELECT current_user AS u`.execute(t.app);
    expect(who.rows[0]?.u).toBe(APP_LOGIN_ROLE);
  });

  test("every view in public is security_invoker", async () => {
    const views = await sql<{ relname: string; opts: string[] | null }>`
      SELECT relname, reloptions AS opts FROM pg_class
      WHERE relnamespace = 'public'::regnamespace AND relkind = 'v'`.execute(t.owner);
    expect(views.rows.length).toBeGreaterThan(0);
    for (const view of views.rows) {
      expect(view.opts ?? [], view.relname).toContain("security_invoker=true");
    }
  });

  test("the application has no privilege on the materialized view, which cannot carry RLS", async () => {
    const result = await sql<{ ok: boolean }>`
      SELECT has_table_privilege('application_role', 'customer_lifetime_value', 'SELECT') AS ok`.execute(
      t.owner,
    );
    expect(result.rows[0]?.ok).toBe(false);
  });

  test("the fixture covers every tenant-scoped table", async () => {
    for (const table of await tenantTables(false)) {
      const count = await sql<{ n: number }>`
        SELECT count(DISTINCT tenant_id)::int AS n FROM ${sql.table(table)}`.execute(t.owner);
      expect(count.rows[0]?.n, `${table} has no fixture rows`).toBe(5);
    }
  });
});

describe("isolation under application_role", () => {
  test("tenant A sees only its own rows and none of B's, in every table", async () => {
    for (const table of await tenantTables(false)) {
      await withTenant(t.app, { tenantId: tenantA }, async (trx) => {
        const rows = await sql<{ tenant_id: string; n: number }>`
          SELECT tenant_id, count(*)::int AS n FROM ${sql.table(table)} GROUP BY 1`.execute(trx);
        expect(
          rows.rows.map((r) => r.tenant_id),
          table,
        ).toEqual([tenantA]);
      });
    }
  });

  test("tenant A updates and deletes none of B's rows", async () => {
    for (const table of await tenantTables(false)) {
      await withTenant(t.app, { tenantId: tenantA }, async (trx) => {
        const canUpdate = await sql<{ ok: boolean }>`
          SELECT has_table_privilege(${table}, 'UPDATE') AND has_table_privilege(${table}, 'DELETE') AS ok`.execute(
          trx,
        );
        if (!canUpdate.rows[0]?.ok) {
          return; // append-only for the application (audit_logs, archive)
        }
        const updated = await sql`UPDATE ${sql.table(table)} SET tenant_id = tenant_id
          WHERE tenant_id = ${tenantB}`.execute(trx);
        expect(Number(updated.numAffectedRows), `${table} update`).toBe(0);
        const deleted =
          await sql`DELETE FROM ${sql.table(table)} WHERE tenant_id = ${tenantB}`.execute(trx);
        expect(Number(deleted.numAffectedRows), `${table} delete`).toBe(0);
      });
    }
    const stillThere = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM customers WHERE tenant_id = ${tenantB}`.execute(t.owner);
    expect(stillThere.rows[0]?.n).toBe(1);
  });

  test("tenant A cannot insert a row into B nor move its own row into B", async () => {
    for (const table of await tenantTables(false)) {
      const canInsert = await sql<{ ins: boolean; upd: boolean }>`
        SELECT has_table_privilege('application_role', ${table}, 'INSERT') AS ins,
               has_table_privilege('application_role', ${table}, 'UPDATE') AS upd`.execute(t.owner);
      if (canInsert.rows[0]?.ins) {
        const insert = withTenant(t.app, { tenantId: tenantA }, async (trx) => {
          // Copy one of A's own rows, relabelled as B's (with a fresh id where there is one).
          await sql`INSERT INTO ${sql.table(table)}
            SELECT (jsonb_populate_record(NULL::${sql.table(table)},
              to_jsonb(src) || jsonb_build_object('tenant_id', ${tenantB}::uuid)
                || CASE WHEN to_jsonb(src) ? 'id' THEN jsonb_build_object('id', gen_random_uuid()) ELSE '{}' END)).*
            FROM (SELECT * FROM ${sql.table(table)} LIMIT 1) src`.execute(trx);
        });
        await expect(insert, `${table} insert into B`).rejects.toThrow(/row-level security/);
      }
      if (canInsert.rows[0]?.upd) {
        const move = withTenant(t.app, { tenantId: tenantA }, async (trx) => {
          await sql`UPDATE ${sql.table(table)} SET tenant_id = ${tenantB}
            WHERE ctid = (SELECT ctid FROM ${sql.table(table)} LIMIT 1)`.execute(trx);
        });
        await expect(move, `${table} move into B`).rejects.toThrow(/row-level security/);
      }
    }
  });

  test("with the tenant unset or empty, nothing is visible", async () => {
    for (const table of [...(await tenantTables(false)), "tenants"]) {
      const unset = await t.app.transaction().execute(async (trx) => {
        return sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(trx);
      });
      expect(unset.rows[0]?.n, `${table} with tenant unset`).toBe(0);
      const empty = await t.app.transaction().execute(async (trx) => {
        await sql`SELECT set_config('app.tenant_id', '', true)`.execute(trx);
        return sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(trx);
      });
      expect(empty.rows[0]?.n, `${table} with tenant empty`).toBe(0);
    }
  });

  test("partitions cannot be read directly by the application", async () => {
    const partition = await sql<{ name: string }>`
      SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'business_events'::regclass LIMIT 1`.execute(t.owner);
    const name = partition.rows[0]?.name ?? "";
    expect(name).not.toBe("");
    await expect(
      withTenant(t.app, { tenantId: tenantA }, (trx) =>
        sql`SELECT * FROM ${sql.table(name)}`.execute(trx),
      ),
    ).rejects.toThrow(/permission denied/);
  });

  test("10,000 interleaved pooled requests with random tenants leak no foreign row", async () => {
    const tenants = [tenantA, tenantB, ...extraTenants];
    let leaks = 0;
    let thrown = 0;
    let next = 0;
    const total = 10_000;
    const worker = async () => {
      while (next < total) {
        const i = next++;
        const tenantId = tenants[randomInt(tenants.length)] as string;
        const kind = i % 10;
        if (kind === 0) {
          // No tenant at all on a pooled connection that just served another tenant.
          const rows = await t.app
            .transaction()
            .execute((trx) =>
              sql<{ tenant_id: string }>`SELECT tenant_id FROM customers`.execute(trx),
            );
          leaks += rows.rows.length;
          continue;
        }
        try {
          await withTenant(t.app, { tenantId, userId: randomUUID() }, async (trx) => {
            const rows = await sql<{ tenant_id: string }>`
              SELECT tenant_id FROM customers
              UNION ALL SELECT tenant_id FROM jobs
              UNION ALL SELECT id AS tenant_id FROM tenants`.execute(trx);
            leaks += rows.rows.filter((r) => r.tenant_id !== tenantId).length;
            if (rows.rows.length !== 3) {
              leaks += 1;
            }
            if (kind === 7) {
              throw new Error("request failed mid-transaction");
            }
          });
        } catch (error) {
          if ((error as Error).message !== "request failed mid-transaction") {
            throw error;
          }
          thrown += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: 25 }, worker));
    expect(thrown).toBeGreaterThan(500);
    expect(leaks).toBe(0);
  }, 120_000);
});

describe("audit trigger", () => {
  test("writes audit_logs rows with and without app.user_id", async () => {
    const user = randomUUID();
    const customerId = randomUUID();
    const business = await sql<{ id: string }>`
      SELECT id FROM businesses WHERE tenant_id = ${tenantA}`.execute(t.owner);
    // A connection whose app.user_id was set by an earlier transaction reads '' afterwards.
    await withTenant(t.app, { tenantId: tenantA, userId: user }, async (trx) => {
      await sql`INSERT INTO customers (id, tenant_id, business_id, email)
        VALUES (${customerId}, ${tenantA}, ${business.rows[0]?.id}, 'audit@example.com')`.execute(
        trx,
      );
    });
    await withTenant(t.app, { tenantId: tenantA }, async (trx) => {
      await sql`UPDATE customers SET first_name = 'Ada' WHERE id = ${customerId}`.execute(trx);
    });
    await t.app.transaction().execute(async (trx) => {
      await sql`SELECT set_config('app.tenant_id', ${tenantA}, true)`.execute(trx);
      await sql`DELETE FROM customers WHERE id = ${customerId}`.execute(trx);
    });
    const logs = await sql<{
      action: string;
      user_id: string | null;
      has_old: boolean;
      has_new: boolean;
    }>`
      SELECT action, user_id, old_values IS NOT NULL AS has_old, new_values IS NOT NULL AS has_new
      FROM audit_logs WHERE record_id = ${customerId} ORDER BY created_at, action DESC`.execute(
      t.owner,
    );
    expect(logs.rows).toEqual([
      { action: "INSERT", user_id: user, has_old: false, has_new: true },
      { action: "UPDATE", user_id: null, has_old: true, has_new: true },
      { action: "DELETE", user_id: null, has_old: true, has_new: false },
    ]);
  });

  test("is installed on exactly the audited tables", async () => {
    const triggers = await sql<{ table: string }>`
      SELECT c.relname AS table FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
      WHERE NOT g.tgisinternal AND g.tgfoid = 'audit_trigger'::regproc ORDER BY 1`.execute(t.owner);
    expect(triggers.rows.map((r) => r.table)).toEqual([
      "communications",
      "customers",
      "documents",
      "financial_transactions",
      "invoices",
      "jobs",
      "payments",
      "users",
    ]);
  });

  test("the application cannot rewrite the platform's audit trail", async () => {
    await expect(
      withTenant(t.app, { tenantId: tenantA }, (trx) =>
        sql`DELETE FROM audit_logs WHERE tenant_id = ${tenantA}`.execute(trx),
      ),
    ).rejects.toThrow(/permission denied/);
  });
});
