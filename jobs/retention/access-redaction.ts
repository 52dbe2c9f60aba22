import { findEntities } from "../../rules/classification/entities.ts";
import { phoneKeys } from "../../rules/classification/phone-numbers.ts";
import type { Identifier } from "./erasure-proof.ts";
import { normalizeName } from "./subject-lookup.ts";

/**
 * Keeps an access package about one person: in every text the package carries, the personal
 * data of anyone else is replaced by `[redacted <category>]`. Entities are found by the same
 * finder masking's `scrub` and the classifier use (rules/classification/entities.ts: emails,
 * phones validated by libphonenumber, person names, addresses, card and account numbers, ids,
 * ...). An entity stays when it is the subject's own: their email, a phone with one of their
 * phone keys, a name made only of words of their name, or a value their own customer row holds
 * (their address, their card).
 */

export type SubjectOwnership = {
  emails: Set<string>;
  phoneKeys: Set<string>;
  nameWords: Set<string>;
  /** The subject's customer row as lower-case text: what they gave us is theirs. */
  ownText: string;
  /** The tenant's other customers' ids: a row about the subject may point at one of them. */
  otherCustomers: ReadonlySet<string>;
};

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

export function subjectOwnership(
  identifiers: Identifier[],
  customerRow: Record<string, unknown>,
  otherCustomers: ReadonlySet<string> = new Set(),
): SubjectOwnership {
  const emails = new Set<string>();
  const keys = new Set<string>();
  const nameWords = new Set<string>();
  for (const id of identifiers) {
    if (id.kind === "email") {
      emails.add(id.value.trim().toLowerCase());
    } else if (id.kind === "phone") {
      for (const key of phoneKeys(id.value)) {
        keys.add(key);
      }
    } else {
      for (const word of normalizeName(id.value).split(" ")) {
        nameWords.add(word);
      }
    }
  }
  for (const part of [customerRow.first_name, customerRow.last_name]) {
    if (typeof part === "string") {
      for (const word of normalizeName(part).split(" ").filter(Boolean)) {
        nameWords.add(word);
      }
    }
  }
  return {
    emails,
    phoneKeys: keys,
    nameWords,
    ownText: JSON.stringify(customerRow).toLowerCase(),
    otherCustomers,
  };
}

function owned(owner: SubjectOwnership, category: string, value: string): boolean {
  switch (category) {
    case "email":
      return owner.emails.has(value.trim().toLowerCase());
    case "phone":
      return phoneKeys(value).some((k) => owner.phoneKeys.has(k));
    case "person_name": {
      const words = normalizeName(value)
        .replace(/[^\p{L}\s'-]/gu, " ")
        .split(/\s+/)
        .filter(Boolean);
      return words.length > 0 && words.every((w) => owner.nameWords.has(w));
    }
    default:
      return value.length >= 4 && owner.ownText.includes(value.toLowerCase());
  }
}

/** `text` with everyone else's personal data redacted; `count` is told how many spans went. */
export function redactOthers(
  input: string,
  owner: SubjectOwnership,
  count: (n: number) => void = () => {},
): string {
  let ids = 0;
  const text = input.replace(UUID, (id) => {
    if (!owner.otherCustomers.has(id.toLowerCase())) {
      return id;
    }
    ids++;
    return "[redacted customer_id]";
  });
  if (ids) {
    count(ids);
  }
  const spans = findEntities(text);
  let out = "";
  let pos = 0;
  let redacted = 0;
  for (const span of spans) {
    const value = text.slice(span.start, span.end);
    if (owned(owner, span.category, value)) {
      continue;
    }
    out += `${text.slice(pos, span.start)}[redacted ${span.category}]`;
    pos = span.end;
    redacted++;
  }
  if (redacted === 0) {
    return text;
  }
  count(redacted);
  return out + text.slice(pos);
}

/** A value (string, array, JSON object) with everyone else's personal data redacted. */
export function redactValue(
  value: unknown,
  owner: SubjectOwnership,
  count: (n: number) => void,
): unknown {
  if (typeof value === "string") {
    return redactOthers(value, owner, count);
  }
  if (Array.isArray(value)) {
    return value.map((v) => redactValue(v, owner, count));
  }
  if (value && typeof value === "object" && !(value instanceof Date) && !Buffer.isBuffer(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, redactValue(v, owner, count)]),
    );
  }
  return value;
}
