import { createCipheriv, createDecipheriv, hkdfSync } from "node:crypto";
import type { Prng } from "./prng.ts";

/**
 * Secret-looking values for the demo platform: integration credentials encrypted the way the
 * platform stores them (AES-256-GCM, key derived from the seed so the bytes repeat), and password
 * hashes in bcrypt's modular-crypt format. Nothing here is a real secret; the point is that the
 * governance scanner meets the same shapes it will meet in production.
 */

const BCRYPT_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** The AES-256 key the demo platform's integration credentials are encrypted with. */
export function demoCredentialKey(seed: number): Buffer {
  return Buffer.from(
    hkdfSync(
      "sha256",
      Buffer.from(`seed:${seed}`),
      "govern-demo-platform",
      "integration-credentials",
      32,
    ),
  );
}

/**
 * Encrypts with AES-256-GCM as `iv (12) || ciphertext || tag (16)`. The IV comes from the PRNG:
 * deterministic output is the requirement here, and each (key, IV) pair is still used once.
 */
export function encryptCredential(key: Buffer, plaintext: string, rng: Prng): Buffer {
  const iv = Buffer.from(rng.hex(12), "hex");
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

export function decryptCredential(key: Buffer, sealed: Uint8Array): string {
  const data = Buffer.from(sealed);
  const iv = data.subarray(0, 12);
  const tag = data.subarray(data.length - 16);
  const decipher = createDecipheriv("aes-256-gcm", key, iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([
    decipher.update(data.subarray(12, data.length - 16)),
    decipher.final(),
  ]).toString("utf8");
}

/**
 * A bcrypt-format hash (`$2b$<cost>$<22-char salt><31-char digest>`). Computing real bcrypt for
 * thousands of users would cost seconds of CPU for no benefit: nobody logs in to the demo
 * platform's users, and the format is what scanners and masking rules key on.
 */
export function bcryptLikeHash(rng: Prng): string {
  return `$2b$${rng.chance(0.7) ? "10" : "12"}$${rng.chars(53, BCRYPT_ALPHABET)}`;
}
