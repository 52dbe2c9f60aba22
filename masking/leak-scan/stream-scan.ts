import { BinaryTuples } from "../provision/binary-copy.ts";
import { jsonTextLeaves } from "../strategies/json-text.ts";
import { DECIMAL, eachCandidate, eachValidatedNumber, hash64, shortDigits } from "./candidates.ts";
import { type ShortHits, ShortTally, writtenBare } from "./chance.ts";
import { HashSet64, type HashSet64State } from "./hash-set.ts";
import { type FieldValue, fieldValue, type StreamField } from "./stream-fields.ts";

/**
 * The leak scan on the stream: every value written into the target is cut into candidates
 * (candidates.ts) as the bytes go by, on the masking thread that writes them. The source's
 * identifiers are still being hashed while the copy runs (identifiers.ts), so until they arrive
 * the candidates' hashes are kept (`pending`, each distinct one once); when they arrive the
 * pending ones are looked up and dropped, and later candidates are looked up as they come.
 * What a lookup finds (`hits`), and every validated card number and IBAN (`validated`), is
 * judged at the end, once masking's own images are all known (a hit that is an image is
 * masking's own). Only words after a head word of a source name form pair candidates: the
 * heads given are every word of the source's names, a superset of the identifiers' heads.
 * Short bare numbers (chance.ts) are counted per column in the column's tally instead, and
 * judged by the column once the identifiers and the images are known. With `lineEnds` (scrub's
 * dictionary of address lines, read before the copy) a number is read as an address line only
 * as far as some line's end allows; the lines the identifiers hold are read later, and the
 * stream is trusted only if the dictionary holds all their ends (provision.ts).
 */
export class StreamProbe {
  private pending: HashSet64 | null = new HashSet64(1 << 16);
  private identifiers: HashSet64 | null = null;
  private readonly hits = new HashSet64(1 << 10);
  private readonly validated = new HashSet64(1 << 10);
  /** Every streamed column's short numbers. */
  private readonly tallies: ShortTally[] = [];
  /** The column and the value being read. */
  private tally: ShortTally | undefined;
  private plain = "";
  values = 0;

  constructor(
    private readonly key: Buffer,
    private readonly heads: ReadonlySet<string>,
    private readonly lineEnds?: (twoWords: string) => boolean,
  ) {}

  /** The source's identifiers are complete: the pending candidates are looked up, then freed. */
  takeIdentifiers(state: HashSet64State): void {
    const identifiers = HashSet64.of(state);
    this.pending?.forEach((hi, lo) => {
      if (identifiers.has(hi, lo)) {
        this.hits.add(hi, lo);
      }
    });
    for (const tally of this.tallies) {
      tally.forEachSeen((hi, lo) => {
        if (identifiers.has(hi, lo)) {
          tally.hits.add(hi, lo);
        }
      });
    }
    this.pending = null;
    this.identifiers = identifiers;
  }

  /** Every hash found so far (hits and validated numbers), as (hi, lo) pairs. */
  found(): Uint32Array {
    if (!this.identifiers) {
      throw new Error("the stream scan has no source identifiers yet");
    }
    return Uint32Array.from([...this.hits.pairs(), ...this.validated.pairs()]);
  }

  /** The tallies of the columns with short numbers that are identifiers. */
  shortHits(): ShortHits[] {
    return this.tallies
      .filter((t) => t.hits.size > 0)
      .map((t) => ({ lookups: t.lookups, hits: Uint32Array.from(t.hits.pairs()) }));
  }

  /** A new column's tally (StreamScan, one per field). */
  column(): ShortTally {
    const tally = new ShortTally();
    this.tallies.push(tally);
    return tally;
  }

  private readonly visit = (candidate: string, guess?: boolean): boolean => {
    const [hi, lo] = hash64(this.key, candidate);
    const tally = this.tally;
    const digits = tally ? shortDigits(candidate) : 0;
    if (tally && digits > 0 && (guess || writtenBare(this.plain, candidate))) {
      if (tally.add(digits, hi, lo) && this.identifiers?.has(hi, lo)) {
        tally.hits.add(hi, lo);
      }
      return false;
    }
    if (this.identifiers) {
      if (this.identifiers.has(hi, lo)) {
        this.hits.add(hi, lo);
      }
    } else {
      this.pending?.add(hi, lo);
    }
    return false;
  };

  private readonly visitValidated = (candidate: string): boolean => {
    const [hi, lo] = hash64(this.key, candidate);
    this.validated.add(hi, lo);
    return false;
  };

  /** One value (a text, or a JSON or array leaf). */
  value(text: string): void {
    this.values++;
    // As eachCandidate reads it: a decimal's integer part.
    this.plain = DECIMAL.test(text) ? text.slice(0, text.indexOf(".")) : text;
    eachCandidate(text, this.heads, this.visit, this.lineEnds);
    eachValidatedNumber(text, this.visitValidated);
  }

  /** A field's value, its short numbers counted in `tally` (the field's column). */
  field(value: FieldValue, tally?: ShortTally): void {
    this.tally = tally;
    if ("text" in value) {
      this.value(value.text);
    } else if ("json" in value) {
      for (const leaf of jsonTextLeaves(value.json)) {
        this.value(leaf);
      }
    } else {
      for (const leaf of value.leaves) {
        this.value(leaf);
      }
    }
  }
}

/**
 * Whether a binary numeric has at most four integer digits (weight ≤ 0, a finite sign): an
 * amount, a rate, a score. Such a number holds no candidate (every number candidate has six
 * digits or more, a fraction's digits are none, candidates.ts), and is not rendered to be read.
 */
export function smallNumeric(buf: Buffer, at: number): boolean {
  const sign = buf.readUInt16BE(at + 4);
  return buf.readInt16BE(at + 2) <= 0 && (sign === 0 || sign === 0x4000);
}

/** Recent distinct values per field: a repeated value (a status, a currency) is probed once. */
const RECENT = 4096;

/**
 * Reads a table's binary COPY stream — the exact bytes written into the target — field by
 * field (`fields` by position, as stream-fields.ts reads them) into the probe.
 */
export class StreamScan {
  private readonly tuples: BinaryTuples;
  private readonly recent: Set<string>[];
  private readonly tallies: (ShortTally | undefined)[];

  constructor(fields: readonly (StreamField | undefined)[], probe: StreamProbe) {
    this.recent = fields.map(() => new Set<string>());
    this.tallies = fields.map((f) =>
      f !== undefined && f !== "skip" ? probe.column() : undefined,
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
          const kind = fields[f];
          if (kind === "numeric" && smallNumeric(buf, p)) {
            probe.values++;
          } else if (kind !== undefined && kind !== "skip") {
            const value = fieldValue(kind, buf, p, len);
            const seen = this.recent[f] as Set<string>;
            const text = "text" in value ? value.text : "json" in value ? value.json : null;
            if (text === null || !seen.has(text)) {
              if (text !== null) {
                if (seen.size >= RECENT) {
                  seen.clear();
                }
                seen.add(text);
              }
              probe.field(value, this.tallies[f]);
            }
          }
          p += len;
        }
      },
    });
  }

  push(chunk: Buffer): void {
    this.tuples.push(chunk);
  }

  end(): void {
    this.tuples.end();
  }
}
