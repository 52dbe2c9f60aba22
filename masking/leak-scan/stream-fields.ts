import { arrayHeader } from "../provision/binary-copy.ts";
import type { ColumnPlan } from "../provision/plan.ts";

/**
 * How the leak scan reads a field of the binary COPY stream written into the target, as the
 * text the post-pass (leak-scan.ts, targetColumns) renders the same column as: strings as their
 * UTF-8 bytes, integers and numerics as Postgres writes them, bytea as `encode(…, 'escape')`,
 * JSON as its text, arrays as the leaves `to_jsonb(array)` has. `skip`: a type the post-pass
 * does not read either (booleans, dates and times, UUIDs, text search). A column of any other
 * type (floats, inet, money, composites, ranges, arrays of those…) is not read on the stream:
 * the post-pass reads it from the target after the load.
 */
export type StreamField =
  | "skip"
  | "text"
  | "json"
  | "jsonb"
  | "int"
  | "numeric"
  | "bytea"
  | "text[]"
  | "int[]"
  | "numeric[]";

const TEXT_TYPES = new Set(["text", "varchar", "bpchar", "name", "citext"]);
const INT_TYPES = new Set(["int2", "int4", "int8"]);
const SKIPPED = new Set(["uuid", "tsvector", "tsquery"]);

/** The stream reading of a column, or undefined when the post-pass must read it instead. */
export function streamField(c: Pick<ColumnPlan, "udt" | "typeCategory">): StreamField | undefined {
  if (["B", "D", "T"].includes(c.typeCategory) || SKIPPED.has(c.udt)) {
    return "skip";
  }
  if (TEXT_TYPES.has(c.udt) || c.typeCategory === "E") {
    return "text";
  }
  if (c.udt === "json" || c.udt === "jsonb") {
    return c.udt;
  }
  if (INT_TYPES.has(c.udt)) {
    return "int";
  }
  if (c.udt === "numeric" || c.udt === "bytea") {
    return c.udt;
  }
  if (c.typeCategory === "A") {
    const element = c.udt.slice(1);
    if (TEXT_TYPES.has(element)) {
      return "text[]";
    }
    if (INT_TYPES.has(element)) {
      return "int[]";
    }
    if (element === "numeric") {
      return "numeric[]";
    }
  }
  return undefined;
}

/** An integer field (int2, int4 or int8 by its length) as decimal text. */
function intText(buf: Buffer, at: number, len: number): string {
  if (len === 2) {
    return String(buf.readInt16BE(at));
  }
  if (len === 4) {
    return String(buf.readInt32BE(at));
  }
  return buf.readBigInt64BE(at).toString();
}

/** numeric's binary form (base-10000 digits, weight, sign, display scale) as numeric_out. */
export function numericText(buf: Buffer, at: number): string {
  const ndigits = buf.readInt16BE(at);
  const weight = buf.readInt16BE(at + 2);
  const sign = buf.readUInt16BE(at + 4);
  const dscale = buf.readInt16BE(at + 6);
  if (sign === 0xc000) {
    return "NaN";
  }
  if (sign === 0xd000) {
    return "Infinity";
  }
  if (sign === 0xf000) {
    return "-Infinity";
  }
  let int = "";
  if (weight < 0) {
    int = "0";
  } else {
    for (let i = 0; i <= weight; i++) {
      const d = String(numericDigit(buf, at, ndigits, i));
      int += i === 0 ? d : d.padStart(4, "0");
    }
  }
  let frac = "";
  if (dscale > 0) {
    for (let i = weight + 1; frac.length < dscale; i++) {
      frac += String(numericDigit(buf, at, ndigits, i)).padStart(4, "0");
    }
    frac = `.${frac.slice(0, dscale)}`;
  }
  const negative = sign === 0x4000 && (int !== "0" || /[1-9]/.test(frac));
  return `${negative ? "-" : ""}${int}${frac}`;
}

/** The i-th base-10000 digit of a binary numeric (0 past its stored digits). */
function numericDigit(buf: Buffer, at: number, ndigits: number, i: number): number {
  return i >= 0 && i < ndigits ? buf.readInt16BE(at + 8 + 2 * i) : 0;
}

/** bytea as `encode(v, 'escape')`: NUL and high bytes as \ooo, a backslash doubled. */
function byteaEscape(buf: Buffer, at: number, len: number): string {
  let out = "";
  for (let i = at; i < at + len; i++) {
    const b = buf[i] as number;
    if (b === 0 || b >= 0x80) {
      out += `\\${b.toString(8).padStart(3, "0")}`;
    } else if (b === 0x5c) {
      out += "\\\\";
    } else {
      out += String.fromCharCode(b);
    }
  }
  return out;
}

/** The elements of a binary array (any dimensions), each rendered by `element`; nulls left out. */
function arrayLeaves(
  buf: Buffer,
  at: number,
  element: (buf: Buffer, at: number, len: number) => string,
): string[] {
  const { count, first } = arrayHeader(buf, at);
  let p = first;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const len = buf.readInt32BE(p);
    p += 4;
    if (len >= 0) {
      out.push(element(buf, p, len));
      p += len;
    }
  }
  return out;
}

/**
 * A non-null field's value as the scan reads it: a text (`text`), a JSON text whose leaves are
 * the values (`json`), or the values themselves (arrays).
 */
export type FieldValue = { text: string } | { json: string } | { leaves: string[] };

export function fieldValue(
  kind: Exclude<StreamField, "skip">,
  buf: Buffer,
  at: number,
  len: number,
): FieldValue {
  switch (kind) {
    case "text":
      return { text: buf.toString("utf8", at, at + len) };
    case "json":
      return { json: buf.toString("utf8", at, at + len) };
    case "jsonb":
      // jsonb's binary form: a version byte (1), then the text jsonb_out writes.
      return { json: buf.toString("utf8", at + 1, at + len) };
    case "int":
      return { text: intText(buf, at, len) };
    case "numeric":
      return { text: numericText(buf, at) };
    case "bytea":
      return { text: byteaEscape(buf, at, len) };
    case "text[]":
      return { leaves: arrayLeaves(buf, at, (b, s, n) => b.toString("utf8", s, s + n)) };
    case "int[]":
      return { leaves: arrayLeaves(buf, at, intText) };
    case "numeric[]":
      return { leaves: arrayLeaves(buf, at, (b, s) => numericText(b, s)) };
  }
}
