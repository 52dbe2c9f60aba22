/**
 * `npm run bench -- seed [tenants] [customersPerTenant] [connections]` (default 4 × 25000, 2).
 *
 * Measures the demo platform generator against the cheapest possible way to load the very same
 * rows: raw COPY of pre-made files. Both runs go into identical freshly migrated databases, with
 * the same number of connections and the same session settings (triggers off, asynchronous
 * commit), and both exclude partition creation and ANALYZE/REFRESH, which are timed and printed
 * separately. The ratio is therefore generation's whole cost: 1.0 would mean producing the rows
 * is free.
 */
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { sql } from "kysely";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import {
  ensureDemoPartitions,
  LOAD_ORDER,
  seedDemoPlatform,
  TABLES,
} from "../masking/demo-platform/index.ts";
import { type Config, loadConfig, withDatabase } from "../schema/config.ts";
import { copyOut } from "../schema/copy-out.ts";
import { migrateToLatest } from "../schema/migrate.ts";
import { createOwnerDb } from "../schema/postgres.ts";

const AS_OF = new Date("2026-01-01T00:00:00Z");

export async function main(args: string[]): Promise<void> {
  const tenants = Number(args[0] ?? 4);
  const customersPerTenant = Number(args[1] ?? 25_000);
  const connections = Number(args[2] ?? 2);
  const seed = 42;
  const config = loadConfig();
  const suffix = randomBytes(3).toString("hex");
  const genDb = `govern_bench_seed_${suffix}_gen`;
  const rawDb = `govern_bench_seed_${suffix}_raw`;
  const dumpDir = mkdtempSync(join(tmpdir(), "govern-bench-seed-"));
  const admin = createOwnerDb(withDatabase(config, "postgres"), { max: 1 });
  try {
    await createMigratedDatabases(admin.db, config, genDb, rawDb);

    // 1. The generator, end to end, as `govern seed` runs it.
    console.log(
      `seed: generating ${tenants} tenants x ${customersPerTenant} customers (${connections} connections)`,
    );
    const gen = createOwnerDb(withDatabase(config, genDb), { max: connections + 1 });
    let report: Awaited<ReturnType<typeof seedDemoPlatform>>;
    try {
      report = await seedDemoPlatform(gen.pool, {
        tenants,
        customersPerTenant,
        seed,
        asOf: AS_OF,
        loading: { connections },
      });
      console.log(
        `seed: ${report.totalRows} rows in ${report.durationMs} ms end to end (${report.rowsPerSecond} rows/s)`,
      );
      console.log(
        `seed: phases ${JSON.stringify(report.phasesMs)}, triggers disabled: ${report.triggersDisabled}`,
      );
      console.log(`seed: peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
      // 2. The same rows as COPY text files (not timed).
      await dump(gen.pool, dumpDir);
    } finally {
      await gen.db.destroy();
    }
    const totalBytes = LOAD_ORDER.reduce(
      (sum, t) => sum + statSync(join(dumpDir, `${t}.tsv`)).size,
      0,
    );
    console.log(
      `seed: ${Math.round(totalBytes / 1e6)} MB of COPY text (${Math.round(totalBytes / report.totalRows)} bytes/row)`,
    );

    // 3. Baseline: raw COPY of those files into the identical empty schema.
    const raw = createOwnerDb(withDatabase(config, rawDb), { max: connections + 1 });
    let rawLoadMs: number;
    try {
      await ensureDemoPartitions(raw.pool, AS_OF);
      const started = performance.now();
      await loadFiles(raw.pool, dumpDir, connections);
      rawLoadMs = performance.now() - started;
      const finalizeStarted = performance.now();
      await raw.pool.query(`ANALYZE ${LOAD_ORDER.join(", ")}`);
      await raw.pool.query("REFRESH MATERIALIZED VIEW customer_lifetime_value");
      console.log(
        `seed: raw COPY ${Math.round(rawLoadMs)} ms, then ANALYZE+REFRESH ${Math.round(performance.now() - finalizeStarted)} ms`,
      );
    } finally {
      await raw.db.destroy();
    }

    const genLoadMs = report.phasesMs?.load ?? report.durationMs;
    const genRate = report.totalRows / (genLoadMs / 1000);
    const rawRate = report.totalRows / (rawLoadMs / 1000);
    console.log(
      `seed: generate+COPY ${Math.round(genLoadMs)} ms (${Math.round(genRate)} rows/s), raw COPY ${Math.round(rawLoadMs)} ms (${Math.round(rawRate)} rows/s)`,
    );
    console.log(
      `seed: ratio ${(genRate / rawRate).toFixed(2)} (generator rows/s over raw COPY rows/s), ${Math.round(genRate)} rows/s`,
    );
  } finally {
    await sql`DROP DATABASE IF EXISTS ${sql.id(genDb)} WITH (FORCE)`
      .execute(admin.db)
      .catch(() => {});
    await sql`DROP DATABASE IF EXISTS ${sql.id(rawDb)} WITH (FORCE)`
      .execute(admin.db)
      .catch(() => {});
    await admin.db.destroy();
    rmSync(dumpDir, { recursive: true, force: true });
  }
}

/** Two identical, freshly migrated, empty databases (the second cloned from the first). */
async function createMigratedDatabases(
  admin: ReturnType<typeof createOwnerDb>["db"],
  config: Config,
  genDb: string,
  rawDb: string,
): Promise<void> {
  await sql`CREATE DATABASE ${sql.id(genDb)}`.execute(admin);
  const target = createOwnerDb(withDatabase(config, genDb), { max: 1 });
  try {
    await migrateToLatest(target.db, withDatabase(config, genDb));
  } finally {
    await target.db.destroy();
  }
  await sql`CREATE DATABASE ${sql.id(rawDb)} TEMPLATE ${sql.id(genDb)}`.execute(admin);
}

async function dump(pool: pg.Pool, dir: string): Promise<void> {
  const client = await pool.connect();
  try {
    for (const table of LOAD_ORDER) {
      const columns = TABLES[table].join(", ");
      const source = client.query(copyOut(`COPY (SELECT ${columns} FROM ${table}) TO STDOUT`));
      await pipeline(source, createWriteStream(join(dir, `${table}.tsv`)));
    }
  } finally {
    client.release();
  }
}

/** Loads every table's file with COPY, biggest first, over `connections` connections. */
async function loadFiles(pool: pg.Pool, dir: string, connections: number): Promise<void> {
  const queue = [...LOAD_ORDER].sort(
    (a, b) => statSync(join(dir, `${b}.tsv`)).size - statSync(join(dir, `${a}.tsv`)).size,
  );
  const worker = async () => {
    const client = await pool.connect();
    try {
      await client.query("SET session_replication_role = replica");
      await client.query("SET synchronous_commit = off");
      for (let table = queue.shift(); table !== undefined; table = queue.shift()) {
        const columns = TABLES[table].join(", ");
        const sink = client.query(copyFrom(`COPY ${table} (${columns}) FROM STDIN`));
        await pipeline(
          createReadStream(join(dir, `${table}.tsv`), { highWaterMark: 256 * 1024 }),
          sink,
        );
      }
    } finally {
      client.release(true);
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
}
