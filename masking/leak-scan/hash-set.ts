/** A HashSet64's arrays, on shared memory: another thread reads the set without a copy. */
export type HashSet64State = {
  hi: Uint32Array;
  lo: Uint32Array;
  used: Uint8Array;
  size: number;
};

const shared = <T>(View: new (b: SharedArrayBuffer) => T, n: number, bytes: number): T =>
  new View(new SharedArrayBuffer(n * bytes));

/**
 * A set of 64-bit hashes in two flat arrays (open addressing, linear probing): millions of
 * identifiers fit in tens of megabytes, where a Set of strings would need gigabytes. The arrays
 * live on shared memory (`state`, `HashSet64.of`): scan threads look up in the very set the
 * source side filled.
 */
export class HashSet64 {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private used: Uint8Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1 << 16) {
    let n = 1 << 4;
    while (n < capacity * 2) {
      n <<= 1;
    }
    this.hi = shared(Uint32Array, n, 4);
    this.lo = shared(Uint32Array, n, 4);
    this.used = shared(Uint8Array, n, 1);
    this.mask = n - 1;
  }

  /** The arrays to hand to another thread (which must only read them). */
  state(): HashSet64State {
    return { hi: this.hi, lo: this.lo, used: this.used, size: this.size };
  }

  /** A set over arrays another thread filled. */
  static of(state: HashSet64State): HashSet64 {
    const set = new HashSet64(1);
    set.hi = state.hi;
    set.lo = state.lo;
    set.used = state.used;
    set.mask = state.used.length - 1;
    set.size = state.size;
    return set;
  }

  /** Adds a hash; says whether it was new. */
  add(hi: number, lo: number): boolean {
    if ((this.size + 1) * 2 > this.used.length) {
      this.grow();
    }
    let i = lo & this.mask;
    while (this.used[i]) {
      if (this.hi[i] === hi && this.lo[i] === lo) {
        return false;
      }
      i = (i + 1) & this.mask;
    }
    this.used[i] = 1;
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.size++;
    return true;
  }

  /** Adds every hash of another set. */
  addAll(other: HashSet64): void {
    for (let i = 0; i < other.used.length; i++) {
      if (other.used[i]) {
        this.add(other.hi[i] as number, other.lo[i] as number);
      }
    }
  }

  /** Adds hashes given as (hi, lo) pairs one after the other. */
  addPairs(pairs: Uint32Array): void {
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      this.add(pairs[i] as number, pairs[i + 1] as number);
    }
  }

  /** Calls `visit` with every hash in the set. */
  forEach(visit: (hi: number, lo: number) => void): void {
    for (let i = 0; i < this.used.length; i++) {
      if (this.used[i]) {
        visit(this.hi[i] as number, this.lo[i] as number);
      }
    }
  }

  /** Every hash as (hi, lo) pairs one after the other (the form addPairs takes). */
  pairs(): number[] {
    const out: number[] = [];
    this.forEach((hi, lo) => {
      out.push(hi, lo);
    });
    return out;
  }

  has(hi: number, lo: number): boolean {
    let i = lo & this.mask;
    while (this.used[i]) {
      if (this.hi[i] === hi && this.lo[i] === lo) {
        return true;
      }
      i = (i + 1) & this.mask;
    }
    return false;
  }

  private grow(): void {
    const { hi, lo, used } = this;
    const n = used.length * 2;
    this.hi = shared(Uint32Array, n, 4);
    this.lo = shared(Uint32Array, n, 4);
    this.used = shared(Uint8Array, n, 1);
    this.mask = n - 1;
    this.size = 0;
    for (let i = 0; i < used.length; i++) {
      if (used[i]) {
        this.add(hi[i] as number, lo[i] as number);
      }
    }
  }
}
