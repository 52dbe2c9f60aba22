import type { HmacSha256 } from "./hmac-sha256.ts";
import { formatKept } from "./images.ts";
import { hmac, hmacOf, remembered } from "./key.ts";

/**
 * Format-preserving tokenization of digit strings: a 10-round Feistel network over the two halves
 * of the digits, each round adding a keyed HMAC of the other half modulo 10^len. A bijection on
 * strings of the same length (so tokens stay unique), deterministic under the key, and reversible
 * only with it. Mirrored by `pg_temp.gm_fpe` in sql-functions.ts.
 */

const ROUNDS = 10;

function roundValue(key: Buffer, round: number, half: string): bigint {
  const h = hmac(key, `tok:${round}:${half}`);
  return BigInt(`0x${h.subarray(0, 7).toString("hex")}`);
}

/**
 * The round value (the MAC's first 7 bytes) modulo m, exactly, in doubles (Horner over its 7
 * bytes) for m ≤ 10^13, read from the MAC's words without making a Buffer of it.
 */
function roundMod(h: HmacSha256, round: number, half: string, m: number): number {
  const w = h.words(`tok:${round}:${half}`);
  const w0 = w[0] as number;
  const w1 = w[1] as number;
  let r = (w0 >>> 24) % m;
  r = (r * 256 + ((w0 >>> 16) & 0xff)) % m;
  r = (r * 256 + ((w0 >>> 8) & 0xff)) % m;
  r = (r * 256 + (w0 & 0xff)) % m;
  r = (r * 256 + (w1 >>> 24)) % m;
  r = (r * 256 + ((w1 >>> 16) & 0xff)) % m;
  return (r * 256 + ((w1 >>> 8) & 0xff)) % m;
}

function pad(value: bigint | number, length: number): string {
  return length === 0 ? "" : value.toString().padStart(length, "0");
}

/** Halves of up to 13 digits: every intermediate stays below 2^53, so doubles are exact. */
const MAX_NUMBER_HALF = 13;

function feistel(key: Buffer, digits: string, decrypt: boolean): string {
  const n = digits.length;
  if (n === 0) {
    return digits;
  }
  const u = Math.floor(n / 2);
  const v = n - u;
  if (v <= MAX_NUMBER_HALF) {
    return feistelNumber(key, digits, u, v, decrypt);
  }
  const modA = 10n ** BigInt(u);
  const modB = 10n ** BigInt(v);
  let a = u === 0 ? 0n : BigInt(digits.slice(0, u));
  let b = BigInt(digits.slice(u));
  const order = [...Array(ROUNDS).keys()];
  for (const r of decrypt ? order.reverse() : order) {
    if (r % 2 === 0) {
      const f = roundValue(key, r, pad(b, v)) % modA;
      a = decrypt ? (((a - f) % modA) + modA) % modA : (a + f) % modA;
    } else {
      const f = roundValue(key, r, pad(a, u)) % modB;
      b = decrypt ? (((b - f) % modB) + modB) % modB : (b + f) % modB;
    }
  }
  return pad(a, u) + pad(b, v);
}

/** The same network in doubles, for the phone, card and account numbers nearly all values are. */
function feistelNumber(
  key: Buffer,
  digits: string,
  u: number,
  v: number,
  decrypt: boolean,
): string {
  const h = hmacOf(key);
  const modA = 10 ** u;
  const modB = 10 ** v;
  let a = u === 0 ? 0 : Number(digits.slice(0, u));
  let b = Number(digits.slice(u));
  for (let i = 0; i < ROUNDS; i++) {
    const r = decrypt ? ROUNDS - 1 - i : i;
    if (r % 2 === 0) {
      const f = roundMod(h, r, pad(b, v), modA);
      a = decrypt ? (a - f + modA) % modA : (a + f) % modA;
    } else {
      const f = roundMod(h, r, pad(a, u), modB);
      b = decrypt ? (b - f + modB) % modB : (b + f) % modB;
    }
  }
  return pad(a, u) + pad(b, v);
}

/** Replaces the digits of `value` (in order) by their token; every other character is kept. */
function mapDigits(value: string, map: (digits: string) => string): string {
  const digits = value.replace(/[^0-9]/g, "");
  const mapped = map(digits);
  let i = 0;
  return value.replace(/[0-9]/g, () => mapped[i++] ?? "");
}

/** `4242 4242 4242 4242` → `8306 1175 0934 5518`: same length, same separators. */
export const tokenizeDigits = remembered((key: Buffer, value: string): string =>
  formatKept(mapDigits(value, (d) => feistel(key, d, false))),
);

/** The inverse of tokenizeDigits under the same key. */
export function detokenizeDigits(key: Buffer, token: string): string {
  return mapDigits(token, (d) => feistel(key, d, true));
}
