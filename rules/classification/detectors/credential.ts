import { entropy } from "./checksums.ts";
import type { ValueDetector } from "./types.ts";

/**
 * Credentials: password-hash formats (modular crypt, PHC strings, Django/Werkzeug formats),
 * API keys and tokens by their issuers' prefixes, JWTs and private keys. These shapes are
 * specific enough to decide alone. Bare hex digests, random tokens and encrypted blobs are also
 * what checksums, ETags, ids and file contents look like: they decide only with a name saying
 * password/secret/token/key/encrypted (see scoring).
 */

const HASH_FORMATS: RegExp[] = [
  /^\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}$/, // bcrypt
  /^\$argon2(?:id|i|d)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/, // argon2
  /^\$scrypt\$[^$\s]+\$[^$\s]+\$[^$\s]+$/, // scrypt PHC
  /^\$7\$[./A-Za-z0-9]{11,}\$[./A-Za-z0-9]{16,}$/, // scrypt (libsodium)
  /^\$y\$[./A-Za-z0-9]+\$[./A-Za-z0-9]+\$[./A-Za-z0-9]{43}$/, // yescrypt
  /^\$[56]\$(?:rounds=\d+\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{43,86}$/, // sha256/512-crypt
  /^\$(?:1|apr1)\$[./A-Za-z0-9]{1,8}\$[./A-Za-z0-9]{22}$/, // md5-crypt
  /^\$pbkdf2(?:-sha\d+)?\$\d+\$[./A-Za-z0-9+=]+\$[./A-Za-z0-9+=]+$/, // passlib pbkdf2
  /^pbkdf2_sha(?:1|256|512)\$\d+\$[^$\s]+\$[A-Za-z0-9+/=]+$/, // Django
  /^(?:pbkdf2|scrypt):[a-z0-9:]+\$[^$\s]+\$[a-f0-9]{32,}$/, // Werkzeug
  /^(?:bcrypt_sha256|argon2|sha1|md5)\$[^\s]{20,}$/, // other Django hashers
  /^\{(?:SSHA|SHA|SSHA256|SSHA512|CRYPT|PBKDF2)[^}]*\}[A-Za-z0-9+/=$.]{16,}$/, // LDAP
];

const KEY_PREFIXES: RegExp[] = [
  /^(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}$/, // Stripe secret / restricted keys
  /^whsec_[A-Za-z0-9]{24,}$/, // Stripe webhook secrets
  /^gh[pousr]_[A-Za-z0-9]{36,}$/, // GitHub tokens
  /^github_pat_[A-Za-z0-9_]{40,}$/,
  /^(?:AKIA|ASIA|AGPA|AIDA|AROA)[A-Z0-9]{16}$/, // AWS access key ids
  /^xox[abposr]-[A-Za-z0-9-]{10,}$/, // Slack
  /^AIza[A-Za-z0-9_-]{35}$/, // Google API keys
  /^ya29\.[A-Za-z0-9_-]{20,}$/, // Google OAuth access tokens
  /^SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}$/, // SendGrid
  /^glpat-[A-Za-z0-9_-]{20,}$/, // GitLab
  /^npm_[A-Za-z0-9]{36}$/,
  /^shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}$/, // Shopify
  /^sq0(?:atp|csp)-[A-Za-z0-9_-]{22,}$/, // Square
  /^EAA[A-Za-z0-9]{30,}$/, // Meta
  /^(?:sk-(?:proj-)?|sk-ant-)[A-Za-z0-9_-]{20,}$/, // OpenAI / Anthropic
  /^hf_[A-Za-z0-9]{30,}$/, // Hugging Face
  /^AC[a-f0-9]{32}:[a-f0-9]{32}$/, // Twilio sid:token pair
  /^(?:pat|key|tok|api|secret)[_-][A-Za-z0-9]{24,}$/i,
  /^-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/,
  /^(?:Bearer|Basic|Token) [A-Za-z0-9._~+/=-]{16,}$/,
];

/** All prefixes in one alternation: one pass per value instead of one per issuer. */
const KEY_PREFIX_ANY = new RegExp(KEY_PREFIXES.map((r) => `(?:${r.source})`).join("|"), "i");

const JWT = /^eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}$/;
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:[^@/\s]+@[^\s]+$/i;

export function isPasswordHash(value: string): boolean {
  if (value.length < 20 || value.length > 400) {
    return false;
  }
  const c = value[0];
  if (c !== "$" && c !== "p" && c !== "s" && c !== "b" && c !== "a" && c !== "m" && c !== "{") {
    return false;
  }
  return HASH_FORMATS.some((r) => r.test(value));
}

export function isApiKeyOrToken(value: string): boolean {
  if (value.length < 20 || value.length > 4096) {
    return false;
  }
  if (value.startsWith("eyJ")) {
    return JWT.test(value);
  }
  if (value.includes("@")) {
    return URL_WITH_PASSWORD.test(value);
  }
  return KEY_PREFIX_ANY.test(value);
}

const HEX_DIGEST =
  /^(?:[a-f0-9]{32}|[a-f0-9]{40}|[a-f0-9]{56}|[a-f0-9]{64}|[a-f0-9]{96}|[a-f0-9]{128})$/i;

/** md5/sha1/sha2 digests in hex: a password hash or a checksum, by name. */
export function isHexDigest(value: string): boolean {
  return value.length >= 32 && value.length <= 128 && HEX_DIGEST.test(value);
}

const TOKEN_CHARS = /^[A-Za-z0-9_\-+/=.~:]{16,}$/;

/** A random-looking token: 16+ token characters with high entropy and mixed classes. */
export function isRandomToken(value: string): boolean {
  if (value.length < 16 || value.length > 2048 || !TOKEN_CHARS.test(value)) {
    return false;
  }
  const sample = value.length > 256 ? value.slice(0, 256) : value;
  return /\d/.test(sample) && /[A-Za-z]/.test(sample) && entropy(sample) >= 3.3;
}

const BYTEA_HEX = /^\\x(?:[a-f0-9]{2}){16,}$/i;
const BASE64 = /^(?:[A-Za-z0-9+/]{4}){4,}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Binary or base64 ciphertext (or any opaque blob): credential only with an encrypted/secret name. */
export function isOpaqueBlob(value: string): boolean {
  if (value.length < 24) {
    return false;
  }
  return BYTEA_HEX.test(value) || (BASE64.test(value) && entropy(value.slice(0, 256)) >= 4);
}

// A vendor-style key: a short lower-case prefix (`acme_`, `zk-`, `pk_live_`) and a long random
// body. Ids take prefixes too (`cus_9s6XKzkNRiz8i3`, `sha256:…`), but their bodies are short or
// hex: a key's body is 32+ characters mixing upper case, lower case and digits, at high entropy.
const PREFIXED_SECRET =
  /^[a-z][a-z0-9]{1,11}(?:[_-](?:live|test|prod|dev|sk|pk|key|secret|api|token))?[_-]([A-Za-z0-9]{32,128})$/;

export function isPrefixedSecret(value: string): boolean {
  if (value.length < 34 || value.length > 150) {
    return false;
  }
  const m = PREFIXED_SECRET.exec(value);
  if (!m) {
    return false;
  }
  const body = m[1] as string;
  return (
    /[A-Z]/.test(body) &&
    /[a-z]/.test(body) &&
    /\d/.test(body) &&
    !/^[a-f0-9]+$/i.test(body) &&
    entropy(body) >= 4.2
  );
}

export const CREDENTIAL_DETECTORS: ValueDetector[] = [
  {
    id: "credential.password_hash",
    category: "credential",
    strength: "strong",
    test: isPasswordHash,
  },
  { id: "credential.api_key", category: "credential", strength: "strong", test: isApiKeyOrToken },
  {
    id: "credential.prefixed_secret",
    category: "credential",
    strength: "strong",
    test: isPrefixedSecret,
  },
];
