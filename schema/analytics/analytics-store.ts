import type { Config } from "../config.ts";
import { ANALYTICS_TABLES } from "./ddl.ts";

export { migrateAnalytics } from "./ddl.ts";

/**
 * The analytics store (ClickHouse), one interface over two drivers:
 * - `embedded`: chdb in this process, data under `config.clickhouse.dataDir` (the default);
 * - `server`: a ClickHouse server or cluster through `@clickhouse/client` (`CLICKHOUSE_URL`).
 *
 * Both take the same SQL with ClickHouse's server-side `{name:Type}` parameters; identifiers
 * (tables, columns) travel as `{name:Identifier}` parameters, never as interpolated text. The
 * configured database is the default for every statement, so SQL names tables unqualified.
 * Results come back as parsed JSONEachRow with the same settings in both drivers: 64-bit
 * integers as strings, decimals as numbers, DateTime as `YYYY-MM-DD hh:mm:ss[.ffffff]` (UTC).
 */
export interface AnalyticsStore {
  readonly driver: "embedded" | "server";
  /** Runs one statement and returns its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: AnalyticsParams): Promise<T[]>;
  /** Runs one statement (DDL, INSERT ... SELECT, ...) and discards any result. */
  command(sql: string, params?: AnalyticsParams): Promise<void>;
  /**
   * Streams rows into one of the known analytics tables as JSONEachRow; a batch is pulled only
   * when the previous one is on its way (backpressure). At-least-once: rows already sent stay
   * when the source or the store fails, which the ReplacingMergeTree tables absorb.
   */
  insert(table: string, rows: AnalyticsRows): Promise<{ rows: number }>;
  /**
   * Streams TabSeparated text (PostgreSQL's COPY text format parses as it) into a storage-tier
   * table (`tier_<table>_cold`, see `resolveTierTable`), into the named columns. At-least-once
   * like `insert`: the tiering mover marks each copy with its move id and removes a partial one.
   */
  insertText(
    table: string,
    columns: string[],
    text: AsyncIterable<Buffer | string> | NodeJS.ReadableStream,
  ): Promise<void>;
  /** A sign of life with the engine's version; never throws. */
  ping(): Promise<{ ok: true; version: string } | { ok: false; error: string }>;
  close(): Promise<void>;
}

/**
 * Parameter values: strings (the ClickHouse text form of the declared type, e.g. `2024-05-01`
 * for a Date), numbers, bigints, booleans, null, arrays of those, and `Date`s, which are sent as
 * Unix timestamps (for DateTime/DateTime64 parameters).
 */
export type AnalyticsParams = Record<string, unknown>;

export type AnalyticsRows = AsyncIterable<Record<string, unknown>[]> | Record<string, unknown>[];

/** Error codes of the analytics store. */
export type AnalyticsErrorCode =
  /** Embedded ClickHouse's data directory is held by another process (or, in this process, a different directory is open). */
  | "analytics_data_dir_in_use"
  /** The store could not be opened or reached. */
  | "analytics_unavailable"
  /** `insert` was given a table name that is malformed or not an analytics table. */
  | "analytics_unknown_table"
  /** ClickHouse rejected a statement. */
  | "analytics_query_failed";

export class AnalyticsStoreError extends Error {
  constructor(
    public readonly code: AnalyticsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "AnalyticsStoreError";
  }
}

/** Opens the embedded store under `config.clickhouse.dataDir`, or the server at `config.clickhouse.url`. */
export async function createAnalyticsStore(config: Config): Promise<AnalyticsStore> {
  // Imported lazily so a process on the server driver never loads the native chdb addon.
  if (config.clickhouse.url) {
    const { createServerStore } = await import("./server-driver.ts");
    return createServerStore({ url: config.clickhouse.url, database: config.clickhouse.database });
  }
  const { createEmbeddedStore } = await import("./chdb-driver.ts");
  return createEmbeddedStore({
    dataDir: config.clickhouse.dataDir,
    database: config.clickhouse.database,
  });
}

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;

/**
 * Checks a table name given to `insert` (which cannot be a parameter in an INSERT) and returns
 * it qualified with the store's database: only the known analytics tables, plain or qualified
 * with that database, are accepted.
 */
export function resolveInsertTable(table: string, database: string): string {
  const plain = table.startsWith(`${database}.`) ? table.slice(database.length + 1) : table;
  if (!TABLE_NAME.test(table) || !(ANALYTICS_TABLES as readonly string[]).includes(plain)) {
    throw new AnalyticsStoreError(
      "analytics_unknown_table",
      `cannot insert into ${JSON.stringify(table)}: not an analytics table (${ANALYTICS_TABLES.join(", ")})`,
    );
  }
  return `${database}.${plain}`;
}

const TIER_TABLE = /^tier_[a-z_][a-z0-9_]{0,50}_cold$/;
const COLUMN_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Checks a storage-tier table name and its columns; returns the qualified table. */
export function resolveTierTable(table: string, columns: string[], database: string): string {
  if (!TIER_TABLE.test(table) || columns.some((c) => !COLUMN_NAME.test(c))) {
    throw new AnalyticsStoreError(
      "analytics_unknown_table",
      `cannot insert into ${JSON.stringify(table)}: not a storage-tier table with plain columns`,
    );
  }
  return `${database}.${table}`;
}

/** Dates become UTC text both drivers parse the same way; everything else passes through. */
export function normalizeParams(params: AnalyticsParams | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params ?? {})) {
    out[name] = normalizeValue(value);
  }
  return out;
}

function normalizeValue(value: unknown): unknown {
  if (value instanceof Date) {
    // A Unix timestamp, as @clickhouse/client sends it: time-zone free, and parsed by DateTime
    // (whole seconds) and DateTime64 (with the milliseconds) alike.
    const seconds = Math.floor(value.getTime() / 1000).toString();
    const ms = value.getUTCMilliseconds();
    return ms === 0 ? seconds : `${seconds}.${ms.toString().padStart(3, "0")}`;
  }
  if (Array.isArray(value)) {
    return value.map(normalizeValue);
  }
  return value;
}

/** The settings both drivers run with, so results look the same whichever engine answers. */
export const COMMON_SETTINGS = {
  output_format_json_quote_64bit_integers: 1,
  output_format_json_quote_decimals: 0,
  date_time_input_format: "best_effort",
} as const;

function stringifyRow(row: Record<string, unknown>): string {
  return JSON.stringify(row, (_key, value) =>
    typeof value === "bigint" ? value.toString() : value,
  );
}

/**
 * Serializes row batches to JSONEachRow chunks, counting rows. A source error is remembered so
 * that the driver can rethrow it instead of its own wrapper error (an interrupted load should
 * say what interrupted it).
 */
export class JsonEachRowSource {
  rows = 0;
  sourceError: unknown;

  constructor(private readonly batches: AnalyticsRows) {}

  async *chunks(): AsyncGenerator<Buffer> {
    try {
      if (Array.isArray(this.batches)) {
        yield* this.encode(this.batches);
        return;
      }
      for await (const batch of this.batches) {
        yield* this.encode(batch);
      }
    } catch (error) {
      this.sourceError = error;
      throw error;
    }
  }

  /** Individual rows (for drivers that serialize themselves). */
  async *objects(): AsyncGenerator<Record<string, unknown>> {
    try {
      const batches = Array.isArray(this.batches) ? [this.batches] : this.batches;
      for await (const batch of batches) {
        for (const row of batch) {
          this.rows += 1;
          yield row;
        }
      }
    } catch (error) {
      this.sourceError = error;
      throw error;
    }
  }

  private *encode(batch: Record<string, unknown>[]): Generator<Buffer> {
    if (batch.length === 0) {
      return;
    }
    const lines = new Array<string>(batch.length);
    for (let i = 0; i < batch.length; i++) {
      lines[i] = stringifyRow(batch[i] as Record<string, unknown>);
    }
    this.rows += batch.length;
    yield Buffer.from(`${lines.join("\n")}\n`);
  }
}

/** Parses a JSONEachRow body. */
export function parseJsonEachRow<T>(text: string): T[] {
  const rows: T[] = [];
  for (const line of text.split("\n")) {
    if (line.length > 0) {
      rows.push(JSON.parse(line) as T);
    }
  }
  return rows;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
