import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { Config } from "./config.ts";
import type { DB as Database } from "./database.ts";

// int8 (counts, bigserial ids) as JS numbers: every count we handle fits in 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number.parseInt(value, 10));

export type Db = Kysely<Database>;

export type PoolOptions = {
  max?: number;
  applicationName?: string;
  /** Server settings every connection starts with (e.g. `{ jit: "off" }`). */
  settings?: Record<string, string>;
};

export function createPool(url: string, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? "govern",
    ...(options.settings
      ? {
          options: Object.entries(options.settings)
            .map(([name, value]) => `-c ${name}=${value}`)
            .join(" "),
        }
      : {}),
  });
  // An idle client's error (server restart) must not crash the process; the pool replaces it.
  pool.on("error", () => {});
  return pool;
}

export function createDb(pool: pg.Pool): Db {
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** The owner connection: migrations, partitions, governance state, bulk loads. */
export function createOwnerDb(config: Config, options?: PoolOptions): { db: Db; pool: pg.Pool } {
  const pool = createPool(config.databaseUrl, options);
  return { db: createDb(pool), pool };
}

/** The platform application's connection (login role govern_app, member of application_role). */
export function createAppDb(config: Config, options?: PoolOptions): { db: Db; pool: pg.Pool } {
  const pool = createPool(config.appDatabaseUrl, { applicationName: "govern-app", ...options });
  return { db: createDb(pool), pool };
}
