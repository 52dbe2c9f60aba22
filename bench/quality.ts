/**
 * `npm run bench -- quality [rows]` (default 1,000,000 payments over 10 tenants).
 *
 * Measures the quality engine's one-scan evaluation of 10 structured rules on one table (one
 * SELECT, jobs/quality/scan.ts) against one plain `SELECT count(*)` full scan of the same table,
 * in the same run, warm cache, median of 5 rounds taken in turns. The headline (last line) is
 * every row evaluated: a first run, or a table updated or deleted from since the last. The
 * baseline is kept honest: index-only and bitmap scans are off for it, so it reads the same heap
 * pages as the rules do (left alone, PostgreSQL counts the rows from a small index); both may
 * use parallel workers, as the engine's scan does.
 *
 * Printed beside it: every predicate run per row (no grouping by column value,
 * jobs/quality/value-groups.ts), which is what grouping saves; per-tenant results (the same rules
 * grouped by tenant_id); a table unchanged since the last run, whose stored aggregates are reused
 * once a scan of the row headers proves them current (jobs/quality/scan-state.ts); a table with
 * 1,000 rows appended since, of which only those are evaluated; a per-tenant uniqueness rule on
 * the primary key (proven by the constraint, nothing counted) and on a column without a unique
 * index (count(DISTINCT …), a sort per tenant). Each run reads the clock, so volume windows move
 * between rounds. Wall time swings with the shared machine's load; the server's CPU time with
 * serial plans (PostgreSQL on this host) hardly does and is printed too. Last line:
 * `quality: ratio X (10 rules over one full scan), N rows/s`.
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { type RawBuilder, sql } from "kysely";
import { platformTables } from "../jobs/quality/catalog.ts";
import { evaluateTable } from "../jobs/quality/scan.ts";
import type { RuleRecord } from "../jobs/quality/types.ts";
import { parseQualityRule } from "../rules/quality/loader.ts";
import type { TTenants } from "../rules/quality/schema.ts";
import { loadConfig, withDatabase } from "../schema/config.ts";
import { migrateToLatest } from "../schema/migrate.ts";
import { createOwnerDb, type Db } from "../schema/postgres.ts";

const TENANTS = 10;

function rules(tenants: TTenants): RuleRecord[] {
  const raw = [
    { id: "r1", column: "amount", kind: "completeness" },
    { id: "r2", column: "currency", kind: "completeness" },
    { id: "r3", column: "status", kind: "completeness" },
    {
      id: "r4",
      column: "amount",
      kind: "validity",
      check: { range: { min: 0, max: 1_000_000, exclusive: true } },
    },
    {
      id: "r5",
      column: "currency",
      kind: "validity",
      check: { set: ["USD", "EUR", "GBP", "CAD"] },
    },
    { id: "r6", column: "payment_method", kind: "validity", check: { regex: "^[a-z_]+$" } },
    { id: "r7", column: "currency", kind: "validity", check: { length: { min: 3, max: 3 } } },
    {
      id: "r8",
      column: "status",
      kind: "consistency",
      check: { allowed: ["pending", "completed", "failed", "refunded"] },
    },
    { id: "r9", kind: "freshness", check: { timestamp: "paid_at", max_age_hours: 48 } },
    { id: "r10", kind: "volume", check: { timestamp: "paid_at", window_hours: 24, min_rows: 1 } },
  ];
  return raw.map((r) => ({
    rule: parseQualityRule({ table: "payments", threshold: 0.9, tenants, ...r }),
    version: 1,
    source: "bench",
  }));
}

/**
 * Median time of each query over `rounds` rounds, the queries taking turns within a round, so
 * that a change in the machine's load falls on all of them alike rather than on one.
 */
async function medians<K extends string>(
  rounds: number,
  fns: Record<K, () => Promise<unknown>>,
  clock: () => Promise<number> = async () => performance.now(),
  /** Untimed work before a query's turn. */
  setup: Partial<Record<K, () => Promise<unknown>>> = {},
): Promise<Record<K, number>> {
  const keys = Object.keys(fns) as K[];
  const times = new Map<K, number[]>(keys.map((k) => [k, []]));
  for (let i = 0; i < rounds; i++) {
    for (const k of keys) {
      await setup[k]?.();
      const t = await clock();
      await fns[k]();
      times.get(k)?.push((await clock()) - t);
    }
  }
  const out = {} as Record<K, number>;
  for (const k of keys) {
    const sorted = (times.get(k) ?? []).sort((a, b) => a - b);
    out[k] = sorted[Math.floor(sorted.length / 2)] as number;
  }
  return out;
}

/**
 * CPU time (ms) the server process of a one-connection pool has used, from /proc (PostgreSQL on
 * this host), or null. Unlike wall time it hardly moves with other work on the machine; it is
 * taken with serial plans, so that no parallel worker's time escapes it.
 */
async function backendCpu(db: Db): Promise<() => Promise<number>> {
  const got = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(db);
  const file = `/proc/${got.rows[0]?.pid}/schedstat`;
  return async () => Number((await readFile(file, "utf8")).split(" ")[0]) / 1e6;
}

async function seed(db: Db, rows: number): Promise<void> {
  // The platform's audit trigger would write a row per payment: not what is measured here.
  await sql`ALTER TABLE payments DISABLE TRIGGER payments_audit`.execute(db);
  await sql`
    INSERT INTO tenants (id, business_name)
    SELECT gen_random_uuid(), 'Bench tenant ' || g FROM generate_series(1, ${TENANTS}) g`.execute(
    db,
  );
  await sql`
    INSERT INTO businesses (id, tenant_id, legal_name, display_name)
    SELECT gen_random_uuid(), id, business_name, business_name FROM tenants`.execute(db);
  await sql`
    INSERT INTO payments (tenant_id, business_id, amount, currency, status, payment_method, paid_at)
    SELECT b.tenant_id, b.id,
           CASE WHEN g % 97 = 0 THEN -1 ELSE (g % 5000) + 0.5 END,
           (ARRAY['USD', 'EUR', 'GBP', 'CAD'])[1 + g % 4],
           (ARRAY['pending', 'completed', 'completed', 'failed', 'refunded'])[1 + g % 5],
           (ARRAY['credit_card', 'ach', 'cash', 'check'])[1 + g % 4],
           now() - make_interval(mins => (g % 2880))
    FROM generate_series(1, ${rows}) g
    JOIN (SELECT id, tenant_id, row_number() OVER () - 1 AS n FROM businesses) b ON b.n = g % ${TENANTS}`.execute(
    db,
  );
  await sql`VACUUM ANALYZE payments`.execute(db);
}

async function settle(db: Db): Promise<void> {
  const now = await sql<{ x: string }>`
    SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS x`.execute(db);
  const target = BigInt(now.rows[0]?.x ?? "0");
  for (let i = 0; i < 3000; i++) {
    const got = await sql<{ x: string }>`
      SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS x`.execute(db);
    if (BigInt(got.rows[0]?.x ?? "0") >= target) {
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  console.log("quality: a transaction on the server stayed open 10 minutes; reuse may not happen");
}

export async function main(args: string[]): Promise<void> {
  const rows = Number(args[0] ?? 1_000_000);
  if (!Number.isInteger(rows) || rows < 1000) {
    console.error("usage: npm run bench -- quality [rows >= 1000]");
    process.exit(2);
  }
  const base = loadConfig();
  const name = `govern_bench_quality_${randomBytes(3).toString("hex")}`;
  const config = withDatabase(base, name);
  const admin = createOwnerDb(withDatabase(base, "postgres"), { max: 1 });
  await sql`CREATE DATABASE ${sql.id(name)}`.execute(admin.db);
  const { db } = createOwnerDb(config, { max: 2 });
  const serial = createOwnerDb(config, {
    max: 1,
    settings: { max_parallel_workers_per_gather: "0" },
  });
  try {
    await migrateToLatest(db, config);
    console.log(`quality: loading ${rows} payments over ${TENANTS} tenants`);
    const t0 = performance.now();
    await seed(db, rows);
    console.log(`quality: loaded in ${Math.round(performance.now() - t0)} ms`);
    const tables = await platformTables(db);
    const tenants = (
      await sql<{ id: string }>`SELECT id::text AS id FROM tenants`.execute(db)
    ).rows.map((r) => r.id);
    // Each run reads the clock, as a scheduled run does: volume windows move between rounds.
    const ctx = () => ({ tables, tenants, sampleSize: 0, now: new Date() });

    // A heap scan as the rules' is: without these PostgreSQL counts from a small index.
    const heapScan = (on: Db, query: RawBuilder<unknown>) =>
      on.transaction().execute(async (trx) => {
        await sql`SET LOCAL enable_indexonlyscan = off`.execute(trx);
        await sql`SET LOCAL enable_bitmapscan = off`.execute(trx);
        return query.execute(trx);
      });
    const fullScan =
      (on: Db = db) =>
      () =>
        heapScan(on, sql`SELECT count(*) FROM payments`);
    await fullScan()(); // warm the cache
    const all = rules("all");
    // The floor no engine on PostgreSQL's executor goes under: the columns the rules read, each
    // only counted (count(col), nothing evaluated), in one scan planned like the baseline.
    const read = [
      ...new Set(
        all.flatMap(({ rule }) => {
          const ts = (rule.check as { timestamp?: string }).timestamp;
          return [rule.column, ts].filter((c): c is string => typeof c === "string");
        }),
      ),
    ];
    const counts = sql.join(read.map((c) => sql`count(${sql.ref(c)})`));
    const columnsRead = () => heapScan(db, sql`SELECT ${counts} FROM payments`);
    const perTenant = rules("per_tenant");
    const check = await evaluateTable(db, "payments", all, ctx());
    const errors = check.filter((r) => r.error);
    if (errors.length) {
      throw new Error(`rules failed to evaluate: ${errors.map((e) => e.error).join("; ")}`);
    }
    const uniqueOn = (column: string): RuleRecord => ({
      rule: parseQualityRule({
        id: `u_${column}`,
        table: "payments",
        column,
        kind: "uniqueness",
        tenants: "per_tenant",
      }),
      version: 1,
      source: "bench",
    });
    const full = () => ({ ...ctx(), reuse: false });
    // A run proves the table unchanged from rows older than its snapshot's xmin horizon: wait
    // for the server's open transactions (any database) to end past the load, as a scheduled
    // run would meet them. The first runs store what the later ones reuse.
    await settle(db);
    await evaluateTable(db, "payments", all, ctx());
    await evaluateTable(db, "payments", perTenant, ctx());
    // Rows appended between two runs (a copy of 1,000 existing ones), then the writer's
    // transaction left behind, as the next scheduled run would meet them.
    const append = async () => {
      await sql`
        INSERT INTO payments (tenant_id, business_id, amount, currency, status, payment_method, paid_at)
        SELECT tenant_id, business_id, amount, currency, status, payment_method, now()
        FROM payments LIMIT 1000`.execute(db);
      await settle(db);
    };
    const m = await medians(
      5,
      {
        scan: fullScan(),
        floor: columnsRead,
        every: () => evaluateTable(db, "payments", all, full()),
        perRow: () => evaluateTable(db, "payments", all, { ...full(), valueGroups: false }),
        tenantEvery: () => evaluateTable(db, "payments", perTenant, full()),
        reused: () => evaluateTable(db, "payments", all, ctx()),
        tenantReused: () => evaluateTable(db, "payments", perTenant, ctx()),
        appended: () => evaluateTable(db, "payments", all, ctx()),
        proven: () => evaluateTable(db, "payments", [...perTenant, uniqueOn("id")], full()),
        distinct: () => evaluateTable(db, "payments", [...perTenant, uniqueOn("amount")], full()),
      },
      undefined,
      {
        // The appends of the round before are taken in first: these two meet an unchanged table.
        reused: () => evaluateTable(db, "payments", all, ctx()),
        tenantReused: () => evaluateTable(db, "payments", perTenant, ctx()),
        appended: append,
      },
    );
    const line = (label: string, ms: number) =>
      console.log(
        `quality: ${label.padEnd(50)} ${ms.toFixed(0).padStart(6)} ms (${(ms / m.scan).toFixed(2)}x)`,
      );
    console.log(
      `quality: load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}`,
    );
    line("plain count(*) full scan", m.scan);
    line(`floor: the rules' ${read.length} columns read, nothing evaluated`, m.floor);
    line("10 rules, every row evaluated (value groups)", m.every);
    line("10 rules, every row, every predicate per row", m.perRow);
    line("10 rules per tenant, every row evaluated", m.tenantEvery);
    line("10 rules, unchanged table (proven, reused)", m.reused);
    line("10 rules per tenant, unchanged table", m.tenantReused);
    line("10 rules, 1,000 rows appended since (only they read)", m.appended);
    line("+ per-tenant uniqueness of id (payments_pkey)", m.proven);
    line("+ per-tenant uniqueness of amount (DISTINCT)", m.distinct);
    const cpuClock = await backendCpu(serial.db).catch(() => null);
    if (cpuClock && (await cpuClock().catch(() => null)) !== null) {
      const c = await medians(
        5,
        {
          scan: fullScan(serial.db),
          every: () => evaluateTable(serial.db, "payments", all, full()),
          reused: () => evaluateTable(serial.db, "payments", all, ctx()),
        },
        cpuClock,
      );
      const x = (ms: number) => `${ms.toFixed(0)} ms (${(ms / c.scan).toFixed(2)}x)`;
      console.log(
        `quality: server CPU, serial plans: count(*) ${x(c.scan)}; every row ${x(c.every)}; unchanged table ${x(c.reused)}`,
      );
    }
    const ratio = m.every / m.scan;
    const rate = Math.round(rows / (m.every / 1000));
    console.log(`quality: ratio ${ratio.toFixed(2)} (10 rules over one full scan), ${rate} rows/s`);
  } finally {
    await serial.db.destroy();
    await db.destroy();
    await sql`DROP DATABASE IF EXISTS ${sql.id(name)} WITH (FORCE)`.execute(admin.db);
    await admin.db.destroy();
  }
}
