import { type ParseArgsConfig, parseArgs } from "node:util";
import { serve as serveHttp } from "@hono/node-server";
import { ensurePartitions } from "../jobs/partitions/partitions.ts";
import { startWorker } from "../jobs/worker.ts";
import { isOperationalStoreEmpty, seedDemoPlatform } from "../masking/demo-platform/index.ts";
import { migrateAnalytics } from "../schema/analytics/analytics-store.ts";
import { type Config, ConfigError, loadConfig } from "../schema/config.ts";
import { migrateToLatest } from "../schema/migrate.ts";
import { createOwnerDb } from "../schema/postgres.ts";
import { newApp } from "./app.ts";
import { checkHealth } from "./health.ts";
import { createLogger } from "./logger.ts";
import { ensureDatabase, openRuntime, type Runtime } from "./runtime.ts";

/** `govern` — the one CLI entry. Commands are thin: parse, call the engine, print. */

type Options = NonNullable<ParseArgsConfig["options"]>;
type Command = {
  summary: string;
  usage: string;
  options: Options;
  run: (values: Record<string, string | boolean | undefined>, config: Config) => Promise<number>;
};

const json = { json: { type: "boolean", default: false } } as const satisfies Options;

const DEMO = { tenants: 3, customersPerTenant: 2_000, seed: 1 };

class UsageError extends Error {}

function positiveInt(value: unknown, name: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new UsageError(
      `--${name} must be a whole number between 1 and ${max}, got ${String(value)}`,
    );
  }
  return n;
}

function print(asJson: boolean, value: unknown, human: string): void {
  process.stdout.write(asJson ? `${JSON.stringify(value, null, 2)}\n` : `${human}\n`);
}

/** Progress on stderr (a bar when attached to a terminal), so --json output stays clean. */
function progressPrinter(): (line: string) => void {
  let last = 0;
  return (line) => {
    const now = Date.now();
    if (now - last < 500) {
      return;
    }
    last = now;
    process.stderr.write(process.stderr.isTTY ? `\r\x1b[K${line}` : `${line}\n`);
  };
}

async function migrate(config: Config) {
  const created = await ensureDatabase(config);
  const { db } = createOwnerDb(config, { max: 2 });
  try {
    const result = await migrateToLatest(db, config);
    await ensurePartitions(db);
    return { createdDatabase: created, ...result };
  } finally {
    await db.destroy();
  }
}

async function seed(
  config: Config,
  options: { tenants: number; customersPerTenant: number; seed: number; asOf?: Date },
) {
  const { pool, db } = createOwnerDb(config, { max: 6 });
  try {
    if (!(await isOperationalStoreEmpty(pool))) {
      throw new UsageError(
        "the operational store already has tenants; seed into an empty database (set DATABASE_URL)",
      );
    }
    const show = progressPrinter();
    const report = await seedDemoPlatform(pool, {
      ...options,
      onProgress: (p) => show(`seeding ${p.table}: ${p.rows.toLocaleString("en-US")} rows`),
    });
    if (process.stderr.isTTY) {
      process.stderr.write("\n");
    }
    return report;
  } finally {
    await db.destroy();
  }
}

async function runServer(config: Config, withWorker: boolean): Promise<Runtime> {
  const logger = createLogger(config.logLevel);
  const runtime = await openRuntime(config);
  await migrateAnalytics(runtime.analytics);
  const worker = withWorker ? await startWorker({ ...runtime, logger }) : undefined;
  const app = newApp({ ...runtime, logger, enqueue: worker?.enqueue });
  const server = serveHttp({ fetch: app.fetch, port: config.port, hostname: config.host });
  const shutdown = async (signal: string) => {
    logger.info("shutting down", { signal });
    server.close();
    await worker?.close();
    await runtime.close();
    process.exit(0);
  };
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  process.once("SIGINT", () => void shutdown("SIGINT"));
  if (worker) {
    await worker.enqueue("partitions", {}, "startup");
    await worker.enqueue("etl", {}, "startup");
  }
  return runtime;
}

const COMMANDS: Record<string, Command> = {
  migrate: {
    summary: "create the database if needed, apply migrations, create upcoming partitions",
    usage: "govern migrate [--json]",
    options: json,
    run: async (values, config) => {
      const result = await migrate(config);
      print(
        values.json === true,
        result,
        result.applied.length
          ? `applied ${result.applied.length} migration(s):\n  ${result.applied.join("\n  ")}`
          : "schema is up to date",
      );
      return 0;
    },
  },
  seed: {
    summary: "load a synthetic demo platform into an empty operational store",
    usage:
      "govern seed --tenants N --customers-per-tenant M --seed S [--as-of YYYY-MM-DD] [--json]",
    options: {
      ...json,
      tenants: { type: "string", default: String(DEMO.tenants) },
      "customers-per-tenant": { type: "string", default: String(DEMO.customersPerTenant) },
      seed: { type: "string", default: String(DEMO.seed) },
      "as-of": { type: "string" },
    },
    run: async (values, config) => {
      const asOfRaw = values["as-of"];
      let asOf: Date | undefined;
      if (typeof asOfRaw === "string") {
        if (!/^\d{4}-\d{2}-\d{2}$/.test(asOfRaw) || Number.isNaN(Date.parse(asOfRaw))) {
          throw new UsageError(`--as-of must be a date like 2026-11-01, got ${asOfRaw}`);
        }
        asOf = new Date(`${asOfRaw}T00:00:00Z`);
      }
      const options = {
        tenants: positiveInt(values.tenants, "tenants", 10_000),
        customersPerTenant: positiveInt(
          values["customers-per-tenant"],
          "customers-per-tenant",
          10_000_000,
        ),
        seed: positiveInt(values.seed, "seed", 2 ** 31 - 1),
        asOf,
      };
      await migrate(config);
      const report = await seed(config, options);
      print(
        values.json === true,
        report,
        `seeded ${report.totalRows.toLocaleString("en-US")} rows in ${(report.durationMs / 1000).toFixed(1)} s ` +
          `(${Math.round(report.rowsPerSecond).toLocaleString("en-US")} rows/s) for ${report.tenantIds.length} tenants`,
      );
      return 0;
    },
  },
  partitions: {
    summary: "create the upcoming partitions of business_events and business_metrics",
    usage: "govern partitions [--days-ahead N] [--json]",
    options: { ...json, "days-ahead": { type: "string", default: "35" } },
    run: async (values, config) => {
      const { db } = createOwnerDb(config, { max: 1 });
      try {
        const daysAhead = positiveInt(values["days-ahead"], "days-ahead", 366);
        const report = await ensurePartitions(db, { window: { daysBack: 1, daysAhead } });
        print(
          values.json === true,
          report,
          `partitions created: ${JSON.stringify(report.created)}`,
        );
        return 0;
      } finally {
        await db.destroy();
      }
    },
  },
  etl: {
    summary: "load the analytics store incrementally from the operational store",
    usage: "govern etl [--target NAME]... [--json]",
    options: { ...json, target: { type: "string", multiple: true } },
    run: async (values, config) => {
      const { runEtl } = await import("../jobs/etl/etl.ts");
      const runtime = await openRuntime(config);
      try {
        await migrateAnalytics(runtime.analytics);
        const targets = values.target as unknown as string[] | undefined;
        const report = await runEtl(
          { db: runtime.db, pool: runtime.pool, store: runtime.analytics },
          { targets },
        );
        const lines = Object.entries(report.targets).map(([k, v]) => `  ${k}: ${v.rows} rows`);
        print(
          values.json === true,
          report,
          `etl done in ${report.durationMs} ms\n${lines.join("\n")}`,
        );
        return 0;
      } finally {
        await runtime.close();
      }
    },
  },
  health: {
    summary: "check postgres, redis and clickhouse",
    usage: "govern health [--json]",
    options: json,
    run: async (values, config) => {
      const runtime = await openRuntime(config);
      try {
        const report = await checkHealth(runtime);
        const lines = Object.entries(report.checks).map(
          ([name, c]) =>
            `  ${name}: ${c.ok ? `ok (${c.version ?? "?"}, ${c.latencyMs} ms)` : `FAILED: ${c.error}`}`,
        );
        print(values.json === true, report, `${report.status}\n${lines.join("\n")}`);
        return report.status === "ok" ? 0 : 1;
      } finally {
        await runtime.close();
      }
    },
  },
  serve: {
    summary: "serve the API (needs a ClickHouse server if a worker runs in another process)",
    usage: "govern serve",
    options: {},
    run: async (_values, config) => {
      await runServer(config, false);
      process.stdout.write(`govern API listening on http://${config.host}:${config.port}\n`);
      return -1;
    },
  },
  worker: {
    summary: "run the job worker and its schedules",
    usage: "govern worker",
    options: {},
    run: async (_values, config) => {
      const logger = createLogger(config.logLevel);
      const runtime = await openRuntime(config);
      await migrateAnalytics(runtime.analytics);
      const worker = await startWorker({ ...runtime, logger });
      const stop = async () => {
        await worker.close();
        await runtime.close();
        process.exit(0);
      };
      process.once("SIGTERM", () => void stop());
      process.once("SIGINT", () => void stop());
      process.stdout.write("govern worker running\n");
      return -1;
    },
  },
  start: {
    summary:
      "migrate, load a demo platform if the store is empty, serve API and worker on one port",
    usage: "govern start",
    options: {},
    run: async (_values, config) => {
      const migrated = await migrate(config);
      process.stdout.write(`database ready (${migrated.applied.length} migration(s) applied)\n`);
      const { pool, db } = createOwnerDb(config, { max: 1 });
      const empty = await isOperationalStoreEmpty(pool).finally(() => db.destroy());
      if (empty) {
        process.stdout.write(
          `loading a demo platform: ${DEMO.tenants} tenants x ${DEMO.customersPerTenant} customers...\n`,
        );
        const report = await seed(config, DEMO);
        process.stdout.write(
          `demo platform loaded: ${report.totalRows.toLocaleString("en-US")} rows in ${(report.durationMs / 1000).toFixed(1)} s\n`,
        );
      }
      await runServer(config, true);
      process.stdout.write(
        `\ngovern is running at http://${config.host === "0.0.0.0" ? "localhost" : config.host}:${config.port}\n` +
          `  health: http://${config.host}:${config.port}/api/v1/health\n`,
      );
      return -1;
    },
  },
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return [
    "usage: govern <command> [options]",
    "",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    "",
    "Configuration comes from the environment: DATABASE_URL, REDIS_URL, CLICKHOUSE_URL, ARCHIVE_DIR, PORT,",
    "GOVERN_SECRET (see README). `govern <command> --help` shows a command's options.",
  ].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${help()}\n`);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`govern: unknown command "${name}"\n\n${help()}\n`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(`usage: ${command.usage}\n`);
    return 0;
  }
  try {
    const { values } = parseArgs({
      args: rest,
      options: command.options,
      strict: true,
      allowPositionals: false,
    });
    const config = loadConfig();
    return await command.run(values as Record<string, string | boolean | undefined>, config);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof UsageError) {
      process.stderr.write(`govern ${name}: ${error.message}\nusage: ${command.usage}\n`);
      return 2;
    }
    if ((error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(
        `govern ${name}: ${(error as Error).message}\nusage: ${command.usage}\n`,
      );
      return 2;
    }
    process.stderr.write(`govern ${name}: ${(error as Error).message}\n`);
    return 1;
  }
}
