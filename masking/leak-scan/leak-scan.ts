import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { copyOut } from "../../schema/copy-out.ts";
import { inParallel } from "../parallel.ts";
import type { TablePlan } from "../provision/plan.ts";
import { ident } from "../provision/select.ts";
import { MaskingThread } from "../threads/masking-threads.ts";
import type { ThreadSetup } from "../threads/protocol.ts";
import { beyondChance, expectedChanceHits, SHORT_MAX, type ShortHits } from "./chance.ts";
import { HashSet64 } from "./hash-set.ts";
import { collectIdentifiers } from "./identifiers.ts";
import type { FieldKind } from "./table-scan.ts";

/**
 * The leak scan: proves a provisioned database holds none of the source's personal data. The
 * source's identifiers arrive as keyed hashes (identifiers.ts); then every column of every table
 * and materialized view of every schema of the target that can hold one (text, numbers, inet,
 * bytea, arrays of any type, JSON) is streamed out as text with COPY and each value (each
 * string and number leaf of JSON and arrays, numbers with every digit as written) is cut into
 * candidates that are hashed and looked up, and searched for validated card numbers and IBANs
 * that are no masking image (candidates.ts). A finding names the target column and how many of its rows hold a source
 * identifier; the scan never reports what it found.
 */

export type LeakFinding = {
  /** `table.column` in the target. */
  column: string;
  /** How many values of that column contain a source identifier. */
  rows: number;
};

export type LeakScanReport = {
  clean: boolean;
  /** Distinct source identifiers checked (hashes). */
  identifiers: number;
  /** Target columns scanned. */
  columns: number;
  /** Target values (and JSON leaves) scanned. */
  values: number;
  findings: LeakFinding[];
  /** Time spent hashing the source's identifiers (while the copy ran). */
  identifiersMs: number;
  /** Time spent scanning the target. */
  ms: number;
};

type TargetColumn = {
  schema: string;
  table: string;
  column: string;
  kind: FieldKind;
  /** The SELECT expression that renders the column as text. */
  expr: string;
};

/**
 * Every column of every table and materialized view of every schema of the target (partitions
 * through their parent), rendered as text: numbers as written (a `bigint` phone, a `numeric`
 * card number), `inet` as its address, `bytea` with its printable bytes as they are, arrays of
 * any type and JSON as JSON text (their number leaves included). Only types that cannot hold
 * an identifier are left out: booleans, dates and times, UUIDs (keys the platform made).
 */
async function targetColumns(target: pg.Pool): Promise<TargetColumn[]> {
  const r = await target.query<{
    schema_name: string;
    table_name: string;
    column_name: string;
    typname: string;
    typcategory: string;
  }>(
    `SELECT n.nspname AS schema_name, c.relname AS table_name, a.attname AS column_name,
       t.typname, t.typcategory
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     JOIN pg_type t ON t.oid = a.atttypid
     WHERE c.relkind IN ('r', 'p', 'm') AND NOT c.relispartition
       AND n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND n.nspname NOT LIKE 'pg\\_%'
       AND t.typcategory NOT IN ('B', 'D', 'T') AND t.typname NOT IN ('uuid', 'tsvector', 'tsquery')
     ORDER BY 1, 2, a.attnum`,
  );
  return r.rows.map((c) => {
    const col = ident(c.column_name);
    const json = c.typname === "json" || c.typname === "jsonb";
    const array = c.typcategory === "A";
    const expr = json
      ? `${col}::text`
      : array
        ? `to_jsonb(${col})::text`
        : c.typname === "bytea"
          ? `encode(${col}, 'escape')`
          : c.typname === "inet" || c.typname === "cidr"
            ? `host(${col})`
            : `${col}::text`;
    return {
      schema: c.schema_name,
      table: c.table_name,
      column: c.column_name,
      kind: json || array ? "json" : "text",
      expr,
    };
  });
}

/** `table.column` for the platform's schema, `schema.table.column` for any other. */
function columnName(c: TargetColumn): string {
  return c.schema === "public" ? `${c.table}.${c.column}` : `${c.schema}.${c.table}.${c.column}`;
}

/** The source's identifiers, collected before (or while) the target is written. */
export type SourceIdentifiers = {
  identifiers: HashSet64;
  /** Distinct short-number identifiers by digit count (chance.ts). */
  short: number[];
  /** Masked images of format-preserving identifiers: a real value among them is ambiguous. */
  images: HashSet64;
  heads: Set<string>;
  /** The ends of the source's address lines as scrub's dictionary hashes them (identifiers.ts). */
  lineEnds: HashSet64;
  ms: number;
};

/** Hashes every identifier of the source (see identifiers.ts). */
export async function sourceIdentifiers(input: {
  source: pg.Pool;
  plan: TablePlan[];
  key: Buffer;
  /** The masking key provisioning uses, to compute masked images. */
  maskingKey: Buffer;
  schema?: string;
  parallel?: number;
}): Promise<SourceIdentifiers> {
  const started = Date.now();
  const identifiers = new HashSet64();
  const images = new HashSet64();
  const heads = new Set<string>();
  const lineEnds = new HashSet64();
  const short: number[] = new Array(SHORT_MAX + 1).fill(0);
  await collectIdentifiers({
    source: input.source,
    plan: input.plan,
    schema: input.schema ?? "public",
    key: input.key,
    maskingKey: input.maskingKey,
    into: identifiers,
    images,
    heads,
    lineEnds,
    short,
    parallel: input.parallel,
  });
  return { identifiers, short, images, heads, lineEnds, ms: Date.now() - started };
}

/**
 * Scans the target for any identifier of the source: `identifiers` from sourceIdentifiers (with
 * the same `key`, the leak-scan key, never the masking key). Tables are read on `parallel`
 * connections, so Node cuts and hashes one table's values while Postgres sends another's.
 */
export async function leakScan(input: {
  target: pg.Pool;
  identifiers: SourceIdentifiers;
  key: Buffer;
  parallel?: number;
  /** Called with each target value that leaks (diagnostics; the report never holds values). */
  onLeak?: (column: string, text: string) => void;
  /**
   * Columns (`schema.table.column`) already scanned on the stream that wrote them
   * (stream-scan.ts): only the others are read from the target.
   */
  covered?: ReadonlySet<string>;
}): Promise<LeakScanReport> {
  const started = Date.now();
  const { identifiers, images, heads } = input.identifiers;
  const findings: LeakFinding[] = [];
  let values = 0;
  const columns = await targetColumns(input.target);
  const byTable = new Map<string, TargetColumn[]>();
  for (const c of columns) {
    if (input.covered?.has(`${c.schema}.${c.table}.${c.column}`)) {
      continue;
    }
    const table = `${ident(c.schema)}.${ident(c.table)}`;
    byTable.set(table, [...(byTable.get(table) ?? []), c]);
  }
  const setup: ThreadSetup = {
    mode: "scan",
    key: new Uint8Array(input.key),
    identifiers: identifiers.state(),
    images: images.state(),
    heads: [...heads],
    keepLeaks: input.onLeak !== undefined,
  };
  const scanTable = async (
    { dst, thread }: { dst: pg.PoolClient; thread: MaskingThread },
    [table, cols]: [string, TargetColumn[]],
  ) => {
    // Every field as text (JSON and arrays as JSON text): binary COPY then sends its UTF-8
    // bytes as they are, with nothing to unescape.
    const list = cols.map((c) => c.expr).join(", ");
    const copy = dst.query(
      copyOut(`COPY (SELECT ${list} FROM ${table}) TO STDOUT (FORMAT binary)`),
    );
    const scan = thread.scanner(cols.map((c) => c.kind));
    await pipeline(copy, scan.sink);
    const result = scan.result();
    values += result.values;
    // Rows with only short bare numbers count when the column has more of them than chance.
    const shortFound = result.short.map(
      (s) => s !== undefined && shortBeyondChance(s, input.identifiers.short),
    );
    for (const [field, text, short] of result.leaked) {
      const c = cols[field];
      if (c && (!short || shortFound[field])) {
        input.onLeak?.(columnName(c), text);
      }
    }
    result.hits.forEach((n, i) => {
      const c = cols[i];
      const rows = n + (shortFound[i] ? (result.shortRows[i] ?? 0) : 0);
      if (rows > 0 && c) {
        findings.push({ column: columnName(c), rows });
      }
    });
  };
  // The cutting and hashing run on masking threads, one per connection (masking-threads.ts).
  await inParallel([...byTable], input.parallel ?? 2, {
    open: async () => {
      const thread = await MaskingThread.start(setup);
      const dst = await input.target.connect().catch(async (error) => {
        await thread.close();
        throw error;
      });
      // A role that row security applies to would scan only the rows the policies let it see
      // and call the rest clean: with row security off, its reads fail instead.
      await dst.query("SET row_security = off").catch(async (error) => {
        dst.release();
        await thread.close();
        throw error;
      });
      return { dst, thread };
    },
    each: scanTable,
    close: async ({ dst, thread }) => {
      dst.release();
      await thread.close();
    },
  });
  findings.sort((a, b) => (a.column < b.column ? -1 : a.column > b.column ? 1 : 0));
  return {
    clean: findings.length === 0,
    identifiers: identifiers.size,
    columns: columns.length,
    values,
    findings,
    identifiersMs: input.identifiers.ms,
    ms: Date.now() - started,
  };
}

/**
 * Whether a column's short bare numbers that are identifiers (and no masked images) are more
 * than chance gives it (chance.ts).
 */
export function shortBeyondChance(
  tally: ShortHits,
  source: readonly number[],
  images?: HashSet64,
): boolean {
  let hits = 0;
  for (let i = 0; i + 1 < tally.hits.length; i += 2) {
    if (!images?.has(tally.hits[i] as number, tally.hits[i + 1] as number)) {
      hits++;
    }
  }
  return beyondChance(hits, expectedChanceHits(tally.lookups, source));
}

/** What the stream scan (stream-scan.ts) of a copy found, gathered from its threads. */
export type StreamScanResult = {
  /** Hashes of hits and validated numbers, as (hi, lo) pairs. */
  found: HashSet64;
  /** Per streamed column with short bare numbers that are identifiers: its tally. */
  short: ShortHits[];
  values: number;
  /** Columns (`schema.table.column`) read on the stream, whose rows are the stream's. */
  covered: ReadonlySet<string>;
};

/**
 * The leak scan's verdict for a copy scanned on its stream: what the stream found that is no
 * masking image is a leak, and then the whole target is scanned as before, for the exact
 * columns, rows and (diagnostic) values; otherwise only the columns the stream did not cover
 * are read from the target (types the stream does not read, generated columns, other schemas,
 * materialized views, rows another transaction wrote: load-proof.ts).
 */
export async function finishStreamScan(input: {
  target: pg.Pool;
  identifiers: SourceIdentifiers;
  key: Buffer;
  stream: StreamScanResult;
  parallel?: number;
  onLeak?: (column: string, text: string) => void;
}): Promise<LeakScanReport> {
  const started = Date.now();
  let suspect = false;
  input.stream.found.forEach((hi, lo) => {
    suspect ||= !input.identifiers.images.has(hi, lo);
  });
  for (const tally of input.stream.short) {
    suspect ||= shortBeyondChance(tally, input.identifiers.short, input.identifiers.images);
  }
  const rest = await leakScan({
    target: input.target,
    identifiers: input.identifiers,
    key: input.key,
    parallel: input.parallel,
    onLeak: input.onLeak,
    covered: suspect ? undefined : input.stream.covered,
  });
  return {
    ...rest,
    values: rest.values + (suspect ? 0 : input.stream.values),
    ms: Date.now() - started,
  };
}
