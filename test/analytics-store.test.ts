import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  type AnalyticsStore,
  AnalyticsStoreError,
  createAnalyticsStore,
  migrateAnalytics,
} from "../schema/analytics/analytics-store.ts";
import { ANALYTICS_MIGRATIONS } from "../schema/analytics/ddl.ts";
import { type Config, loadConfig } from "../schema/config.ts";
import { expectBoundValuesRoundTrip } from "./support/analytics-params.ts";

const run = promisify(execFile);
const dataDir = resolve(".data/test-clickhouse", `store-${randomBytes(6).toString("hex")}`);
const TENANT = "7d1c4f56-2a1b-4c3d-8e9f-0a1b2c3d4e5f";

function embeddedConfig(dir = dataDir): Config {
  const base = loadConfig({ ...process.env, NODE_ENV: "test" });
  return { ...base, clickhouse: { database: "govern_store_test", dataDir: dir } };
}

let store: AnalyticsStore;
beforeAll(async () => {
  store = await createAnalyticsStore(embeddedConfig());
});
afterAll(async () => {
  await store?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe("embedded driver", () => {
  test("is the default without CLICKHOUSE_URL and answers a ping with its version", async () => {
    expect(store.driver).toBe("embedded");
    const ping = await store.ping();
    expect(ping).toMatchObject({ ok: true });
    expect(ping.ok && ping.version).toMatch(/^2\d\.\d+/);
    const [row] = await store.query<{ db: string }>("SELECT currentDatabase() AS db");
    expect(row?.db).toBe("govern_store_test");
  });

  test("migrateAnalytics applies each version once and records it", async () => {
    const first = await migrateAnalytics(store);
    expect(first.applied).toEqual(ANALYTICS_MIGRATIONS.map((m) => m.version));
    expect(await migrateAnalytics(store)).toEqual({ applied: [] });
    const tables = await store.query<{ name: string }>(
      "SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name",
    );
    expect(tables.map((t) => t.name)).toEqual([
      "analytics_migrations",
      "business_events_cold",
      "customer_acquisition_daily",
      "jobs_completed_daily",
      "payment_mix_daily",
      "revenue_daily",
    ]);
  });

  test("identifiers travel as Identifier parameters, never as SQL text", async () => {
    await store.insert("revenue_daily", [
      { tenant_id: TENANT, day: "2026-01-01", revenue: "1.00", payments: 1, version: "1" },
    ]);
    const [row] = await store.query<{ n: string }>("SELECT count() AS n FROM {table:Identifier}", {
      table: "revenue_daily",
    });
    expect(row?.n).toBe("1");
    // An injection attempt is one (non-existent) quoted name, not a second statement.
    await expect(
      store.query("SELECT count() FROM {table:Identifier}", {
        table: "revenue_daily; DROP TABLE revenue_daily",
      }),
    ).rejects.toMatchObject({ code: "analytics_query_failed" });
    const columns = await store.query<{ v: string }>(
      "SELECT toString({col:Identifier}) AS v FROM {table:Identifier}",
      { col: "revenue", table: "revenue_daily" },
    );
    expect(columns).toEqual([{ v: "1" }]);
  });

  test("values are bound server-side: quotes, backslashes, arrays, dates, 64-bit integers", async () => {
    await expectBoundValuesRoundTrip(store);
  });

  test("insert takes arrays or async batches; a higher version replaces under FINAL", async () => {
    const key = { tenant_id: TENANT, day: "2026-01-02" };
    expect(
      await store.insert("revenue_daily", [{ ...key, revenue: "10.50", payments: 2, version: 5 }]),
    ).toEqual({ rows: 1 });
    async function* batches() {
      yield [{ ...key, revenue: "11.25", payments: 3, version: 6n }];
      yield [];
      yield [{ ...key, day: "2026-01-03", revenue: "1", payments: 1, version: 6n }];
    }
    expect(await store.insert("revenue_daily", batches())).toEqual({ rows: 2 });
    const rows = await store.query<{ day: string; revenue: number; payments: number }>(
      `SELECT toString(day) AS day, revenue, payments FROM revenue_daily FINAL
       WHERE tenant_id = {t:UUID} AND day >= '2026-01-02' ORDER BY day`,
      { t: TENANT },
    );
    expect(rows).toEqual([
      { day: "2026-01-02", revenue: 11.25, payments: 3 },
      { day: "2026-01-03", revenue: 1, payments: 1 },
    ]);
  });

  test("insert refuses tables that are not analytics tables, before touching the store", async () => {
    for (const table of ["system.users", "revenue_daily; DROP", "`x`", "other.revenue_daily", ""]) {
      await expect(store.insert(table, [])).rejects.toMatchObject({
        code: "analytics_unknown_table",
      });
    }
    expect(await store.insert("govern_store_test.revenue_daily", [])).toEqual({ rows: 0 });
  });

  test("a failing source surfaces its own error", async () => {
    async function* broken() {
      yield [{ tenant_id: TENANT, day: "2026-01-09", revenue: "1", payments: 1, version: 1 }];
      throw new Error("source went away");
    }
    await expect(store.insert("revenue_daily", broken())).rejects.toThrow("source went away");
  });

  test("a rejected statement is an AnalyticsStoreError with ClickHouse's message", async () => {
    const error = await store.query("SELECT nope FROM revenue_daily").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnalyticsStoreError);
    expect((error as AnalyticsStoreError).code).toBe("analytics_query_failed");
    expect((error as Error).message).toMatch(/nope/);
  });

  test("business_events_cold collapses a re-loaded event to one row", async () => {
    const event = {
      time: "2026-01-05 10:11:12.123456",
      tenant_id: TENANT,
      business_id: TENANT,
      event_type: "page_view",
      event_name: null,
      user_id: null,
      customer_id: null,
      job_id: null,
      properties: '{"a": 1}',
      session_id: "s1",
    };
    await store.insert("business_events_cold", [event, { ...event, session_id: null }]);
    await store.insert("business_events_cold", [event]);
    const [counts] = await store.query<{ raw: string; final: string }>(
      `SELECT (SELECT count() FROM business_events_cold WHERE tenant_id = {t:UUID}) AS raw,
              (SELECT count() FROM business_events_cold FINAL WHERE tenant_id = {t:UUID}) AS final`,
      { t: TENANT },
    );
    expect(counts).toEqual({ raw: "3", final: "2" });
    const [row] = await store.query<{ time: string }>(
      "SELECT toString(time) AS time FROM business_events_cold WHERE session_id = 's1' LIMIT 1",
    );
    expect(row?.time).toBe("2026-01-05 10:11:12.123456");
  });

  test("a second store for the same directory shares the session; another directory is refused", async () => {
    const again = await createAnalyticsStore(embeddedConfig());
    expect((await again.ping()).ok).toBe(true);
    await again.close();
    expect((await store.ping()).ok).toBe(true); // still open: sessions are reference-counted

    const other = resolve(".data/test-clickhouse", `other-${randomBytes(4).toString("hex")}`);
    const error = await createAnalyticsStore(embeddedConfig(other)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "analytics_data_dir_in_use" });
    expect((error as Error).message).toContain("CLICKHOUSE_URL");
    await rm(other, { recursive: true, force: true });
  });

  test("another process opening the same data directory is told to use CLICKHOUSE_URL", async () => {
    const script = `
      const { createAnalyticsStore } = await import(${JSON.stringify(resolve("schema/analytics/analytics-store.ts"))});
      const config = ${JSON.stringify(embeddedConfig())};
      try {
        await createAnalyticsStore(config);
        console.log(JSON.stringify({ opened: true }));
      } catch (error) {
        console.log(JSON.stringify({ code: error.code, message: error.message }));
      }`;
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script],
      { cwd: resolve("."), timeout: 60_000 },
    );
    const result = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}");
    expect(result.code).toBe("analytics_data_dir_in_use");
    expect(result.message).toContain(dataDir);
    expect(result.message).toContain(`pid ${process.pid}`);
    expect(result.message).toContain("CLICKHOUSE_URL");
  });

  test("measures how fast rows stream into embedded ClickHouse", async () => {
    const n = 200_000;
    const batch = 10_000;
    async function* rows() {
      for (let start = 0; start < n; start += batch) {
        const out: Record<string, unknown>[] = [];
        for (let i = start; i < start + batch; i++) {
          out.push({
            time: `2026-03-${String(1 + (i % 28)).padStart(2, "0")} 10:00:00.${String(i).padStart(6, "0")}`,
            tenant_id: TENANT,
            business_id: TENANT,
            event_type: "page_view",
            event_name: `view_${i % 50}`,
            user_id: null,
            customer_id: null,
            job_id: null,
            properties: JSON.stringify({ path: `/p/${i}`, n: i }),
            session_id: `s${i % 1000}`,
          });
        }
        yield out;
      }
    }
    const started = performance.now();
    const result = await store.insert("business_events_cold", rows());
    const seconds = (performance.now() - started) / 1000;
    expect(result.rows).toBe(n);
    console.info(
      `[analytics insert] ${n} rows into embedded ClickHouse in ${seconds.toFixed(2)} s = ` +
        `${Math.round(n / seconds)} rows/s`,
    );
  });
});
