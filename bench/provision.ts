/**
 * `npm run bench -- provision [tenants] [customersPerTenant] [parallel]` (default 2 × 500, 2).
 * For ≥ 1M customers: `npm run bench -- provision 40 25000`.
 *
 * Seeds the demo platform into a fresh database, classifies it and accepts every proposal (as a
 * steward would), then clones it twice in the same run: a plain `pg_dump | psql` of the platform
 * schema (the baseline), and a masked clone with provisionDataset (gate, schema, masked binary
 * COPY, constraints, leak scan). Prints both times, the masked clone's phases, and the ratio
 * plain time / masked time (≥ 1.0 means masking costs nothing over a plain copy).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { runCatalogScan } from "../jobs/classify/scan.ts";
import { seedDemoPlatform } from "../masking/demo-platform/index.ts";
import { dropDataset } from "../masking/provision/lifecycle.ts";
import { provisionDataset } from "../masking/provision/provision.ts";
import { loadConfig, withDatabase } from "../schema/config.ts";
import { reviewColumns } from "../schema/governance/catalog-review.repository.ts";
import { migrateToLatest } from "../schema/migrate.ts";
import { createOwnerDb } from "../schema/postgres.ts";

function plainClone(sourceUrl: string, targetUrl: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const dump = spawn("pg_dump", ["--dbname", sourceUrl, "--schema", "public"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const restore = spawn("psql", ["--dbname", targetUrl, "-q", "-X", "-o", "/dev/null"], {
      stdio: ["pipe", "ignore", "inherit"],
    });
    restore.stdin.on("error", () => {});
    dump.stdout.pipe(restore.stdin);
    let open = 2;
    const done = (code: number | null) => {
      if (code !== 0) {
        reject(new Error(`plain clone failed (${code})`));
      } else if (--open === 0) {
        resolve();
      }
    };
    dump.on("close", done);
    restore.on("close", done);
  });
}

export async function main(args: string[]): Promise<void> {
  const tenants = Number(args[0] ?? 2);
  const customersPerTenant = Number(args[1] ?? 500);
  const parallel = Number(args[2] ?? 2);
  const base = loadConfig();
  const suffix = randomBytes(3).toString("hex");
  const srcDb = `govern_bench_prov_${suffix}`;
  const plainDb = `govern_bench_prov_${suffix}_plain`;
  const name = `bench-${suffix}`;
  const admin = createOwnerDb(withDatabase(base, "postgres"), { max: 1 });
  const config = withDatabase(base, srcDb);
  try {
    await sql`CREATE DATABASE ${sql.id(srcDb)}`.execute(admin.db);
    const src = createOwnerDb(config, { max: 4 });
    try {
      await migrateToLatest(src.db, config);
      console.log(`provision: seeding ${tenants} tenants x ${customersPerTenant} customers`);
      const seeded = await seedDemoPlatform(src.pool, {
        tenants,
        customersPerTenant,
        seed: 42,
        asOf: new Date("2026-01-01T00:00:00Z"),
      });
      console.log(`provision: ${seeded.totalRows} rows seeded in ${seeded.durationMs} ms`);
      await runCatalogScan({ db: src.db }, { stores: ["postgres"], triggeredBy: "bench" });
      await reviewColumns(src.db, {
        target: { filter: { store: "postgres" } },
        action: "accept",
        actor: "bench",
      });
      await sql`CHECKPOINT`.execute(src.db);

      // 1. Baseline: a plain clone of the same schema and rows.
      await sql`CREATE DATABASE ${sql.id(plainDb)} TEMPLATE template0`.execute(admin.db);
      // pg_dump --schema public recreates the schema: the empty default one goes first.
      const plain = createOwnerDb(withDatabase(base, plainDb), { max: 1 });
      await sql`DROP SCHEMA public`.execute(plain.db);
      await plain.db.destroy();
      const p0 = Date.now();
      await plainClone(config.databaseUrl, withDatabase(base, plainDb).databaseUrl);
      const plainMs = Date.now() - p0;
      console.log(
        `provision: plain pg_dump | psql ${plainMs} ms (${Math.round(seeded.totalRows / (plainMs / 1000))} rows/s)`,
      );
      // Dropped before the masked clone: at a million customers three copies do not fit on
      // the disk, and the masked clone then starts from a checkpoint as the plain one did.
      await sql`DROP DATABASE ${sql.id(plainDb)} WITH (FORCE)`.execute(admin.db);
      await sql`CHECKPOINT`.execute(admin.db);

      // 2. The masked clone, end to end.
      const m0 = Date.now();
      const result = await provisionDataset(
        { db: src.db, config },
        { name, requestedBy: "bench", parallel },
      );
      const maskedMs = Date.now() - m0;
      if (result.kind !== "ready") {
        throw new Error(`refused: ${result.blocking.join(", ")}`);
      }
      const r = result.report;
      console.log(
        `provision: masked ${maskedMs} ms: gate ${r.timings.gateMs}, schema ${r.timings.schemaMs}, copy ${r.timings.copyMs}, constraints ${r.timings.constraintsMs}, refresh ${r.timings.refreshMs}, leak scan ${r.timings.leakScanMs} (${r.leakScan.identifiers} identifiers hashed in ${r.leakScan.identifiersMs} ms during the copy, ${r.leakScan.values} values scanned, clean ${r.leakScan.clean})`,
      );
      const withoutScan = maskedMs - r.timings.leakScanMs;
      console.log(
        `provision: without the leak scan ${withoutScan} ms, ratio ${(plainMs / withoutScan).toFixed(2)}`,
      );
      console.log(
        `provision: ratio ${(plainMs / maskedMs).toFixed(2)} (plain pg_dump|psql time over masked clone time incl. leak scan, ${r.totalRows} rows), ${Math.round(r.totalRows / (maskedMs / 1000))} rows/s`,
      );
    } finally {
      // The dataset's database and role, ownership checked, while its record still exists.
      await dropDataset({ db: src.db, config }, name).catch(() => {});
      await src.db.destroy();
    }
  } finally {
    await sql`DROP DATABASE IF EXISTS ${sql.id(plainDb)} WITH (FORCE)`
      .execute(admin.db)
      .catch(() => {});
    await sql`DROP DATABASE IF EXISTS ${sql.id(srcDb)} WITH (FORCE)`
      .execute(admin.db)
      .catch(() => {});
    await admin.db.destroy();
  }
}
