import { BinaryTuples } from "../provision/binary-copy.ts";
import { rememberedValues } from "../remembered-values.ts";
import { jsonTextLeaves } from "../strategies/json-text.ts";
import { leakVerdict } from "./candidates.ts";
import { type ShortHits, ShortTally } from "./chance.ts";
import type { HashSet64 } from "./hash-set.ts";

/** How a scanned field holds its text: as itself, or as JSON whose leaves are the values. */
export type FieldKind = "text" | "json";

/** Whether a target value holds a source identifier (candidates.ts): the sets and their key. */
export class LeakCheck {
  constructor(
    private readonly key: Buffer,
    private readonly identifiers: HashSet64,
    private readonly heads: ReadonlySet<string>,
    private readonly images: HashSet64,
  ) {}

  leaks(text: string): boolean {
    return this.verdict(text) !== null;
  }

  /** `leak`, `short` (short bare numbers only: the column's tally judges) or null. */
  verdict(text: string, tally?: ShortTally): "leak" | "short" | null {
    return leakVerdict(this.key, text, this.identifiers, this.heads, this.images, tally);
  }
}

/**
 * What scanning one table found: per field, how many rows hold an identifier, how many hold
 * only short bare numbers that are identifiers, and the field's short numbers (chance.ts).
 */
export type TableScanResult = {
  hits: number[];
  shortRows: number[];
  short: ShortHits[];
  values: number;
  /** The leaking values, when asked for (diagnostics; reports never hold them). */
  leaked: [field: number, text: string, short: boolean][];
};

/**
 * A value's verdict: the first of its values (JSON leaves) that leaks, whether only short bare
 * numbers did, and how many it checked.
 */
type Verdict = { leak: string | null; short: boolean; values: number };
const CLEAN_TEXT: Verdict = { leak: null, short: false, values: 1 };

/**
 * Scans one table's binary COPY stream (every field a text: `kinds` says whether it is JSON):
 * each value, or each string and number leaf of a JSON value, is checked; a row counts once per
 * field however many of its leaves leak. Each field remembers the verdicts of its recent values:
 * most fields repeat a few values (a status, a currency) over and over.
 */
export class TableScan {
  private readonly result: TableScanResult;
  private readonly tuples: BinaryTuples;
  private readonly tallies: ShortTally[];

  constructor(kinds: readonly FieldKind[], check: LeakCheck, keepLeaks: boolean) {
    this.tallies = kinds.map(() => new ShortTally());
    this.result = {
      hits: kinds.map(() => 0),
      shortRows: kinds.map(() => 0),
      short: [],
      values: 0,
      leaked: [],
    };
    const leaked = keepLeaks ? this.result.leaked : undefined;
    const verdicts = kinds.map((kind, f) => {
      const tally = this.tallies[f] as ShortTally;
      return rememberedValues(
        (text): Verdict => {
          if (kind === "text") {
            const v = check.verdict(text, tally);
            return v === null ? CLEAN_TEXT : { leak: text, short: v === "short", values: 1 };
          }
          let values = 0;
          let short: string | null = null;
          for (const value of jsonTextLeaves(text)) {
            values++;
            const v = check.verdict(value, tally);
            if (v === "leak") {
              return { leak: value, short: false, values };
            }
            short ??= v === "short" ? value : null;
          }
          return { leak: short, short: short !== null, values };
        },
        (verdict) => verdict.leak?.length ?? 0,
      );
    });
    this.tuples = new BinaryTuples({
      header: () => {},
      trailer: () => {},
      tuple: (buf, start, count) => {
        let p = start + 2;
        for (let f = 0; f < count; f++) {
          const len = buf.readInt32BE(p);
          p += 4;
          if (len < 0) {
            continue;
          }
          const verdict = (verdicts[f] as (text: string) => Verdict)(
            buf.toString("utf8", p, p + len),
          );
          p += len;
          this.result.values += verdict.values;
          if (verdict.leak !== null) {
            const counts = verdict.short ? this.result.shortRows : this.result.hits;
            counts[f] = (counts[f] ?? 0) + 1;
            leaked?.push([f, verdict.leak, verdict.short]);
          }
        }
      },
    });
  }

  push(chunk: Buffer): void {
    this.tuples.push(chunk);
  }

  end(): TableScanResult {
    this.tuples.end();
    this.result.short = this.tallies.map((t) => ({
      lookups: t.lookups,
      hits: Uint32Array.from(t.hits.pairs()),
    }));
    return this.result;
  }
}
