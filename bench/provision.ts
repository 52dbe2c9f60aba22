/**
 * `npm run bench -- provision [tenants] [customersPerTenant] [parallel] [keep]` (default 2 × 500,
 * 2). For ≥ 1M customers: `npm run bench -- provision 40 25000`. With `keep`, the seeded source
 * database (`govern_bench_prov_keep_<tenants>x<customers>`) is kept and reused by the next run
 * of the same size (seeding 4 × 25,000 takes minutes on a busy machine).
 *
 * Seeds the demo platform into a fresh database, classifies it and accepts every proposal (as a
 * steward would), then clones it twice in the same run: a plain `pg_dump | psql` of the platform
 * schema (the baseline), and a masked clone with provisionDataset (gate, schema, masked binary
 * COPY, constraints, leak scan). Prints both times, the masked clone's phases, and the ratio
 * plain time / masked time (≥ 1.0 means masking costs nothing over a plain copy). Between the
 * two, the floor (provision-floor.ts): the masked clone's own pipeline with nothing masked or
 * scanned, so the cost of masking and the leak scan alone is printed too.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { Transform } from "node:stream";
import { sql } from "kysely";
import { runCatalogScan } from "../jobs/classify/scan.ts";
import { seedDemoPlatform } from "../masking/demo-platform/index.ts";
import { dropDataset } from "../masking/provision/lifecycle.ts";
import { type ProvisionReport, provisionDataset } from "../masking/provision/provision.ts";
import { loadConfig, withDatabase } from "../schema/config.ts";
import { reviewColumns } from "../schema/governance/catalog-review.repository.ts";
import { migrateToLatest } from "../schema/migrate.ts";
import { createOwnerDb } from "../schema/postgres.ts";
import { floorClone } from "./provision-floor.ts";

/** The plain clone's phases as its stream passes: schema, data (COPY), post-data (indexes...). */
type PlainPhases = { schemaMs: number; dataMs: number; postDataMs: number };

/**
 * The start of pg_dump's data section (its first table's data) and of its post-data section
 * (the first index, constraint, trigger or policy after the data): the dump is piped through
 * this process, which notes when each passes (psql lags by a pipe buffer, a few milliseconds).
 */
const DATA_START = "\n-- Data for Name: ";
const POST_DATA =
  /\n-- Name: [^\n]*; Type: (?:CONSTRAINT|FK CONSTRAINT|INDEX|TRIGGER|POLICY|RULE);/;

function plainClone(sourceUrl: string, targetUrl: string): Promise<PlainPhases> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let dataAt: number | undefined;
    let postAt: number | undefined;
    let tail = "";
    const dump = spawn("pg_dump", ["--dbname", sourceUrl, "--schema", "public"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const restore = spawn("psql", ["--dbname", targetUrl, "-q", "-X", "-o", "/dev/null"], {
      stdio: ["pipe", "ignore", "inherit"],
    });
    restore.stdin.on("error", () => {});
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        if (postAt === undefined) {
          // Markers may straddle chunks: the end of the last chunk is searched again.
          const text = tail + chunk.toString("latin1");
          if (dataAt === undefined && text.includes(DATA_START)) {
            dataAt = Date.now();
          }
          if (dataAt !== undefined && POST_DATA.test(text)) {
            postAt = Date.now();
          }
          tail = text.slice(-200);
        }
        done(null, chunk);
      },
    });
    dump.stdout.pipe(tap).pipe(restore.stdin);
    let open = 2;
    const done = (code: number | null) => {
      if (code !== 0) {
        reject(new Error(`plain clone failed (${code})`));
      } else if (--open === 0) {
        const end = Date.now();
        const d = dataAt ?? end;
        const p = postAt ?? end;
        resolve({ schemaMs: d - started, dataMs: p - d, postDataMs: end - p });
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
  const keep = args[3] === "keep";
  const srcDb = keep
    ? `govern_bench_prov_keep_${tenants}x${customersPerTenant}`
    : `govern_bench_prov_${suffix}`;
  const plainDb = `govern_bench_prov_${suffix}_plain`;
  const name = `bench-${suffix}`;
  const admin = createOwnerDb(withDatabase(base, "postgres"), { max: 1 });
  const config = withDatabase(base, srcDb);
  try {
    const exists = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_database WHERE datname = ${srcDb}`.execute(admin.db);
    const reuse = keep && (exists.rows[0]?.n ?? 0) > 0;
    if (!reuse) {
      await sql`CREATE DATABASE ${sql.id(srcDb)}`.execute(admin.db);
    }
    const src = createOwnerDb(config, { max: 4 });
    try {
      await migrateToLatest(src.db, config);
      let seeded: { totalRows: number };
      if (reuse) {
        const rows = await sql<{ n: number }>`
          SELECT coalesce(sum(n_live_tup), 0)::bigint::float8 AS n FROM pg_stat_user_tables
          WHERE schemaname = 'public'`.execute(src.db);
        seeded = { totalRows: rows.rows[0]?.n ?? 0 };
        console.log(`provision: reusing ${srcDb} (${seeded.totalRows} rows)`);
      } else {
        console.log(`provision: seeding ${tenants} tenants x ${customersPerTenant} customers`);
        const fresh = await seedDemoPlatform(src.pool, {
          tenants,
          customersPerTenant,
          seed: 42,
          asOf: new Date("2026-01-01T00:00:00Z"),
        });
        seeded = fresh;
        console.log(`provision: ${fresh.totalRows} rows seeded in ${fresh.durationMs} ms`);
      }
      await runCatalogScan({ db: src.db }, { stores: ["postgres"], triggeredBy: "bench" });
      await reviewColumns(src.db, {
        target: { filter: { store: "postgres" } },
        action: "accept",
        actor: "bench",
      });
      await sql`CHECKPOINT`.execute(src.db);

      let floorMs = 0;
      // 1. Baseline: a plain clone of the same schema and rows.
      await sql`CREATE DATABASE ${sql.id(plainDb)} TEMPLATE template0`.execute(admin.db);
      // pg_dump --schema public recreates the schema: the empty default one goes first.
      const plain = createOwnerDb(withDatabase(base, plainDb), { max: 1 });
      await sql`DROP SCHEMA public`.execute(plain.db);
      await plain.db.destroy();
      const p0 = Date.now();
      const phases = await plainClone(config.databaseUrl, withDatabase(base, plainDb).databaseUrl);
      const plainMs = Date.now() - p0;
      console.log(
        `provision: plain pg_dump | psql ${plainMs} ms (${Math.round(seeded.totalRows / (plainMs / 1000))} rows/s): schema ${phases.schemaMs}, data ${phases.dataMs}, indexes/constraints ${phases.postDataMs}`,
      );
      // Dropped before the masked clone: at a million customers three copies do not fit on
      // the disk, and the masked clone then starts from a checkpoint as the plain one did.
      await sql`DROP DATABASE ${sql.id(plainDb)} WITH (FORCE)`.execute(admin.db);
      await sql`CHECKPOINT`.execute(admin.db);

      // 2. The floor: the masked clone's own pipeline with nothing masked nor scanned.
      const floorDb = `${plainDb}_floor`;
      await sql`CREATE DATABASE ${sql.id(floorDb)} TEMPLATE template0`.execute(admin.db);
      try {
        const f0 = Date.now();
        const floor = await floorClone(
          config.databaseUrl,
          withDatabase(base, floorDb).databaseUrl,
          parallel,
        );
        floorMs = Date.now() - f0;
        console.log(
          `provision: floor (the masked clone's pipeline, nothing masked or scanned) ${floorMs} ms: schema ${floor.schemaMs}, copy ${floor.copyMs}, constraints ${floor.constraintsMs}`,
        );
      } finally {
        await sql`DROP DATABASE IF EXISTS ${sql.id(floorDb)} WITH (FORCE)`.execute(admin.db);
        await sql`CHECKPOINT`.execute(admin.db);
      }

      // 3. The masked clone, end to end.
      const m0 = Date.now();
      // A copy the leak scan refuses still ran every phase: its report is printed, then the
      // refusal (a ratio of a refused copy is no ratio).
      let refusal: Error | undefined;
      const result = await provisionDataset(
        { db: src.db, config },
        { name, requestedBy: "bench", parallel },
      ).catch((error: Error & { report?: ProvisionReport }) => {
        if (!error.report) {
          throw error;
        }
        refusal = error;
        return { kind: "scanned" as const, report: error.report };
      });
      const maskedMs = Date.now() - m0;
      if (result.kind === "refused") {
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
      if (refusal) {
        throw refusal;
      }
      console.log(
        `provision: masking and the leak scan cost ${maskedMs - floorMs} ms over the floor; floor ratio ${(plainMs / floorMs).toFixed(2)} (plain over floor)`,
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
    if (!keep) {
      await sql`DROP DATABASE IF EXISTS ${sql.id(srcDb)} WITH (FORCE)`
        .execute(admin.db)
        .catch(() => {});
    }
    await admin.db.destroy();
  }
}
