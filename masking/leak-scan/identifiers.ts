import type pg from "pg";
import { COMPANY_NAME } from "../../rules/classification/company-names.ts";
import { isBankRouting } from "../../rules/classification/detectors/financial.ts";
import { findPhones } from "../../rules/classification/phone-numbers.ts";
import { copyField, copyOut, eachCopyLine } from "../../schema/copy-out.ts";
import { lineEndHash } from "../address-line-set.ts";
import { addressLineKeys, addressLineQueries, LINE_PREFIX, lineEnds } from "../address-lines.ts";
import { inParallel } from "../parallel.ts";
import { nameColumnsSql, nameWordsSql } from "../person-names.ts";
import type { ColumnPlan, TablePlan } from "../provision/plan.ts";
import { ident, literal } from "../provision/select.ts";
import { tokenizeDigits } from "../strategies/fpe.ts";
import { jsonTextLeaves } from "../strategies/json-text.ts";
import {
  fitsCategory,
  NAME_CAPITALS,
  NAME_LETTERS,
  SCRUB_PATTERNS,
  substituteAddress,
  substituteIp,
  substitutePhone,
} from "../strategies/strategies.ts";
import {
  eachValidatedNumber,
  hash64,
  imageCandidates,
  phoneIdentifiers,
  STREET,
  SURNAME_PARTICLES,
  shortDigits,
  withoutUuids,
} from "./candidates.ts";
import type { HashSet64 } from "./hash-set.ts";

/**
 * The source side of the leak scan: every value of every PII column (and JSONB path) is read
 * from the source as it is, and normalized to its identifying form and hashed (hash64) the
 * moment it reaches this process, which keeps only the hashes and — for person names — the
 * name's first word, which identifies nobody alone and lets the target side hash only the word
 * pairs that could be a name. Normalizing here, in the same language as the target side's
 * candidates.ts, keeps the two in step, and costs the source only the reading. Values that do
 * not identify alone (a first name, a zip code) are only taken in the combinations that do:
 * first and last name of one row, the number and street of an address. Columns copied as they
 * are (whatever their category) are also read by content: the emails, validated phones, cards
 * and IBANs in them are identifiers too. Phones are kept as the key every written form shares
 * (phone-numbers.ts), besides their last ten digits.
 */

const EMAIL_VALUE = /^\s*[^@\s]+@[^@\s]+\.[A-Za-z]{2,}\s*$/;
const STREET_FIRST = new RegExp(STREET);
// Names in every Latin spelling (NAME_LETTERS): "Libère Michel" is "libère michel", never
// "re michel" (which a supplier "RE Michel" then matched).
const NAME_WORDS = new RegExp(`[${NAME_LETTERS}'-]+`, "g");
const PERSON_SHAPE = new RegExp(
  `^\\s*[${NAME_CAPITALS}][${NAME_LETTERS}'-]+( [${NAME_CAPITALS}][${NAME_LETTERS}'-]+){1,2}\\s*$`,
);
const LAST_WORD = new RegExp(`([${NAME_LETTERS}'-]+)$`);

/** Postgres's btrim(v): spaces off both ends. */
function btrim(v: string): string {
  return v.replace(/^ +| +$/g, "");
}

/**
 * The identifying form of a source value of a category (undefined when it identifies nobody
 * alone), as candidates.ts cuts the same form out of the target's text.
 */
export function identifierOf(v: string, category: string): string | undefined {
  // An email is one whatever its column's category says (a path of mixed phones and emails).
  if (EMAIL_VALUE.test(v)) {
    return btrim(v).toLowerCase();
  }
  switch (category) {
    case "email":
      return v.includes("@") ? btrim(v).toLowerCase() : undefined;
    case "phone":
    case "payment_card":
    case "bank_account":
    case "government_id": {
      const d = v.replace(/[^0-9]/g, "");
      if (category === "phone") {
        return d.length >= 7 ? d.slice(-10) : undefined;
      }
      return d.length >= 6 ? d : undefined;
    }
    case "postal_address":
      return STREET_FIRST.exec(v)?.[0].toLowerCase();
    case "person_name": {
      // The last two words: "Mary Ann Smith" is found as "Ann Smith" too. A surname written
      // with particles ("Le Gall", "van der Berg", "Da Silva") is one name: the word before
      // its particles comes with it ("Yann Le Gall"), and a surname alone identifies nobody.
      const w = (v.match(NAME_WORDS) ?? []).map((x) => x.toLowerCase());
      let from = w.length - 2;
      while (from > 0 && SURNAME_PARTICLES.has(w[from] ?? "")) {
        from--;
      }
      return from >= 0 && !SURNAME_PARTICLES.has(w[from] ?? "")
        ? w.slice(from).join(" ")
        : undefined;
    }
    case "credential":
    case "ip_address": {
      const t = btrim(v);
      return t.length >= 7 ? t.toLowerCase() : undefined;
    }
    default:
      return undefined;
  }
}

/** The words of the source's first- and last-name columns (an empty set is not checked). */
export type NameWords = { first: ReadonlySet<string>; last: ReadonlySet<string> };

/**
 * Whether a full-name value names a person: personNameSql (person-names.ts) in JavaScript.
 * 2-3 capitalized words, none an organisation word, the first a first name and the last a last
 * name the source's name columns hold.
 */
export function namesPerson(v: string, words: NameWords): boolean {
  if (!PERSON_SHAPE.test(v) || COMPANY_NAME.test(v)) {
    return false;
  }
  const trimmed = btrim(v);
  const first = trimmed.split(" ")[0]?.toLowerCase() ?? "";
  const last = LAST_WORD.exec(trimmed)?.[1]?.toLowerCase() ?? "";
  return (
    (words.first.size === 0 || words.first.has(first)) &&
    (words.last.size === 0 || words.last.has(last))
  );
}

/**
 * A value's masked image, for the categories whose default substitute keeps the format (a
 * phone stays ten digits, an account number its length, an IP address an IP address, a street
 * its kept words — "North Avenue" — with another house number): at scale a masked value now
 * and then equals another person's real one. Such a real value is ambiguous — the copy holds it
 * because masking made it — and is not reported (see candidates.ts). Computed with the masking
 * key, as provisioning masks.
 */
export function imageOf(maskingKey: Buffer, v: string, category: string): string | undefined {
  switch (category) {
    case "phone":
      return fitsCategory("phone", v) ? substitutePhone(maskingKey, v) : undefined;
    case "payment_card":
    case "bank_account":
    case "government_id":
      return tokenizeDigits(maskingKey, v);
    case "ip_address":
      return substituteIp(maskingKey, v);
    case "postal_address":
      return substituteAddress(maskingKey, v);
    default:
      return undefined;
  }
}

/**
 * What the target side may find of an image: its identifier, and every candidate the scan cuts
 * out of it (a long number's last ten digits, a street's shorter forms, a valid card or IBAN).
 */
export function imageForms(image: string, category: string): string[] {
  const forms = imageCandidates(image);
  const identifier = identifierOf(image, category);
  return identifier === undefined ? forms : [identifier, ...forms];
}

/** `address.street` → `$."address"."street"`, `items[].email` → `$."items"[*]."email"`. */
export function toJsonPath(path: string): string {
  let out = "$";
  for (const part of path.split(".")) {
    const m = /^(.*?)((?:\[\])*)$/.exec(part);
    const key = m?.[1] ?? part;
    if (key !== "") {
      out += `."${key.replace(/["\\]/g, "\\$&")}"`;
    }
    out += "[*]".repeat((m?.[2]?.length ?? 0) / 2);
  }
  return out;
}

/** The category of first and last name of one row joined: a name that needs no person check. */
const NAME_PAIR = "name_pair";
/** Memory of a source session's DISTINCT over one table's identifier values. */
const IDENTIFIER_WORK_MEM = "64MB";
/** Values of a tokenized column of no identifying category: only their images are taken. */
const TOKENIZED = "tokenized";
/** A value holding an address line (address-lines.ts): its line is found in any shape. */
const ADDRESS_LINE = "address_line";
/** Text (or a JSON document) searched for identifiers by content. */
const CONTENT = "content";
const CONTENT_JSON = "content_json";
/**
 * What a value holding an email, a phone, a card or an IBAN has (an @, or seven digits in
 * groups, as `06 12 34 56 78` writes them): read only those.
 */
const CONTENT_SQL = "@|[0-9](?:[ .()/-]{0,2}[0-9]){6}";
const EMAIL_IN_TEXT = new RegExp(SCRUB_PATTERNS.email, "g");
const TWO_DIGITS = /[0-9]{2}/;

/**
 * The identifiers a text holds by content: emails, phone numbers libphonenumber validates (by
 * the key every written form shares), card numbers and IBANs that validate.
 */
export function contentIdentifiers(written: string): string[] {
  const out: string[] = [];
  // Nothing below finds anything without an @ or two digits in a row (blanking UUIDs only takes
  // digits away): most leaves of a JSON document end here, before the UUID scan of long ones.
  const email = written.includes("@");
  if (!email && !TWO_DIGITS.test(written)) {
    return out;
  }
  // A UUID's groups are no phone nor card (a URL's `…/jobs/55846057-2a9b-…` gave the "phone"
  // 55846057, which a masked email's tag then met): read as candidates.ts reads the target.
  const text = withoutUuids(written);
  // A value that is a bare bank routing number (US ABA with its checksum, Canadian 0 +
  // institution + transit) names a bank branch, and a 9-digit one is a valid landline in
  // countries that dial without a trunk 0 (Portugal, Spain): not a phone of anyone.
  if (text.length === 9 && isBankRouting(text)) {
    return out;
  }
  if (email) {
    for (const m of written.match(EMAIL_IN_TEXT) ?? []) {
      out.push(m.toLowerCase());
    }
  }
  if (TWO_DIGITS.test(text)) {
    for (const p of findPhones(text)) {
      out.push(...phoneIdentifiers(p.text));
    }
    eachValidatedNumber(text, (c) => {
      out.push(c);
      return false;
    });
  }
  return out;
}

/**
 * One place a table's identifiers come from: `value`, an expression over the row `t` that is
 * one value (text) per row, or with `set` a FROM item over `t` yielding the values as `v` (an
 * array's elements, a JSON path's leaves under arrays); `category` says how the value is read.
 */
/**
 * One place identifiers are read from: a value per row (`value` an expression over `t`), a set
 * per row (`set`: a FROM item yielding `x(v)`), or a whole query of its own (`query`: a SELECT of
 * one column over the table, e.g. address-lines.ts's).
 */
export type IdentifierSource = { value: string; category: string; set?: boolean; query?: boolean };

/**
 * Where a table's identifiers are, column by column: the single list of what the leak scan's
 * source side reads (PII columns and JSON paths, tokenized numbers, text searched by content,
 * first and last name of one row).
 */
export function identifierSources(table: TablePlan, schema: string): IdentifierSource[] {
  const out: IdentifierSource[] = [];
  const isJson = (c: ColumnPlan) => c.udt === "jsonb" || c.udt === "json";
  // A path without arrays is one lookup; jsonb_path_query is kept for arrays (it is far slower).
  const leaf = (c: ColumnPlan, path: string, category: string): IdentifierSource =>
    path.includes("[]")
      ? {
          value: `(SELECT j #>> '{}' AS v FROM jsonb_path_query(t.${ident(c.column)}::jsonb, ${literal(`lax ${toJsonPath(path)}`)}) j WHERE jsonb_typeof(j) = 'string')`,
          category,
          set: true,
        }
      : {
          value: `t.${ident(c.column)}::jsonb #>> ${literal(
            `{${path
              .split(".")
              .map((p) => `"${p.replace(/["\\]/g, "\\$&")}"`)
              .join(",")}}`,
          )}`,
          category,
        };
  const identifying = (category: string) => category !== "none" && category !== "free_text_pii";
  for (const c of table.columns) {
    const col = `t.${ident(c.column)}`;
    if (isJson(c)) {
      // A JSON column's own category summarizes its paths: identifiers come from the paths.
      for (const p of c.paths.filter((x) => identifying(x.category))) {
        out.push(leaf(c, p.path, p.category));
      }
    } else if (identifying(c.category) && c.udt !== "bytea") {
      if (c.typeCategory === "A") {
        out.push({ value: `unnest(${col}::text[]) AS x(v)`, category: c.category, set: true });
      } else {
        out.push({
          value: c.udt === "inet" ? `host(${col})` : `${col}::text`,
          category: c.category,
        });
      }
    } else if (c.strategy === "tokenize" && c.udt !== "bytea") {
      // Tokenized numbers of a column of no identifying category: their images only.
      out.push({ value: `${col}::text`, category: TOKENIZED });
    }
    // Every text, bytea and JSON column is also searched by content (whatever its category
    // says): an email, a phone, a card number or an IBAN in it is an identifier wherever the
    // target holds it — a phone written only in a note is still that person's phone.
    const text = c.typeCategory === "S" && !identifying(c.category);
    if (isJson(c) || text || c.elementCategory === "S" || c.udt === "bytea") {
      out.push({
        value: c.udt === "bytea" ? `encode(${col}, 'escape')` : `${col}::text`,
        category: isJson(c) ? CONTENT_JSON : CONTENT,
      });
    }
  }
  // The address lines the table holds, in every form (address-lines.ts).
  for (const q of addressLineQueries(table, schema)) {
    out.push({ value: q, category: ADDRESS_LINE, query: true });
  }
  // First and last name of one row: identifying together.
  const part = (p: string) =>
    table.columns.filter((c) => c.category === "person_name" && c.params.part === p);
  for (const f of part("first")) {
    for (const l of part("last")) {
      out.push({
        value: `t.${ident(f.column)}::text || ' ' || t.${ident(l.column)}::text`,
        category: NAME_PAIR,
      });
    }
  }
  return out;
}

/**
 * One SELECT of a table's identifier values with their category (v, c), nulls left out, or
 * null when it has none. The per-row values are unpivoted from a single scan of the table
 * (LATERAL VALUES) instead of one scan per column; only what a value searched by content could
 * hold (an @, or seven digits in groups) is read. Sets (arrays, JSON leaves under arrays) add a
 * scan each.
 */
export function identifierQuery(
  table: TablePlan,
  schema: string,
  sources: IdentifierSource[] = identifierSources(table, schema),
): string | null {
  const from = `${ident(schema)}.${ident(table.table)} t`;
  const rows = sources.filter((s) => !s.set && !s.query);
  const parts: string[] = [];
  if (rows.length > 0) {
    const values = rows.map((s) => `(${s.value}, ${literal(s.category)})`).join(", ");
    parts.push(
      `SELECT x.v, x.c FROM ${from}, LATERAL (VALUES ${values}) x(v, c)
       WHERE x.v IS NOT NULL AND (x.c NOT IN ('${CONTENT}', '${CONTENT_JSON}') OR x.v ~ ${literal(CONTENT_SQL)})`,
    );
  }
  for (const s of sources.filter((x) => x.query)) {
    parts.push(`SELECT s.v, ${literal(s.category)} FROM (${s.value}) s(v) WHERE s.v IS NOT NULL`);
  }
  for (const s of sources.filter((x) => x.set)) {
    parts.push(
      `SELECT x.v, ${literal(s.category)} FROM ${from}, LATERAL ${s.value.startsWith("(") ? `${s.value} x` : s.value} WHERE x.v IS NOT NULL`,
    );
  }
  return parts.length > 0 ? parts.join(" UNION ALL ") : null;
}

/**
 * Adds the hash of every identifier of the source to `into`, the hash of every masked image of
 * a format-preserving identifier to `images`, and the first word of every person-name
 * identifier to `heads`, reading tables on `parallel` connections of `source`. `maskingKey`
 * computes the images.
 */
export async function collectIdentifiers(input: {
  source: pg.Pool;
  plan: TablePlan[];
  schema: string;
  key: Buffer;
  maskingKey: Buffer;
  into: HashSet64;
  images: HashSet64;
  heads: Set<string>;
  /**
   * The ends of the source's address lines (lineEnds), hashed with the masking key as scrub's
   * dictionary hashes them (lineEndHash): the stream scan reads a number only as far as the
   * dictionary's ends allow, which this proves safe (every line found here has its ends there).
   */
  lineEnds?: HashSet64;
  /** Counts the distinct short-number identifiers by digit count (chance.ts). */
  short?: number[];
  parallel?: number;
}): Promise<void> {
  const names = nameColumnsSql(input.plan, input.schema);
  const wordsOf = async (values: string) =>
    new Set((await input.source.query<{ n: string }>(nameWordsSql(values))).rows.map((r) => r.n));
  const words: NameWords = { first: await wordsOf(names.first), last: await wordsOf(names.last) };
  // A phone, an email, a name or an address is in several tables (a customer's phone in their
  // calls, messages and events): each distinct value is normalized, hashed and imaged once.
  const done = new Set<string>();
  await inParallel(
    // Partitioned tables last: reading one locks each of its hundreds of partitions while the
    // target's partitions are still being created in one transaction, and the two together
    // can exhaust the server's shared lock table.
    [...input.plan].sort(
      (a, b) =>
        Number(a.kind === "p") - Number(b.kind === "p") || b.estimatedRows - a.estimatedRows,
    ),
    input.parallel ?? 2,
    {
      open: async () => {
        const source = await input.source.connect();
        // The DISTINCT over a table's values hashes in memory instead of sorting on disk.
        await source.query(`SET work_mem = '${IDENTIFIER_WORK_MEM}'`).catch((error) => {
          source.release();
          throw error;
        });
        return source;
      },
      each: (source, table) =>
        tableIdentifiers(source, identifierQuery(table, input.schema), { ...input, words, done }),
      close: async (source) => {
        await source.query("RESET work_mem").catch(() => {});
        source.release();
      },
    },
  );
}

type Collected = {
  key: Buffer;
  maskingKey: Buffer;
  words: NameWords;
  into: HashSet64;
  images: HashSet64;
  heads: Set<string>;
  lineEnds?: HashSet64;
  short?: number[];
  /** `category \0 value` of the values of identifying categories already taken. */
  done: Set<string>;
};

/** Adds an identifier's hash; a new short number is counted by its digits (chance.ts). */
function addIdentifier(out: Collected, identifier: string): void {
  const digits = out.short ? shortDigits(identifier) : 0;
  if (out.into.add(...hash64(out.key, identifier)) && out.short && digits > 0) {
    out.short[digits] = (out.short[digits] ?? 0) + 1;
  }
}

async function tableIdentifiers(
  source: pg.PoolClient,
  query: string | null,
  out: Collected,
): Promise<void> {
  if (query === null) {
    return;
  }
  const copy = source.query(
    copyOut(`COPY (SELECT DISTINCT v, c FROM (${query}) q(v, c)) TO STDOUT`),
  );
  await eachCopyLine(copy as AsyncIterable<Buffer>, (line) => takeLine(line, out));
}

/** One line of the COPY: a value and its category. */
function takeLine(line: string, out: Collected): void {
  const tab = line.lastIndexOf("\t");
  const v = copyField(line.slice(0, tab)) ?? "";
  const category = line.slice(tab + 1);
  if (category === CONTENT || category === CONTENT_JSON) {
    // Texts are seldom repeated across tables: not remembered.
    let leaves: string[] = [v];
    if (category === CONTENT_JSON) {
      try {
        leaves = jsonTextLeaves(v);
      } catch {
        leaves = [v];
      }
    }
    for (const leaf of leaves) {
      for (const identifier of contentIdentifiers(leaf)) {
        addIdentifier(out, identifier);
      }
    }
    return;
  }
  const memo = `${category}\0${v}`;
  if (out.done.has(memo)) {
    return;
  }
  out.done.add(memo);
  if (category === ADDRESS_LINE) {
    for (const k of addressLineKeys(v)) {
      addIdentifier(out, LINE_PREFIX + k);
      for (const end of out.lineEnds ? lineEnds(k) : []) {
        out.lineEnds?.add(...lineEndHash(out.maskingKey, end));
      }
    }
    for (const form of imageForms(substituteAddress(out.maskingKey, v), "postal_address")) {
      out.images.add(...hash64(out.key, form));
    }
    return;
  }
  if (category === TOKENIZED) {
    for (const form of imageForms(tokenizeDigits(out.maskingKey, v), "payment_card")) {
      out.images.add(...hash64(out.key, form));
    }
    return;
  }
  // A full name identifies only when it names a person (not a business in a name column).
  if (category === "person_name" && !namesPerson(v, out.words)) {
    return;
  }
  const name = category === "person_name" || category === NAME_PAIR;
  const identifier = identifierOf(v, name ? "person_name" : category);
  if (identifier === undefined) {
    return;
  }
  addIdentifier(out, identifier);
  // A phone is also looked for by the key its every written form shares (phone-numbers.ts).
  for (const key of category === "phone" ? phoneIdentifiers(v) : []) {
    addIdentifier(out, key);
  }
  if (name) {
    out.heads.add(identifier.split(" ")[0] ?? "");
  }
  const image = imageOf(out.maskingKey, v, category);
  for (const form of image === undefined ? [] : imageForms(image, category)) {
    out.images.add(...hash64(out.key, form));
  }
}

/**
 * Every word of every person-name value of the source (name columns and paths, first and last
 * names), lower-cased as identifierOf lower-cases them: a superset of the heads collectIdentifiers
 * finds, known in a moment (one DISTINCT over the name columns) where the identifiers take the
 * whole copy. The stream scan (stream-scan.ts) forms name pairs after these words.
 */
export async function sourceNameWords(
  source: pg.Pool,
  plan: TablePlan[],
  schema: string,
): Promise<string[]> {
  const queries = plan.flatMap((t) => {
    const names = identifierSources(t, schema).filter(
      (s) => s.category === "person_name" || s.category === NAME_PAIR,
    );
    const query = names.length > 0 ? identifierQuery(t, schema, names) : null;
    return query === null ? [] : [query];
  });
  if (queries.length === 0) {
    return [];
  }
  const r = await source.query<{ w: string }>(
    `SELECT DISTINCT m[1] AS w FROM (${queries.join(" UNION ALL ")}) s(v, c),
       LATERAL regexp_matches(v, ${literal(`([${NAME_LETTERS}'-]+)`)}, 'g') m`,
  );
  return [...new Set(r.rows.map((x) => x.w.toLowerCase()))];
}
