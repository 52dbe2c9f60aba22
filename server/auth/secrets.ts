import { createHash, randomBytes } from "node:crypto";

/** A new bearer secret: a recognisable prefix and 32 random bytes. */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString("base64url")}`;
}

/** Secrets are stored only as their sha256; a leaked table reveals no usable credential. */
export function secretHash(secret: string): Buffer {
  return createHash("sha256").update(secret).digest();
}
