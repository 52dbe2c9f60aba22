import readline from "node:readline";
import type pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { inParallel } from "../parallel.ts";
import type { TablePlan } from "../provision/plan.ts";
import { ident } from "../provision/select.ts";
import { jsonTextLeaves } from "../strategies/json-text.ts";
import { leaks } from "./candidates.ts";
import { copyField } from "./copy-text.ts";
import { HashSet64 } from "./hash-set.ts";
import { collectIdentifiers } from "./identifiers.ts";

/**
 * The leak scan: proves a provisioned database holds none of the source's personal data. The
 * source's identifiers arrive as keyed hashes (identifiers.ts); then every text, varchar, jsonb
 * and text[] column of every table of the target is streamed out with COPY and each value (each
 * string and number leaf of JSON, numbers with every digit as written) is cut into candidates that are hashed and looked up
 * (candidates.ts). A finding names the target column and how many of its rows hold a source
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

/** Values up to this length are remembered with their verdict, up to MEMO_SIZE of them. */
const MEMO_LENGTH = 64;
const MEMO_SIZE = 1 << 18;

type TargetColumn = { table: string; column: string; kind: "text" | "json" | "array" };

/** Text-bearing columns of the target's tables (partitions through their parent). */
async function targetColumns(target: pg.Pool, schema: string): Promise<TargetColumn[]> {
  const r = await target.query<{ table_name: string; column_name: string; kind: string }>(
    `SELECT c.relname AS table_name, a.attname AS column_name,
       CASE WHEN t.typname IN ('json', 'jsonb') THEN 'json'
            WHEN t.typcategory = 'A' THEN 'array' ELSE 'text' END AS kind
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     JOIN pg_type t ON t.oid = a.atttypid
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
       AND (t.typcategory = 'S' OR t.typname IN ('jsonb', 'json', '_text', '_varchar', '_bpchar'))
     ORDER BY 1, a.attnum`,
    [schema],
  );
  return r.rows.map((c) => ({
    table: c.table_name,
    column: c.column_name,
    kind: c.kind as TargetColumn["kind"],
  }));
}

/** The source's identifiers, collected before (or while) the target is written. */
export type SourceIdentifiers = {
  identifiers: HashSet64;
  /** Masked images of format-preserving identifiers: a real value among them is ambiguous. */
  images: HashSet64;
  heads: Set<string>;
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
  await collectIdentifiers({
    source: input.source,
    plan: input.plan,
    schema: input.schema ?? "public",
    key: input.key,
    maskingKey: input.maskingKey,
    into: identifiers,
    images,
    heads,
    parallel: input.parallel,
  });
  return { identifiers, images, heads, ms: Date.now() - started };
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
  schema?: string;
  parallel?: number;
  /** Called with each target value that leaks (diagnostics; the report never holds values). */
  onLeak?: (column: string, text: string) => void;
}): Promise<LeakScanReport> {
  const started = Date.now();
  const schema = input.schema ?? "public";
  const { identifiers, images, heads } = input.identifiers;
  const findings: LeakFinding[] = [];
  let values = 0;
  const columns = await targetColumns(input.target, schema);
  const byTable = new Map<string, TargetColumn[]>();
  for (const c of columns) {
    byTable.set(c.table, [...(byTable.get(c.table) ?? []), c]);
  }
  // Short values repeat across a platform (statuses, types, cities, masked names): each is cut
  // and hashed once per scan.
  const verdicts = new Map<string, boolean>();
  const leaksOnce = (text: string): boolean => {
    if (text.length > MEMO_LENGTH) {
      return leaks(input.key, text, identifiers, heads, images);
    }
    let verdict = verdicts.get(text);
    if (verdict === undefined) {
      verdict = leaks(input.key, text, identifiers, heads, images);
      if (verdicts.size >= MEMO_SIZE) {
        verdicts.clear();
      }
      verdicts.set(text, verdict);
    }
    return verdict;
  };
  const scanTable = async (dst: pg.PoolClient, [table, cols]: [string, TargetColumn[]]) => {
    const list = cols
      .map((c) => (c.kind === "array" ? `to_jsonb(${ident(c.column)})` : ident(c.column)))
      .join(", ");
    const copy = dst.query(
      copyTo(`COPY (SELECT ${list} FROM ${ident(schema)}.${ident(table)}) TO STDOUT`),
    );
    const hits = cols.map(() => 0);
    for await (const line of readline.createInterface({ input: copy, crlfDelay: Infinity })) {
      const fields = line.split("\t");
      for (let i = 0; i < cols.length; i++) {
        const raw = copyField(fields[i] ?? "\\N");
        if (raw === null) {
          continue;
        }
        const texts = cols[i]?.kind === "text" ? [raw] : jsonTextLeaves(raw);
        for (const text of texts) {
          values++;
          if (leaksOnce(text)) {
            hits[i] = (hits[i] ?? 0) + 1;
            input.onLeak?.(`${table}.${cols[i]?.column}`, text);
            break;
          }
        }
      }
    }
    hits.forEach((n, i) => {
      if (n > 0) {
        findings.push({ column: `${table}.${cols[i]?.column}`, rows: n });
      }
    });
  };
  await inParallel([...byTable], input.parallel ?? 2, {
    open: () => input.target.connect(),
    each: scanTable,
    close: async (dst) => dst.release(),
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
