import { sql } from "kysely";
import { phoneKeys } from "../../rules/classification/phone-numbers.ts";
import type { TSubjectMatch, TSubjectMatches } from "../../schema/contracts/subjects.ts";
import type { Db } from "../../schema/postgres.ts";
import { withTenant } from "../../schema/tenant.ts";

export const SUBJECT_LIMIT = 20;

/** What a lookup text is taken for: an email address, a phone number, or a name. */
export function lookupKind(text: string): "email" | "phone" | "name" {
  if (text.includes("@")) {
    return "email";
  }
  return /^[\s\d+().\-/]+$/.test(text) && phoneKeys(text).length > 0 ? "phone" : "name";
}

/** Lower case, accents off, whitespace collapsed: "  José  DUPONT " → "jose dupont". */
export function normalizeName(text: string): string {
  const plain = text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
  // NFKD leaves ø, ł and ß whole; the database folds them as below.
  return plain
    .replace(/[øłß]/g, (c) => ({ ø: "o", ł: "l", ß: "s" })[c] ?? c)
    .replace(/\s+/g, " ")
    .trim();
}

/** Accented letters and their plain forms: the database side of normalizeName's accent folding. */
const ACCENTED = "áàâäãåāéèêëēíìîïīóòôöõøōúùûüūñçýÿšžłß";
const PLAIN = "aaaaaaaeeeeeiiiiiooooooouuuuuncyyszls";

const maskWord = (word: string) => (word ? `${word[0]?.toUpperCase()}***` : "");

export function maskName(first: string | null, last: string | null, company: string | null) {
  const parts = [first, last].filter((p): p is string => Boolean(p?.trim()));
  const words = (parts.length ? parts.join(" ") : (company ?? "")).split(/\s+/).filter(Boolean);
  return words.length ? words.map(maskWord).join(" ") : "(no name)";
}

export function maskEmail(email: string | null): string | null {
  if (!email?.includes("@")) {
    return email ? "***" : null;
  }
  const [local = "", domain = ""] = email.trim().split("@");
  const dot = domain.lastIndexOf(".");
  const host = dot > 0 ? domain.slice(0, dot) : domain;
  const tld = dot > 0 ? domain.slice(dot) : "";
  return `${local.slice(0, 1).toLowerCase()}***@${host.slice(0, 1).toLowerCase()}***${tld.toLowerCase()}`;
}

export function maskPhone(phone: string | null): string | null {
  const digits = (phone ?? "").replace(/\D/g, "");
  return digits.length >= 4 ? `••• ${digits.slice(-4)}` : phone ? "•••" : null;
}

type Row = {
  id: string;
  first_name: string | null;
  last_name: string | null;
  company_name: string | null;
  email: string | null;
  phone: string | null;
  secondary_phone: string | null;
  customer_type: string | null;
  customer_since: Date | string | null;
};

/**
 * The tenant's customers a person is looking for, by email, phone or name, matched on
 * normalized values (emails case-insensitively; phones by libphonenumber's key, whatever way
 * they were written; names without case, accents or extra spaces), read under the tenant's RLS
 * and returned masked: the requester picks the person without the list disclosing everyone.
 */
export async function lookupSubjects(
  db: Db,
  tenantId: string,
  text: string,
): Promise<TSubjectMatches> {
  const kind = lookupKind(text);
  const rows = await withTenant(db, { tenantId }, async (trx) => {
    let query = trx
      .selectFrom("customers")
      .select([
        "id",
        "first_name",
        "last_name",
        "company_name",
        "email",
        "phone",
        "secondary_phone",
        "customer_type",
        "customer_since",
      ])
      .where("tenant_id", "=", tenantId);
    if (kind === "email") {
      query = query.where(sql<boolean>`lower(trim(email)) = ${text.trim().toLowerCase()}`);
    } else if (kind === "phone") {
      // The last 7 digits narrow in SQL; the exact key is compared below.
      const tails = [...new Set(phoneKeys(text).map((k) => k.slice(-7)))];
      query = query.where((eb) =>
        eb.or(
          tails.flatMap((tail) => [
            eb(sql`right(regexp_replace(coalesce(phone, ''), '\\D', '', 'g'), 7)`, "=", tail),
            eb(
              sql`right(regexp_replace(coalesce(secondary_phone, ''), '\\D', '', 'g'), 7)`,
              "=",
              tail,
            ),
          ]),
        ),
      );
    } else {
      const name = normalizeName(text);
      // strpos, not LIKE: a % or _ typed is matched literally.
      const folded = (expr: ReturnType<typeof sql>) =>
        sql`translate(lower(regexp_replace(${expr}, '\\s+', ' ', 'g')), ${ACCENTED}, ${PLAIN})`;
      const firstLast = folded(sql`coalesce(first_name, '') || ' ' || coalesce(last_name, '')`);
      const lastFirst = folded(sql`coalesce(last_name, '') || ' ' || coalesce(first_name, '')`);
      const company = folded(sql`coalesce(company_name, '')`);
      query = query.where(
        sql<boolean>`(strpos(${firstLast}, ${name}) > 0 OR strpos(${lastFirst}, ${name}) > 0
          OR strpos(${company}, ${name}) > 0)`,
      );
    }
    return (await query
      .orderBy("last_name")
      .orderBy("first_name")
      .orderBy("id")
      .limit(kind === "phone" ? 500 : SUBJECT_LIMIT + 1)
      .execute()) as Row[];
  });
  const wanted = new Set(kind === "phone" ? phoneKeys(text) : []);
  const matching =
    kind === "phone"
      ? rows.filter((r) =>
          [r.phone, r.secondary_phone].some((p) => p && phoneKeys(p).some((k) => wanted.has(k))),
        )
      : rows;
  const items: TSubjectMatch[] = matching.slice(0, SUBJECT_LIMIT).map((r) => ({
    id: r.id,
    name: maskName(r.first_name, r.last_name, r.company_name),
    email: maskEmail(r.email),
    phone: maskPhone(r.phone ?? r.secondary_phone),
    customerType: r.customer_type,
    customerSince: r.customer_since ? new Date(r.customer_since).toISOString().slice(0, 10) : null,
    matchedOn: kind,
  }));
  return { items, truncated: matching.length > SUBJECT_LIMIT };
}
