import { BinaryTuples } from "../provision/binary-copy.ts";
import { rememberedValues } from "../remembered-values.ts";
import { jsonTextLeaves } from "../strategies/json-text.ts";
import { leaks } from "./candidates.ts";
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
    return leaks(this.key, text, this.identifiers, this.heads, this.images);
  }
}

/** What scanning one table found: per field, how many rows hold an identifier. */
export type TableScanResult = {
  hits: number[];
  values: number;
  /** The leaking values, when asked for (diagnostics; reports never hold them). */
  leaked: [field: number, text: string][];
};

/** A value's verdict: the first of its values (JSON leaves) that leaks, and how many it checked. */
type Verdict = { leak: string | null; values: number };
const CLEAN_TEXT: Verdict = { leak: null, values: 1 };

/**
 * Scans one table's binary COPY stream (every field a text: `kinds` says whether it is JSON):
 * each value, or each string and number leaf of a JSON value, is checked; a row counts once per
 * field however many of its leaves leak. Each field remembers the verdicts of its recent values:
 * most fields repeat a few values (a status, a currency) over and over.
 */
export class TableScan {
  private readonly result: TableScanResult;
  private readonly tuples: BinaryTuples;

  constructor(kinds: readonly FieldKind[], check: LeakCheck, keepLeaks: boolean) {
    this.result = { hits: kinds.map(() => 0), values: 0, leaked: [] };
    const leaked = keepLeaks ? this.result.leaked : undefined;
    const verdicts = kinds.map((kind) =>
      rememberedValues(
        (text): Verdict => {
          if (kind === "text") {
            return check.leaks(text) ? { leak: text, values: 1 } : CLEAN_TEXT;
          }
          let values = 0;
          for (const value of jsonTextLeaves(text)) {
            values++;
            if (check.leaks(value)) {
              return { leak: value, values };
            }
          }
          return { leak: null, values };
        },
        (verdict) => verdict.leak?.length ?? 0,
      ),
    );
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
            this.result.hits[f] = (this.result.hits[f] ?? 0) + 1;
            leaked?.push([f, verdict.leak]);
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
    return this.result;
  }
}
