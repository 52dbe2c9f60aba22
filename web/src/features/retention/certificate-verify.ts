import { api } from "../../api/client.ts";

/**
 * JSON with object keys sorted at every depth: the same canonical form the server hashes when it
 * issues a certificate (jobs/retention/certificate.ts canonicalJson).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
        )
      : v,
  );
}

/** sha256 (hex) with the browser's WebCrypto; undefined where it is unavailable (plain http). */
export async function sha256Hex(text: string): Promise<string | undefined> {
  if (!globalThis.crypto?.subtle) {
    return undefined;
  }
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export type Verification = {
  /** Where the hash was recomputed: in this browser, or by the server's verify endpoint. */
  where: "browser" | "server";
  expected: string;
  recomputed: string;
  valid: boolean;
};

/**
 * Recomputes a certificate's sha256 over its canonical body in the browser (nothing to trust but
 * the body shown); where WebCrypto is unavailable, asks the server's verify endpoint.
 */
export async function verifyCertificate(
  requestId: string,
  body: unknown,
  expected: string,
): Promise<Verification> {
  const local = await sha256Hex(canonicalJson(body));
  if (local !== undefined) {
    return { where: "browser", expected, recomputed: local, valid: local === expected };
  }
  const answer = await api<{ sha256: string; recomputed: string; valid: boolean }>(
    `/api/v1/retention/requests/${encodeURIComponent(requestId)}/certificate/verify`,
  );
  return {
    where: "server",
    expected: answer.sha256,
    recomputed: answer.recomputed,
    valid: answer.valid && answer.sha256 === expected,
  };
}
