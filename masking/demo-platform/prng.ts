/**
 * The generator's only source of randomness. sfc32 is small, fast (a handful of 32-bit ops per
 * draw) and fully determined by its 128-bit state, so the same seed gives the same rows on every
 * machine and every run. Math.random and faker are never called per row.
 */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const HEX1 = "0123456789abcdef";

/** 32-bit string hash (cyrb53-like mixing) used to derive independent streams from labels. */
export function hash32(text: string, salt = 0): number {
  let h1 = 0xdeadbeef ^ salt;
  let h2 = 0x41c6ce57 ^ salt;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h1 ^ h2) >>> 0;
}

export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  private constructor(a: number, b: number, c: number, d: number) {
    this.a = a | 0;
    this.b = b | 0;
    this.c = c | 0;
    this.d = d | 0;
    // Warm-up: sfc32's first outputs are correlated with the seed words.
    for (let i = 0; i < 12; i++) {
      this.u32();
    }
  }

  /**
   * An independent stream for (seed, labels...): e.g. `Prng.derive(seed, "tenant", 3)`. Streams
   * are keyed by what they generate, so adding a table or a tenant never shifts another's rows.
   */
  static derive(seed: number, ...labels: (string | number)[]): Prng {
    const key = `${seed}|${labels.join("|")}`;
    return new Prng(hash32(key, 1), hash32(key, 2), hash32(key, 3), hash32(key, 4));
  }

  /** Uniform unsigned 32-bit integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)] as T;
  }

  /** Pick with weights given as a cumulative table built by `cumulative()`. */
  pickWeighted<T>(table: Weighted<T>): T {
    const r = this.float() * table.total;
    const { cum, items } = table;
    let i = 0;
    while (i < cum.length - 1 && (cum[i] as number) <= r) {
      i++;
    }
    return items[i] as T;
  }

  /** Normal deviate (Box–Muller; one of the pair is discarded to keep the stream simple). */
  normal(mean: number, sd: number): number {
    let u = this.float();
    if (u < 1e-12) {
      u = 1e-12;
    }
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.float());
  }

  /** Poisson deviate by Knuth's method: fine for the small means used here (< 30). */
  poisson(lambda: number): number {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = this.float();
    while (p > limit) {
      k++;
      p *= this.float();
    }
    return k;
  }

  /** RFC 4122 version-4 layout, bits from this stream (never gen_random_uuid: ids must repeat). */
  uuid(): string {
    const a = this.u32();
    const b = this.u32();
    const c = this.u32();
    const d = this.u32();
    const h = HEX as readonly string[];
    return `${h[a >>> 24]}${h[(a >>> 16) & 255]}${h[(a >>> 8) & 255]}${h[a & 255]}-${h[b >>> 24]}${
      h[(b >>> 16) & 255]
    }-4${HEX1[(b >>> 8) & 15]}${h[b & 255]}-${h[0x80 | ((c >>> 24) & 0x3f)]}${h[(c >>> 16) & 255]}-${
      h[(c >>> 8) & 255]
    }${h[c & 255]}${h[d >>> 24]}${h[(d >>> 16) & 255]}${h[(d >>> 8) & 255]}${h[d & 255]}`;
  }

  /** n random bytes as lower-case hex (external ids, tokens, salts). */
  hex(n: number): string {
    let out = "";
    for (let i = 0; i < n; i++) {
      out += HEX[this.u32() & 255];
    }
    return out;
  }

  /** n characters from an alphabet (processor ids like Stripe's `pi_...`). */
  chars(n: number, alphabet: string): string {
    let out = "";
    for (let i = 0; i < n; i++) {
      out += alphabet[Math.floor(this.float() * alphabet.length)];
    }
    return out;
  }

  digits(n: number): string {
    let out = "";
    for (let i = 0; i < n; i++) {
      out += String.fromCharCode(48 + Math.floor(this.float() * 10));
    }
    return out;
  }
}

export type Weighted<T> = { items: T[]; cum: number[]; total: number };

/** Builds a cumulative weight table once so that each weighted pick is a short scan. */
export function cumulative<T>(pairs: readonly (readonly [T, number])[]): Weighted<T> {
  const items: T[] = [];
  const cum: number[] = [];
  let total = 0;
  for (const [item, weight] of pairs) {
    total += weight;
    items.push(item);
    cum.push(total);
  }
  return { items, cum, total };
}

export const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
