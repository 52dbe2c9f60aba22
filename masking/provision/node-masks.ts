import { rememberedValues } from "../remembered-values.ts";
import {
  type JsonPathRule,
  maskJsonText,
  type NameDictionary,
  scrub,
} from "../strategies/strategies.ts";
import { arrayHeader, type FieldRewriter } from "./binary-copy.ts";
import type { ColumnPlan, TablePlan } from "./plan.ts";

/**
 * Columns masked in Node instead of in the source's SELECT: free text that is scrubbed, and
 * JSON documents. Both are per-value regular-expression and tree work that Postgres's procedural
 * language does many times slower than JavaScript (a document cost ~0.2 ms in PL/pgSQL), so
 * these values leave the source unmasked inside the binary COPY stream and are rewritten on
 * their way to the target (binary-copy.ts). Scrub gives the same result as `pg_temp.gm_scrub`
 * (tested value for value). Every other column stays masked in SQL, next to the data.
 */

/**
 * Text types whose binary form is their UTF-8 text (citext and char send and receive it as text;
 * char pads what is shorter than its length): scrubbed in Node, alone or as array elements.
 */
const TEXT_LIKE = new Set(["text", "varchar", "citext", "bpchar"]);

/** Whether the column is scrubbed in Node (its SELECT expression is then the raw column). */
export function scrubbedInNode(c: ColumnPlan): boolean {
  const scrubbed =
    c.strategy === "scrub" ||
    (c.strategy === "substitute" && (c.params.category ?? c.category) === "free_text_pii");
  return (
    scrubbed &&
    ((c.typeCategory === "S" && TEXT_LIKE.has(c.udt)) ||
      (c.typeCategory === "A" && TEXT_LIKE.has(c.udt.slice(1))))
  );
}

/** jsonb's binary form starts with its version byte, 1 (U+0001 is that byte in UTF-8). */
const JSONB_VERSION = "\u0001";

/** Whether a JSON column is masked (in Node): it has a rule of its own or a path rule. */
export function maskedJson(c: ColumnPlan): boolean {
  return (
    (c.udt === "jsonb" || c.udt === "json") &&
    !(c.strategy === "nullify" && c.nullable) &&
    (c.strategy !== "allow" || c.paths.some((p) => p.strategy !== "allow"))
  );
}

/** The rules of a JSON column: per path, and `*` for the column's own rule. */
export function jsonRules(c: ColumnPlan): Record<string, JsonPathRule> {
  const rules: Record<string, JsonPathRule> = {};
  // A JSON column's own category summarizes its paths (the scanner proposes the dominant one),
  // so it does not say what every other leaf holds: those are scrubbed. A steward's rule on the
  // column itself does apply to every leaf without a path rule.
  if (c.ruleSource === "rule" && c.strategy !== "allow") {
    rules["*"] = { s: c.strategy, c: c.category, p: c.params };
  } else if (c.ruleSource === "default") {
    rules["*"] = { s: "scrub" };
  }
  for (const p of c.paths) {
    rules[p.path] = { s: p.strategy, c: p.category, p: p.params };
  }
  return rules;
}

/** varchar(n)'s and char(n)'s n (of the elements of an array of them), as the SQL path's cast applies it (characters, not bytes). */
function lengthLimit(c: ColumnPlan): number | null {
  const m = /^(?:character varying|character)\((\d+)\)(?:\[\])*$/.exec(c.type);
  return m ? Number(m[1]) : null;
}

const byLength = (masked: string) => masked.length;

/** Whether any column of the table is masked in Node (its COPY stream is rewritten). */
export function hasNodeMasks(table: TablePlan): boolean {
  return table.columns.some((c) => maskedJson(c) || scrubbedInNode(c));
}

/** The rewriters of a table's Node-masked fields, by field position in the SELECT list. */
export function nodeRewriters(
  table: TablePlan,
  key: Buffer,
  names: NameDictionary,
): Map<number, FieldRewriter> {
  const out = new Map<number, FieldRewriter>();
  table.columns.forEach((c, i) => {
    if (maskedJson(c)) {
      // jsonb's binary form is a version byte and the text; json's is the text.
      const version = c.udt === "jsonb" ? 1 : 0;
      const rules = jsonRules(c);
      const mask = rememberedValues((text) => maskJsonText(key, text, rules, names), byLength);
      const prefix = version ? JSONB_VERSION : "";
      out.set(i, (bytes) => prefix + mask(bytes.toString("utf8", version)));
      return;
    }
    if (!scrubbedInNode(c)) {
      return;
    }
    const limit = lengthLimit(c);
    const mask = rememberedValues((text) => {
      const masked = scrub(key, text, names);
      if (limit !== null && masked.length > limit) {
        const chars = Array.from(masked);
        if (chars.length > limit) {
          return chars.slice(0, limit).join("");
        }
      }
      return masked;
    }, byLength);
    out.set(
      i,
      c.typeCategory === "A"
        ? (bytes) => rewriteArrayElements(bytes, mask)
        : (bytes) => mask(bytes.toString("utf8")),
    );
  });
  return out;
}

/**
 * A binary array of text elements with each element rewritten: the header (dimensions, null
 * flag, element type, sizes and lower bounds) as it was, each non-null element's length and
 * UTF-8 bytes anew.
 */
export function rewriteArrayElements(bytes: Buffer, mask: (text: string) => string): Buffer {
  const { header, elements } = arrayElements(bytes);
  const parts: Buffer[] = [bytes.subarray(0, header)];
  for (const element of elements) {
    const head = Buffer.allocUnsafe(4);
    if (element === null) {
      head.writeInt32BE(-1);
      parts.push(head);
      continue;
    }
    const text = Buffer.from(mask(element), "utf8");
    head.writeInt32BE(text.length);
    parts.push(head, text);
  }
  return Buffer.concat(parts);
}

/** A binary array's text elements in storage order, and the length of its header. */
export function arrayElements(bytes: Buffer): { header: number; elements: (string | null)[] } {
  const { count, first: header } = arrayHeader(bytes, 0);
  let p = header;
  const elements: (string | null)[] = [];
  for (let k = 0; k < count; k++) {
    const len = bytes.readInt32BE(p);
    p += 4;
    elements.push(len < 0 ? null : bytes.toString("utf8", p, p + len));
    p += Math.max(0, len);
  }
  return { header, elements };
}
