/**
 * HMAC-SHA256 of short strings in JavaScript: the key's inner and outer states are computed
 * once, so a message of up to 55 bytes costs two compressions (~0.5 µs) instead of a
 * crypto.createHmac object per call (~2.5 µs, and garbage for the collector). Masking a
 * platform computes millions of them. The result is the standard HMAC (tested against
 * node:crypto).
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const INITIAL = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

const W = new Int32Array(64);

/** One SHA-256 compression of the 64 bytes of `block` at `at` into `state`. */
function compress(state: Int32Array, block: Uint8Array, at: number): void {
  for (let i = 0; i < 16; i++) {
    const j = at + i * 4;
    W[i] =
      ((block[j] as number) << 24) |
      ((block[j + 1] as number) << 16) |
      ((block[j + 2] as number) << 8) |
      (block[j + 3] as number);
  }
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15] as number;
    const w2 = W[i - 2] as number;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[i] = ((W[i - 16] as number) + s0 + (W[i - 7] as number) + s1) | 0;
  }
  let a = state[0] as number;
  let b = state[1] as number;
  let c = state[2] as number;
  let d = state[3] as number;
  let e = state[4] as number;
  let f = state[5] as number;
  let g = state[6] as number;
  let h = state[7] as number;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + S1 + ch + (K[i] as number) + (W[i] as number)) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = ((state[0] as number) + a) | 0;
  state[1] = ((state[1] as number) + b) | 0;
  state[2] = ((state[2] as number) + c) | 0;
  state[3] = ((state[3] as number) + d) | 0;
  state[4] = ((state[4] as number) + e) | 0;
  state[5] = ((state[5] as number) + f) | 0;
  state[6] = ((state[6] as number) + g) | 0;
  state[7] = ((state[7] as number) + h) | 0;
}

/** The state after one block of the key xor `pad` (the HMAC key is at most one block). */
function padState(key: Uint8Array, pad: number): Int32Array {
  const block = new Uint8Array(64);
  for (let i = 0; i < 64; i++) {
    block[i] = (key[i] ?? 0) ^ pad;
  }
  const state = new Int32Array(INITIAL);
  compress(state, block, 0);
  return state;
}

/**
 * Finishes a hash whose state has absorbed `before` bytes: `data[0..length)` is the rest of the
 * message, and `data` has room for its padding (up to 72 bytes more).
 */
function finish(state: Int32Array, data: Uint8Array, length: number, before: number): void {
  const bits = (before + length) * 8;
  let end = length + 1;
  data[length] = 0x80;
  while (end % 64 !== 56) {
    data[end++] = 0;
  }
  // Message lengths here stay far below 2^32 bits: the high word is zero.
  data[end] = 0;
  data[end + 1] = 0;
  data[end + 2] = 0;
  data[end + 3] = 0;
  data[end + 4] = bits >>> 24;
  data[end + 5] = (bits >>> 16) & 0xff;
  data[end + 6] = (bits >>> 8) & 0xff;
  data[end + 7] = bits & 0xff;
  end += 8;
  for (let at = 0; at < end; at += 64) {
    compress(state, data, at);
  }
}

export class HmacSha256 {
  private readonly inner: Int32Array;
  private readonly outer: Int32Array;
  private readonly state = new Int32Array(8);
  private buffer = Buffer.alloc(256);
  private readonly tail = new Uint8Array(128);

  /** `key` of at most 64 bytes (the masking keys are 32). */
  constructor(key: Uint8Array) {
    if (key.length > 64) {
      throw new Error("HMAC keys longer than a block are not supported");
    }
    this.inner = padState(key, 0x36);
    this.outer = padState(key, 0x5c);
  }

  /** HMAC-SHA256 of the UTF-8 bytes of `message`, as a new 32-byte Buffer. */
  digest(message: string): Buffer {
    const state = this.words(message);
    const out = Buffer.allocUnsafe(32);
    writeWords(state, out);
    return out;
  }

  /**
   * HMAC-SHA256 of the UTF-8 bytes of `message` as eight big-endian words, in an array this
   * object reuses: valid until its next call. For callers that read a few bytes of the MAC.
   */
  words(message: string): Int32Array {
    if (this.buffer.length < message.length * 3 + 72) {
      this.buffer = Buffer.alloc(message.length * 3 + 72);
    }
    const length = writeUtf8(this.buffer, message);
    const state = this.state;
    state.set(this.inner);
    finish(state, this.buffer, length, 64);
    const tail = this.tail;
    writeWords(state, tail);
    state.set(this.outer);
    finish(state, tail, 32, 64);
    return state;
  }
}

/**
 * Writes `message` as UTF-8 at the start of `buffer` and returns its length in bytes: ASCII by
 * hand (the messages masking hashes are short and nearly all ASCII, where Buffer.write's call
 * into the runtime costs more than the hash's own work), anything else by Buffer.write.
 */
function writeUtf8(buffer: Buffer, message: string): number {
  const n = message.length;
  for (let i = 0; i < n; i++) {
    const c = message.charCodeAt(i);
    if (c >= 0x80) {
      return buffer.write(message, 0, "utf8");
    }
    buffer[i] = c;
  }
  return n;
}

/** The eight state words as 32 big-endian bytes at the start of `out`. */
function writeWords(state: Int32Array, out: Uint8Array): void {
  for (let i = 0; i < 8; i++) {
    const v = state[i] as number;
    out[i * 4] = v >>> 24;
    out[i * 4 + 1] = (v >>> 16) & 0xff;
    out[i * 4 + 2] = (v >>> 8) & 0xff;
    out[i * 4 + 3] = v & 0xff;
  }
}
