import { createHash, createHmac } from "node:crypto";

/**
 * The masking key: derived from govern's secret (config.secret), never the secret itself, so the
 * SQL functions that receive it in a provisioning session cannot reveal the secret. The same
 * secret gives the same key, hence the same masked values in every run.
 */
export type MaskingKey = { bytes: Buffer; fingerprint: string };

export function maskingKey(secret: string): MaskingKey {
  const bytes = createHmac("sha256", secret).update("govern:masking:v1").digest();
  return { bytes, fingerprint: keyFingerprint(bytes) };
}

/** A different key for the leak scan's hashes, so they cannot be matched to masked values. */
export function leakScanKey(secret: string): Buffer {
  return createHmac("sha256", secret).update("govern:leak-scan:v1").digest();
}

/** What a report may show about a key: a short digest that tells keys apart. */
export function keyFingerprint(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex").slice(0, 16);
}

/**
 * Recent HMACs per key buffer. Masking a platform asks for the same ones over and over (a name
 * word, a street, a customer's email in every message about them, each of a phone's ten
 * Feistel rounds), and a lookup costs a fraction of an HMAC. Bounded, and held by the key
 * buffer: it goes when the provisioning run that owns the key does.
 */
const recent = new WeakMap<Buffer, Map<string, Buffer>>();
const RECENT_MAX = 1 << 17;

/**
 * HMAC-SHA256 of a UTF-8 string: the one primitive every strategy draws from. The buffer
 * returned may be shared: read it, never write to it.
 */
export function hmac(key: Buffer, message: string): Buffer {
  let memo = recent.get(key);
  if (!memo) {
    memo = new Map();
    recent.set(key, memo);
  }
  let h = memo.get(message);
  if (h === undefined) {
    h = createHmac("sha256", key).update(message, "utf8").digest();
    if (memo.size >= RECENT_MAX) {
      memo.clear();
    }
    memo.set(message, h);
  }
  return h;
}
