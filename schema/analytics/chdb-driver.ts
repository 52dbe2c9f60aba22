import { mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { drainPending, Session } from "chdb";
import {
  type AnalyticsParams,
  type AnalyticsRows,
  type AnalyticsStore,
  AnalyticsStoreError,
  COMMON_SETTINGS,
  errorMessage,
  JsonEachRowSource,
  normalizeParams,
  parseJsonEachRow,
  resolveInsertTable,
  resolveTierTable,
} from "./analytics-store.ts";

/**
 * Embedded ClickHouse (chdb) in this process. libchdb binds one data directory per process and
 * ClickHouse locks it (`<dataDir>/status`) against other processes, so every store opened here
 * shares one Session per directory (reference-counted) and a second process gets a clear error
 * naming CLICKHOUSE_URL instead of an obscure connection failure.
 *
 * Never load this module in a worker thread: chdb crashes the process at exit there.
 */

type Bound = { dir: string; database: string; session: Session; refs: number };

let bound: Bound | undefined;

const IN_USE_HINT =
  "Embedded ClickHouse binds one data directory per process: run the API and the worker in one " +
  "process (`govern start` / `npm start`), or set CLICKHOUSE_URL to a ClickHouse server so " +
  "that separate processes (`govern serve`, `govern worker`, `govern etl`) share it.";

export async function createEmbeddedStore(options: {
  dataDir: string;
  database: string;
}): Promise<AnalyticsStore> {
  const dir = resolve(options.dataDir);
  const { database } = options;
  const slot = acquire(dir, database);
  const { session } = slot;
  let closed = false;

  const run = async (sql: string, params?: AnalyticsParams): Promise<string> => {
    if (closed) {
      throw new AnalyticsStoreError("analytics_unavailable", "the analytics store is closed");
    }
    try {
      const result = await session.queryBindAsync(sql, normalizeParams(params), {
        format: "JSONEachRow",
      });
      return result.text();
    } catch (error) {
      throw new AnalyticsStoreError("analytics_query_failed", errorMessage(error), {
        cause: error,
      });
    }
  };

  const store: AnalyticsStore = {
    driver: "embedded",
    async query<T>(sql: string, params?: AnalyticsParams): Promise<T[]> {
      return parseJsonEachRow<T>(await run(sql, params));
    },
    async command(sql: string, params?: AnalyticsParams): Promise<void> {
      await run(sql, params);
    },
    async insert(table: string, rows: AnalyticsRows): Promise<{ rows: number }> {
      const qualified = resolveInsertTable(table, database);
      if (closed) {
        throw new AnalyticsStoreError("analytics_unavailable", "the analytics store is closed");
      }
      const source = new JsonEachRowSource(rows);
      try {
        // chdb re-chunks the stream into bounded INSERTs and pulls the next batch only after the
        // previous INSERT finished, so a fast reader is throttled to the write rate.
        await session.insert({
          table: qualified,
          values: source.chunks(),
          format: "JSONEachRow",
          settings: { date_time_input_format: COMMON_SETTINGS.date_time_input_format },
        });
      } catch (error) {
        if (source.sourceError !== undefined) {
          throw source.sourceError;
        }
        throw new AnalyticsStoreError("analytics_query_failed", errorMessage(error), {
          cause: error,
        });
      }
      return { rows: source.rows };
    },
    async insertText(table, columns, text): Promise<void> {
      const qualified = resolveTierTable(table, columns, database);
      if (closed) {
        throw new AnalyticsStoreError("analytics_unavailable", "the analytics store is closed");
      }
      try {
        await session.insert({ table: qualified, columns, values: text, format: "TSV" });
      } catch (error) {
        throw new AnalyticsStoreError("analytics_query_failed", errorMessage(error), {
          cause: error,
        });
      }
    },
    async ping() {
      try {
        const [row] = await store.query<{ version: string }>("SELECT version() AS version");
        return { ok: true as const, version: row?.version ?? "unknown" };
      } catch (error) {
        return { ok: false as const, error: errorMessage(error) };
      }
    },
    async close(): Promise<void> {
      if (closed) {
        return;
      }
      closed = true;
      await release(slot);
    },
  };
  return store;
}

function acquire(dir: string, database: string): Bound {
  if (bound) {
    if (bound.dir !== dir) {
      throw new AnalyticsStoreError(
        "analytics_data_dir_in_use",
        `This process already has embedded ClickHouse open at ${bound.dir}; it cannot also open ` +
          `${dir}. ${IN_USE_HINT}`,
      );
    }
    if (bound.database !== database) {
      throw new AnalyticsStoreError(
        "analytics_data_dir_in_use",
        `Embedded ClickHouse at ${dir} is already open in this process for database ` +
          `${bound.database}, not ${database}.`,
      );
    }
    bound.refs += 1;
    return bound;
  }
  mkdirSync(dir, { recursive: true });
  let session: Session;
  try {
    session = new Session(dir);
  } catch (error) {
    throw openError(dir, error);
  }
  try {
    // Session-level state: every later statement on this session runs with these.
    session.queryBind("CREATE DATABASE IF NOT EXISTS {database:Identifier}", { database });
    session.queryBind("USE {database:Identifier}", { database });
    session.query(SESSION_SETTINGS);
  } catch (error) {
    session.close();
    throw new AnalyticsStoreError(
      "analytics_unavailable",
      `could not prepare embedded ClickHouse at ${dir}: ${errorMessage(error)}`,
      { cause: error },
    );
  }
  bound = { dir, database, session, refs: 1 };
  return bound;
}

async function release(slot: Bound): Promise<void> {
  slot.refs -= 1;
  if (slot.refs > 0) {
    return;
  }
  if (bound === slot) {
    bound = undefined;
  }
  slot.session.close();
  // close() may return before the native connection is gone; opening the next data directory
  // in this process must wait for it.
  await drainPending();
}

/** Turns chdb's "Failed to create connection" into an answer a person can act on. */
function openError(dir: string, error: unknown): AnalyticsStoreError {
  const holder = lockHolder(dir);
  if (holder !== undefined || /status|lock|already running/i.test(errorMessage(error))) {
    const who = holder !== undefined ? `another process (pid ${holder})` : "another process";
    return new AnalyticsStoreError(
      "analytics_data_dir_in_use",
      `Embedded ClickHouse data directory ${dir} is already in use by ${who}. ${IN_USE_HINT}`,
      { cause: error },
    );
  }
  if (/only one active data directory/i.test(errorMessage(error))) {
    return new AnalyticsStoreError(
      "analytics_data_dir_in_use",
      `${errorMessage(error)}. ${IN_USE_HINT}`,
      { cause: error },
    );
  }
  return new AnalyticsStoreError(
    "analytics_unavailable",
    `could not open embedded ClickHouse at ${dir}: ${errorMessage(error)}`,
    { cause: error },
  );
}

/**
 * ClickHouse writes the owner's pid into `<dataDir>/status` and holds a lock on it; the pid of a
 * live process other than this one means the directory is taken.
 */
function lockHolder(dir: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, "status"), "utf8");
  } catch {
    return undefined;
  }
  const pid = Number(/PID:\s*(\d+)/.exec(text)?.[1]);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) {
    return undefined;
  }
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    // EPERM: alive but not ours to signal.
    return (error as NodeJS.ErrnoException).code === "EPERM" ? pid : undefined;
  }
}

/** COMMON_SETTINGS as session settings (constants of this module, not input). */
const SESSION_SETTINGS = `SET ${Object.entries(COMMON_SETTINGS)
  .map(([name, value]) => `${name} = ${typeof value === "string" ? `'${value}'` : value}`)
  .join(", ")}`;
