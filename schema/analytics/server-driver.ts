import { Readable } from "node:stream";
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from "@clickhouse/client";
import {
  type AnalyticsParams,
  type AnalyticsRows,
  type AnalyticsStore,
  AnalyticsStoreError,
  COMMON_SETTINGS,
  errorMessage,
  JsonEachRowSource,
  normalizeParams,
  resolveInsertTable,
  resolveTierTable,
} from "./analytics-store.ts";

// Failures reach the caller as AnalyticsStoreError; the client logging them too would print
// every one twice, outside govern's logger.
const QUIET = { level: ClickHouseLogLevel.OFF };

/**
 * A ClickHouse server (or cluster endpoint) through `@clickhouse/client` over HTTP(S). The same
 * SQL as the embedded driver; parameters go as `query_params`, which the server binds.
 */
export async function createServerStore(options: {
  url: string;
  database: string;
}): Promise<AnalyticsStore> {
  // The configured database may not exist yet, and a client bound to a missing database fails
  // every request: create it through a client on the server's default database first.
  const bootstrap = createClient({
    url: options.url,
    clickhouse_settings: COMMON_SETTINGS,
    log: QUIET,
  });
  try {
    await bootstrap.command({
      query: "CREATE DATABASE IF NOT EXISTS {database:Identifier}",
      query_params: { database: options.database },
    });
  } catch (error) {
    throw new AnalyticsStoreError(
      "analytics_unavailable",
      `could not reach the ClickHouse server at ${redact(options.url)}: ${errorMessage(error)}`,
      { cause: error },
    );
  } finally {
    await bootstrap.close();
  }
  const client = createClient({
    url: options.url,
    database: options.database,
    clickhouse_settings: COMMON_SETTINGS,
    log: QUIET,
  });
  return serverStoreFromClient(client, options.database);
}

/** The store over an existing client whose default database is `database`. */
export function serverStoreFromClient(client: ClickHouseClient, database: string): AnalyticsStore {
  const fail = (error: unknown): never => {
    throw new AnalyticsStoreError("analytics_query_failed", errorMessage(error), { cause: error });
  };
  const store: AnalyticsStore = {
    driver: "server",
    async query<T>(sql: string, params?: AnalyticsParams): Promise<T[]> {
      try {
        const result = await client.query({
          query: sql,
          query_params: normalizeParams(params),
          format: "JSONEachRow",
        });
        return await result.json<T>();
      } catch (error) {
        return fail(error);
      }
    },
    async command(sql: string, params?: AnalyticsParams): Promise<void> {
      try {
        await client.command({ query: sql, query_params: normalizeParams(params) });
      } catch (error) {
        fail(error);
      }
    },
    async insert(table: string, rows: AnalyticsRows): Promise<{ rows: number }> {
      const qualified = resolveInsertTable(table, database);
      const source = new JsonEachRowSource(rows);
      // One streamed HTTP request; the object-mode stream pulls batches as the socket drains.
      const values = Readable.from(source.objects(), { objectMode: true });
      try {
        await client.insert({ table: qualified, values, format: "JSONEachRow" });
      } catch (error) {
        if (source.sourceError !== undefined) {
          throw source.sourceError;
        }
        fail(error);
      }
      return { rows: source.rows };
    },
    async insertText(table, columns, text): Promise<void> {
      const qualified = resolveTierTable(table, columns, database);
      try {
        await client.insert({
          table: qualified,
          columns: columns as [string, ...string[]],
          values: Readable.from(text),
          format: "TabSeparated",
        });
      } catch (error) {
        throw new AnalyticsStoreError("analytics_query_failed", errorMessage(error), {
          cause: error,
        });
      }
    },
    async ping() {
      try {
        const ping = await client.ping();
        if (!ping.success) {
          return { ok: false as const, error: errorMessage(ping.error) };
        }
        const [row] = await store.query<{ version: string }>("SELECT version() AS version");
        return { ok: true as const, version: row?.version ?? "unknown" };
      } catch (error) {
        return { ok: false as const, error: errorMessage(error) };
      }
    },
    async close(): Promise<void> {
      await client.close();
    },
  };
  return store;
}

/** The URL without credentials, for messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.toString();
  } catch {
    return "(invalid URL)";
  }
}
