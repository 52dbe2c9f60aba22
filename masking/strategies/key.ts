import { createHash, createHmac } from "node:crypto";
import { HmacSha256 } from "./hmac-sha256.ts";

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

// The latest key's HMAC, weakly held: nearly every call repeats the key.
let lastKey: WeakRef<Buffer> | undefined;
let lastHmac: HmacSha256 | undefined;
const hmacs = new WeakMap<Buffer, HmacSha256>();

/** HMAC-SHA256 of a UTF-8 string: the one primitive every strategy draws from. */
export function hmac(key: Buffer, message: string): Buffer {
  return hmacOf(key).digest(message);
}

/** The HMAC of a key, for callers that compute many under one key (fpe.ts's rounds). */
export function hmacOf(key: Buffer): HmacSha256 {
  let h = lastKey?.deref() === key ? lastHmac : hmacs.get(key);
  if (!h) {
    h = new HmacSha256(key);
    hmacs.set(key, h);
  }
  if (h !== lastHmac) {
    lastKey = new WeakRef(key);
    lastHmac = h;
  }
  return h;
}

const RECENT_MAX = 1 << 17;

/**
 * `mask` remembering its recent results per key buffer (bounded, and held by the buffer: gone
 * with the provisioning run that owns the key). Masking a platform masks the same values over
 * and over — a name word, a street, a customer's email and phone in every message about them —
 * and a lookup costs a fraction of the HMACs behind one (ten for a tokenized number).
 */
export function remembered<T>(
  mask: (key: Buffer, value: string) => T,
): (key: Buffer, value: string) => T {
  const byKey = new WeakMap<Buffer, Map<string, T>>();
  return (key, value) => {
    let recent = byKey.get(key);
    if (!recent) {
      recent = new Map();
      byKey.set(key, recent);
    }
    let out = recent.get(value);
    if (out === undefined) {
      out = mask(key, value);
      if (recent.size >= RECENT_MAX) {
        recent.clear();
      }
      recent.set(value, out);
    }
    return out;
  };
}
