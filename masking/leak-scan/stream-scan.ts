import { BinaryTuples } from "../provision/binary-copy.ts";
import { jsonTextLeaves } from "../strategies/json-text.ts";
import { eachCandidate, eachValidatedNumber, hash64 } from "./candidates.ts";
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
 */
export class StreamProbe {
  private pending: HashSet64 | null = new HashSet64(1 << 16);
  private identifiers: HashSet64 | null = null;
  private readonly hits = new HashSet64(1 << 10);
  private readonly validated = new HashSet64(1 << 10);
  values = 0;

  constructor(
    private readonly key: Buffer,
    private readonly heads: ReadonlySet<string>,
  ) {}

  /** The source's identifiers are complete: the pending candidates are looked up, then freed. */
  takeIdentifiers(state: HashSet64State): void {
    const identifiers = HashSet64.of(state);
    this.pending?.forEach((hi, lo) => {
      if (identifiers.has(hi, lo)) {
        this.hits.add(hi, lo);
      }
    });
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

  private readonly visit = (candidate: string): boolean => {
    const [hi, lo] = hash64(this.key, candidate);
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
    eachCandidate(text, this.heads, this.visit);
    eachValidatedNumber(text, this.visitValidated);
  }

  field(value: FieldValue): void {
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

/** Recent distinct values per field: a repeated value (a status, a currency) is probed once. */
const RECENT = 4096;

/**
 * Reads a table's binary COPY stream — the exact bytes written into the target — field by
 * field (`fields` by position, as stream-fields.ts reads them) into the probe.
 */
export class StreamScan {
  private readonly tuples: BinaryTuples;
  private readonly recent: Set<string>[];

  constructor(fields: readonly (StreamField | undefined)[], probe: StreamProbe) {
    this.recent = fields.map(() => new Set<string>());
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
          if (kind !== undefined && kind !== "skip") {
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
              probe.field(value);
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
