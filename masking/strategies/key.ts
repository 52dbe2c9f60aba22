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

/** HMAC-SHA256 of a UTF-8 string: the one primitive every strategy draws from. */
export function hmac(key: Buffer, message: string): Buffer {
  return createHmac("sha256", key).update(message, "utf8").digest();
}
