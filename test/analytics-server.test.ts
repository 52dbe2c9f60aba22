import { randomBytes, randomUUID } from "node:crypto";
import { sql } from "kysely";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runEtl } from "../jobs/etl/etl.ts";
import {
  type AnalyticsStore,
  createAnalyticsStore,
  migrateAnalytics,
} from "../schema/analytics/analytics-store.ts";
import { ANALYTICS_MIGRATIONS } from "../schema/analytics/ddl.ts";
import { type Config, loadConfig } from "../schema/config.ts";
import { createOwnerDb, type Db } from "../schema/postgres.ts";
import { expectBoundValuesRoundTrip } from "./support/analytics-params.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";

/**
 * The server driver (`@clickhouse/client`) against a real ClickHouse server. It needs one, so
 * these tests run only when CLICKHOUSE_URL is set (e.g. CLICKHOUSE_URL=http://localhost:8123
 * npx vitest run test/analytics-server.test.ts); each run uses a database of its own and drops
 * it afterwards. The embedded driver's tests (analytics-store.test.ts) always run.
 */
const base = loadConfig({ ...process.env, NODE_ENV: "test" });
const url = base.clickhouse.url;
const SKIP_REASON =
  "CLICKHOUSE_URL is not set: server driver tests skipped (embedded driver tested)";
if (!url) {
  console.warn(`[analytics-server.test.ts] ${SKIP_REASON}`);
}

test("an unreachable server is reported as analytics_unavailable, naming the URL", async () => {
  const config: Config = {
    ...base,
    clickhouse: { ...base.clickhouse, url: "http://user:secret@127.0.0.1:9/" },
  };
  const error = await createAnalyticsStore(config).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: "analytics_unavailable" });
  expect((error as Error).message).toContain("127.0.0.1:9");
  expect((error as Error).message).not.toContain("secret");
});

describe.skipIf(!url)(`server driver${url ? "" : ` (skipped: ${SKIP_REASON})`}`, () => {
  const database = `govern_test_${randomBytes(5).toString("hex")}`;
  const tenant = randomUUID();
  let store: AnalyticsStore;

  beforeAll(async () => {
    store = await createAnalyticsStore({ ...base, clickhouse: { ...base.clickhouse, database } });
  });
  afterAll(async () => {
    await store?.command("DROP DATABASE IF EXISTS {database:Identifier}", { database });
    await store?.close();
  });

  test("connects to CLICKHOUSE_URL, creates its database and answers a ping", async () => {
    expect(store.driver).toBe("server");
    const ping = await store.ping();
    expect(ping).toMatchObject({ ok: true });
    const [row] = await store.query<{ db: string }>("SELECT currentDatabase() AS db");
    expect(row?.db).toBe(database);
  });

  test("migrateAnalytics applies each version once", async () => {
    expect((await migrateAnalytics(store)).applied).toEqual(
      ANALYTICS_MIGRATIONS.map((m) => m.version),
    );
    expect(await migrateAnalytics(store)).toEqual({ applied: [] });
  });

  test("the same SQL and parameters as the embedded driver, with the same result shapes", async () => {
    await expectBoundValuesRoundTrip(store);
  });

  test("identifiers travel as Identifier parameters; insert streams batches; FINAL replaces", async () => {
    const key = { tenant_id: tenant, day: "2026-01-02" };
    async function* batches() {
      yield [{ ...key, revenue: "10.50", payments: 2, version: "5" }];
      yield [{ ...key, revenue: "11.25", payments: 3, version: "6" }];
    }
    expect(await store.insert("revenue_daily", batches())).toEqual({ rows: 2 });
    const rows = await store.query<{ revenue: number; payments: number }>(
      "SELECT revenue, payments FROM {table:Identifier} FINAL WHERE tenant_id = {t:UUID}",
      { table: "revenue_daily", t: tenant },
    );
    expect(rows).toEqual([{ revenue: 11.25, payments: 3 }]);
    await expect(
      store.query("SELECT count() FROM {table:Identifier}", { table: "revenue_daily; SELECT 1" }),
    ).rejects.toMatchObject({ code: "analytics_query_failed" });
    await expect(store.insert("system.users", [])).rejects.toMatchObject({
      code: "analytics_unknown_table",
    });
  });

  test("a failing source surfaces its own error", async () => {
    async function* broken() {
      yield [{ tenant_id: tenant, day: "2026-01-09", revenue: "1", payments: 1, version: "1" }];
      throw new Error("source went away");
    }
    await expect(store.insert("revenue_daily", broken())).rejects.toThrow("source went away");
  });

  describe("ETL into the server", () => {
    let t: TestDatabase;
    let db: Db;
    let pool: pg.Pool;
    beforeAll(async () => {
      t = await createTestDatabase("etl_server");
      ({ db, pool } = createOwnerDb(t.config));
    });
    afterAll(async () => {
      await db?.destroy();
      await t?.drop();
    });

    test("loads revenue like the embedded store, and a re-run changes nothing", async () => {
      const tenantId = randomUUID();
      const businessId = randomUUID();
      await t.owner.insertInto("tenants").values({ id: tenantId, business_name: "srv" }).execute();
      await t.owner
        .insertInto("businesses")
        .values({ id: businessId, tenant_id: tenantId, legal_name: "srv", display_name: "srv" })
        .execute();
      await sql`
        INSERT INTO payments (tenant_id, business_id, amount, status, paid_at)
        SELECT ${tenantId}, ${businessId}, 10 + i, 'completed', now() - i * interval '1 day'
        FROM generate_series(1, 30) AS i`.execute(t.owner);
      await migrateAnalytics(store);
      const query = () =>
        store.query<{ n: string; revenue: number }>(
          `SELECT count() AS n, sum(revenue) AS revenue FROM revenue_daily FINAL
           WHERE tenant_id = {t:UUID}`,
          { t: tenantId },
        );
      await runEtl({ db, pool, store }, { targets: ["revenue_daily"] });
      expect(await query()).toEqual([{ n: "30", revenue: 765 }]);
      await runEtl({ db, pool, store }, { targets: ["revenue_daily"] });
      expect(await query()).toEqual([{ n: "30", revenue: 765 }]);
    });
  });
});
