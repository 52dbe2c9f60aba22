/**
 * A set of 64-bit hash prefixes in two flat arrays (open addressing, linear probing): millions
 * of identifiers fit in tens of megabytes, where a Set of strings would need gigabytes. A
 * 64-bit prefix of SHA-256 collides by chance about once in 10^12 lookups at 10 million members.
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
    this.hi = new Uint32Array(n);
    this.lo = new Uint32Array(n);
    this.used = new Uint8Array(n);
    this.mask = n - 1;
  }

  add(hi: number, lo: number): void {
    if ((this.size + 1) * 2 > this.used.length) {
      this.grow();
    }
    let i = lo & this.mask;
    while (this.used[i]) {
      if (this.hi[i] === hi && this.lo[i] === lo) {
        return;
      }
      i = (i + 1) & this.mask;
    }
    this.used[i] = 1;
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.size++;
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
    this.hi = new Uint32Array(n);
    this.lo = new Uint32Array(n);
    this.used = new Uint8Array(n);
    this.mask = n - 1;
    this.size = 0;
    for (let i = 0; i < used.length; i++) {
      if (used[i]) {
        this.add(hi[i] as number, lo[i] as number);
      }
    }
  }
}
