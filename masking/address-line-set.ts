import type pg from "pg";
import { copyField, copyOut, eachCopyLine } from "../schema/copy-out.ts";
import {
  addressLineKeys,
  addressLineValuesSql,
  eachAddressSpan,
  lineEnds,
} from "./address-lines.ts";
import { hash64 } from "./leak-scan/candidates.ts";
import { HashSet64, type HashSet64State } from "./leak-scan/hash-set.ts";
import type { TablePlan } from "./provision/plan.ts";

/** What an end's two words are hashed after: no key starts with it (keys are words). */
const END = "end:";

/**
 * The hash of two words at an address line's number end (lineEnds) as the dictionary keeps it:
 * the leak scan's source side hashes its lines' ends so, to prove the dictionary holds them.
 */
export function lineEndHash(key: Buffer, twoWords: string): [number, number] {
  return hash64(key, END + twoWords);
}

/**
 * Scrub's dictionary of the source's address lines: their keys (address-lines.ts), hashed, in a
 * HashSet64 a masking thread reads without a copy, with the two words at each key's ends
 * (lineEnds, lineEndHash) that let a reader leave most numbers after one lookup. `find` gives
 * the places in a text where one of them is written, as written there, in any of its spellings.
 */
export class AddressLineSet {
  private constructor(
    private readonly key: Buffer,
    private readonly set: HashSet64,
  ) {}

  static empty(key: Buffer): AddressLineSet {
    return new AddressLineSet(key, new HashSet64(1 << 10));
  }

  /** A set over the arrays another thread filled, hashed with the same key. */
  static of(state: HashSet64State, key: Buffer): AddressLineSet {
    return new AddressLineSet(key, HashSet64.of(state));
  }

  get size(): number {
    return this.set.size;
  }

  /** The arrays to hand to a masking thread. */
  state(): HashSet64State {
    return this.set.state();
  }

  /** Adds the address line a source value holds (if any). */
  addValue(value: string): void {
    for (const k of addressLineKeys(value)) {
      this.set.add(...hash64(this.key, k));
      for (const end of lineEnds(k)) {
        this.set.add(...lineEndHash(this.key, end));
      }
    }
  }

  has(lineKey: string): boolean {
    return this.set.has(...hash64(this.key, lineKey));
  }

  /** Whether some line has these two words at its number's end (eachAddressSpan's `ends`). */
  readonly ends = (twoWords: string): boolean => this.set.has(...lineEndHash(this.key, twoWords));

  /** Whether every end in `ends` (lineEndHash, with this set's key) is one of this set's. */
  holdsEnds(ends: HashSet64): boolean {
    let all = true;
    ends.forEach((hi, lo) => {
      all &&= this.set.has(hi, lo);
    });
    return all;
  }

  /**
   * The source's address lines written in `text`, as written there (a shorter one inside a
   * longer one too: scrub replaces the longest first).
   */
  find(text: string): string[] {
    if (this.set.size === 0 || !/[0-9]/.test(text)) {
      return [];
    }
    const out: string[] = [];
    eachAddressSpan(
      text,
      (k, start, end) => {
        if (this.has(k)) {
          out.push(text.slice(start, end));
        }
        return false;
      },
      this.ends,
    );
    return out;
  }
}

/**
 * The source's address lines (address-lines.ts) in a set hashed with `key`, read from the
 * plan's tables on `source` as one stream.
 */
export async function sourceAddressLines(
  source: pg.PoolClient,
  plan: TablePlan[],
  schema: string,
  key: Buffer,
): Promise<AddressLineSet> {
  const lines = AddressLineSet.empty(key);
  const copy = source.query(
    copyOut(`COPY (SELECT DISTINCT v FROM (${addressLineValuesSql(plan, schema)}) s(v)
      WHERE v ~ '[0-9]') TO STDOUT`),
  );
  await eachCopyLine(copy as AsyncIterable<Buffer>, (row) => lines.addValue(copyField(row) ?? ""));
  return lines;
}
